"""``mmds import mlflow``: an MLflow tracking store and model registry into MMDS.

The import is a client of the registry service (:class:`~mmds_jupyter.service.RegistryService`):
it reads MLflow where MLflow is reachable and writes through ``import_version``, ``imported``,
``alias``, ``set_stage`` and ``get`` only, so it works the same against a local registry and an
MMDS server. Every logged model of a run is imported once, keyed on its run id (and its name
in the run): importing again adds only what is new, and an interrupted import resumes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ..errors import InvalidInput, MMDSError
from . import records
from .source import LoggedModelRef, MLflowSource, RegisteredVersion, safe_uri

# The registry service (mmds_jupyter.service.RegistryService). Not imported for the type:
# service.py's own imports reach this module through the model file loader, and mypy
# cannot resolve service.py's aliases inside such a cycle.
RegistryService = Any

# MLflow's (deprecated) model version stages → MMDS stages ("None" leaves the stage alone).
STAGES = {"Staging": "validation", "Production": "production", "Archived": "archived"}


@dataclass
class ImportSummary:
    """What an import did: versions made, what it skipped and why, aliases and stages set."""

    tracking_uri: str
    imported: list[str] = field(default_factory=list)
    already_imported: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (run id, why)
    aliases: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    stopped_after: int | None = None  # max_runs reached: run again to resume

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, why in self.skipped:
            counts[why] = counts.get(why, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "tracking_uri": self.tracking_uri,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "skipped": [{"run_id": r, "reason": why} for r, why in self.skipped],
            "aliases": self.aliases,
            "stages": self.stages,
            "stopped_after": self.stopped_after,
        }

    def __str__(self) -> str:
        lines = [
            f"Imported {len(self.imported)} version(s) from MLflow at {self.tracking_uri}; "
            f"{self.already_imported} imported before."
        ]
        lines += [f"Skipped {n}: {why}" for why, n in sorted(self.reasons().items())]
        lines += [f"Alias {a}" for a in self.aliases] + [f"Stage {s}" for s in self.stages]
        if self.stopped_after is not None:
            lines.append(
                f"Stopped after {self.stopped_after} new version(s) (max_runs); run the same "
                "import again to go on where it stopped."
            )
        return "\n".join(lines)


class Progress:
    """A one-line progress bar on a terminal stream: runs done / total and the rate."""

    def __init__(self, total: int, stream: IO[str] | None, every: float = 0.25):
        self.total, self.stream, self.every = total, stream, every
        self.done, self.start, self.shown = 0, time.monotonic(), 0.0

    def step(self) -> None:
        self.done += 1
        now = time.monotonic()
        if self.stream is not None and (now - self.shown >= self.every or self.done == self.total):
            self.shown = now
            rate = self.done / max(now - self.start, 1e-9)
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(
                f"\rImporting MLflow runs [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} ({rate:.1f} runs/s)"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.done:
            self.stream.write("\n")


@dataclass
class _Item:
    run: Any
    model: LoggedModelRef
    origin: str
    project: str
    name: str
    experiment: str
    registered: list[str]


def import_mlflow(
    registry: RegistryService,
    tracking_uri: str,
    experiments: list[str] | None = None,
    registered_models: bool = False,
    project_from: str = "experiment",
    trust_pickles: bool = False,
    max_runs: int | None = None,
    metric_history: bool = True,
    progress: IO[str] | None = None,
) -> ImportSummary:
    """Import the runs with a logged model of an MLflow store (and, with
    ``registered_models``, its registered models' aliases and stages) into ``registry``."""
    tag_key = _project_rule(project_from)
    if max_runs is not None and (isinstance(max_runs, bool) or not int(max_runs) >= 1):
        raise InvalidInput(f"max_runs is a number of runs of at least 1, not {max_runs!r}.")
    with _quiet_mlflow():
        return _import(
            registry,
            MLflowSource(tracking_uri),
            tag_key,
            experiments,
            registered_models,
            trust_pickles,
            max_runs,
            metric_history,
            progress,
        )


@contextlib.contextmanager
def _quiet_mlflow() -> Iterator[None]:
    """MLflow's own per-download progress bars off while ours runs (restored after)."""
    name = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
    before = os.environ.get(name)
    os.environ[name] = "false"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def _import(
    registry: RegistryService,
    source: MLflowSource,
    tag_key: str | None,
    experiments: list[str] | None,
    registered_models: bool,
    trust_pickles: bool,
    max_runs: int | None,
    metric_history: bool,
    progress: IO[str] | None,
) -> ImportSummary:
    tracking_uri = source.tracking_uri
    summary = ImportSummary(safe_uri(tracking_uri))
    exps = source.experiments(experiments)
    ids = [e.experiment_id for e in exps]
    names = {e.experiment_id: e.name for e in exps}
    logged = source.logged_models(ids) if ids else {}
    registry_versions = source.registered_versions() if registered_models else []
    reg_by_model, reg_by_run = _registered_index(registry_versions)

    items: list[_Item] = []
    for run in source.runs(ids) if ids else []:
        run_id = run.info.run_id
        models = logged.get(run_id) or source.run_artifact_models(run)
        if not models:
            summary.skipped.append((run_id, "no logged model"))
            continue
        experiment = names.get(run.info.experiment_id, run.info.experiment_id)
        if tag_key is None:
            project = records.mmds_name(experiment)
        elif run.data.tags.get(tag_key):
            project = records.mmds_name(run.data.tags[tag_key])
        else:
            summary.skipped.append((run_id, f"no tag {tag_key} to name its project"))
            continue
        for model in models:
            registered = reg_by_model.get(model.model_id or "", []) or (
                reg_by_run.get(run_id, []) if len(models) == 1 else []
            )
            name = records.mmds_name(registered[0].name if registered else model.name)
            items.append(
                _Item(
                    run,
                    model,
                    records.origin_of(run_id, model.name),
                    project,
                    name,
                    experiment,
                    [f"{r.name}:{r.version}" for r in registered],
                )
            )
    done = registry.imported([i.origin for i in items])
    by_run = {i.run.info.run_id: done[i.origin] for i in reversed(items) if i.origin in done}
    by_origin = dict(done)
    todo = [i for i in items if i.origin not in done]
    summary.already_imported = len(items) - len(todo)
    bar = Progress(len(todo), progress)
    batch = _Batch(registry, summary, by_origin, by_run, bar)
    try:
        for item in todo:
            if max_runs is not None and len(summary.imported) + len(batch) >= max_runs:
                batch.flush()
                summary.stopped_after = len(summary.imported)
                break
            parent_run = item.run.data.tags.get("mlflow.parentRunId")
            if parent_run and parent_run in batch.runs:
                batch.flush()  # a child's record names its parent's version
            built = _build(source, item, by_run, trust_pickles, metric_history)
            if isinstance(built, tuple) and isinstance(built[0], str):
                summary.skipped.append((item.run.info.run_id, built[0]))
                bar.step()
            else:
                batch.add(item, *built)
        batch.flush()
    finally:
        bar.close()
    if registered_models and summary.stopped_after is None:
        _apply_registry(registry, registry_versions, items, by_origin, by_run, summary)
    return summary


def _project_rule(project_from: str) -> str | None:
    """None for projects named after experiments, else the run tag that names them."""
    if project_from == "experiment":
        return None
    if project_from.startswith("tag:") and project_from[4:].strip():
        return project_from[4:].strip()
    raise InvalidInput(
        f"--project-from is 'experiment' or 'tag:KEY' (a run tag), not {project_from!r}."
    )


def _registered_index(
    versions: list[RegisteredVersion],
) -> tuple[dict[str, list[RegisteredVersion]], dict[str, list[RegisteredVersion]]]:
    by_model: dict[str, list[RegisteredVersion]] = {}
    by_run: dict[str, list[RegisteredVersion]] = {}
    for v in versions:
        if v.model_id:
            by_model.setdefault(v.model_id, []).append(v)
        if v.run_id:
            by_run.setdefault(v.run_id, []).append(v)
    return by_model, by_run


def _build(
    source: MLflowSource,
    item: _Item,
    by_run: dict[str, str],
    trust_pickles: bool,
    metric_history: bool,
) -> tuple[dict[str, Any], bytes | None] | tuple[str]:
    """The import record (and model file) of one logged model, or (why it was skipped,)."""
    from mlflow.exceptions import MlflowException

    run = item.run
    parent_run = run.data.tags.get("mlflow.parentRunId")
    ctx = records.RunContext(
        tracking_uri=source.tracking_uri,
        experiment=item.experiment,
        project=item.project,
        name=item.name,
        parent=by_run.get(parent_run) if parent_run else None,
        registered=item.registered,
        history=source.metric_history(run) if metric_history else {},
        trust_pickles=trust_pickles,
    )
    try:
        files = source.model_dir(item.model)
        return records.build(run, item.model, files, ctx)
    except (MlflowException, OSError) as exc:
        return (f"MLflow could not give its model files ({type(exc).__name__})",)
    except InvalidInput as exc:
        return (f"refused: {exc}",)


class _Batch:
    """Records waiting to be written BATCH at a time (``import_versions``: one transaction
    each); a batch the registry refuses is written one record at a time, so that only the
    refused records are skipped, each with its reason."""

    SIZE = 200

    def __init__(
        self,
        registry: RegistryService,
        summary: ImportSummary,
        by_origin: dict[str, str],
        by_run: dict[str, str],
        bar: Progress,
    ):
        self.registry, self.summary, self.bar = registry, summary, bar
        self.by_origin, self.by_run = by_origin, by_run
        self.items: list[tuple[_Item, dict[str, Any], bytes | None]] = []
        self.runs: set[str] = set()

    def __len__(self) -> int:
        return len(self.items)

    def add(self, item: _Item, record: dict[str, Any], model_file: bytes | None) -> None:
        self.items.append((item, record, model_file))
        self.runs.add(item.run.info.run_id)
        if len(self.items) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        items, self.items, self.runs = self.items, [], set()
        if not items:
            return
        try:
            refs: list[str | tuple[str]] = [
                v.ref
                for v in self.registry.import_versions(
                    [r for _, r, _ in items], [f for _, _, f in items]
                )
            ]
        except InvalidInput:
            refs = [self._one(record, model_file) for _, record, model_file in items]
        for (item, _, _), ref in zip(items, refs, strict=True):
            self.bar.step()
            if isinstance(ref, str):
                self.summary.imported.append(ref)
                self.by_origin[item.origin] = ref
                self.by_run.setdefault(item.run.info.run_id, ref)
            else:
                self.summary.skipped.append((item.run.info.run_id, ref[0]))

    def _one(self, record: dict[str, Any], model_file: bytes | None) -> str | tuple[str]:
        try:
            return str(self.registry.import_version(record, model_file).ref)
        except InvalidInput as exc:
            return (f"refused: {exc}",)


def _apply_registry(
    registry: RegistryService,
    versions: list[RegisteredVersion],
    items: list[_Item],
    by_origin: dict[str, str],
    by_run: dict[str, str],
    summary: ImportSummary,
) -> None:
    """Registered model versions' aliases and stages onto the versions of their source runs."""
    origin_of_model = {i.model.model_id: i.origin for i in items if i.model.model_id}
    for rv in versions:
        origin = origin_of_model.get(rv.model_id or "")
        ref = by_origin.get(origin) if origin else None
        ref = ref or (by_run.get(rv.run_id) if rv.run_id else None)
        what = f"registered model {rv.name} version {rv.version}"
        if ref is None:
            summary.skipped.append((rv.run_id or "", "registered version's run not imported"))
            continue
        try:
            stage = STAGES.get(rv.stage)
            if stage is not None and registry.get(ref).stage != stage:
                registry.set_stage(ref, stage, reason=f"MLflow: {what} is in stage {rv.stage}")
                summary.stages.append(f"{ref} → {stage} ({what})")
            for alias in rv.aliases:
                if alias not in registry.get(ref).aliases:
                    registry.alias(ref, alias)
                    summary.aliases.append(f"@{alias} → {ref} ({what})")
        except MMDSError as exc:
            summary.skipped.append((rv.run_id or "", f"{what}: {exc}"))


def default_progress() -> IO[str] | None:
    """Where the progress bar goes: the terminal's stderr, when it is one."""
    return sys.stderr if sys.stderr is not None and sys.stderr.isatty() else None
