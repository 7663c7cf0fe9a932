"""Reading an MLflow tracking store and model registry, through MLflow's own client only
(``MlflowClient``: a REST server, a database or a file store, whatever the URI names)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import InvalidInput
from .model_dir import ModelDir

PAGE = 1000


@dataclass
class LoggedModelRef:
    """One model a run logged: an MLflow 3 LoggedModel, or an MLflow 2 run artifact."""

    name: str
    uri: str  # where its files are (an artifact URI)
    model_id: str | None = None
    model_type: str | None = None


@dataclass
class RegisteredVersion:
    """One version of a registered model, with where it came from."""

    name: str
    version: int
    run_id: str | None
    model_id: str | None
    stage: str
    aliases: list[str] = field(default_factory=list)


def safe_uri(uri: str) -> str:
    """The tracking URI without a password or token, to record and show."""
    parts = urlsplit(uri)
    if parts.password or parts.username:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return uri


class MLflowSource:
    """The experiments, runs, logged models and registered model versions of one store."""

    def __init__(self, tracking_uri: str, registry_uri: str | None = None):
        from . import require_mlflow

        require_mlflow()
        from mlflow import MlflowClient

        self.tracking_uri = tracking_uri
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri)

    def experiments(self, names: list[str] | None) -> list[Any]:
        """The named experiments (every active one when none is named)."""
        if not names:
            found, token = [], None
            while True:
                page = self.client.search_experiments(max_results=PAGE, page_token=token)
                found += list(page)
                token = page.token
                if not token:
                    return found
        out: list[Any] = []
        missing: list[str] = []
        for name in names:
            exp = self.client.get_experiment_by_name(name)
            if exp is None:
                missing.append(name)
            else:
                out.append(exp)
        if missing:
            known = ", ".join(e.name for e in self.experiments(None)[:20])
            raise InvalidInput(
                f"The MLflow store at {safe_uri(self.tracking_uri)} has no experiment named "
                f"{', '.join(map(repr, missing))}; its experiments are: {known}."
            )
        return out

    def runs(self, experiment_ids: list[str]) -> Iterator[Any]:
        """Every run of the experiments, oldest first (so parents come before children)."""
        token = None
        while True:
            page = self.client.search_runs(
                experiment_ids,
                max_results=PAGE,
                order_by=["attributes.start_time ASC"],
                page_token=token,
            )
            yield from page
            token = page.token
            if not token:
                return

    def logged_models(self, experiment_ids: list[str]) -> dict[str, list[LoggedModelRef]]:
        """The MLflow 3 logged models of the experiments, by the run that logged them."""
        by_run: dict[str, list[LoggedModelRef]] = {}
        token = None
        while True:
            page = self.client.search_logged_models(
                experiment_ids, max_results=PAGE, page_token=token
            )
            for m in page:
                if m.source_run_id:
                    by_run.setdefault(m.source_run_id, []).append(
                        LoggedModelRef(m.name, m.artifact_location, m.model_id, m.model_type)
                    )
            token = page.token
            if not token:
                break
        for models in by_run.values():
            models.sort(key=lambda m: m.name)
        return by_run

    @staticmethod
    def run_artifact_models(run: Any) -> list[LoggedModelRef]:
        """Models an MLflow 2 client logged as run artifacts (the log-model history tag)."""
        raw = run.data.tags.get("mlflow.log-model.history")
        try:
            history = json.loads(raw) if raw else []
        except ValueError:
            return []
        seen: dict[str, LoggedModelRef] = {}
        for entry in history if isinstance(history, list) else []:
            path = entry.get("artifact_path") if isinstance(entry, dict) else None
            if path:
                seen[path] = LoggedModelRef(path, f"{run.info.artifact_uri}/{path}")
        return list(seen.values())

    def registered_versions(self) -> list[RegisteredVersion]:
        found, token = [], None
        while True:
            page = self.client.search_model_versions(max_results=PAGE, page_token=token)
            for mv in page:
                found.append(
                    RegisteredVersion(
                        name=mv.name,
                        version=int(mv.version),
                        run_id=mv.run_id or None,
                        model_id=getattr(mv, "model_id", None) or None,
                        stage=mv.current_stage or "None",
                        aliases=list(getattr(mv, "aliases", None) or []),
                    )
                )
            token = page.token
            if not token:
                break
        # Version searches leave aliases out; the registered models list them.
        by_key = {(v.name, v.version): v for v in found}
        token = None
        while True:
            models = self.client.search_registered_models(max_results=PAGE, page_token=token)
            for rm in models:
                for alias, number in sorted(dict(rm.aliases or {}).items()):
                    version = by_key.get((rm.name, int(number)))
                    if version is not None and alias not in version.aliases:
                        version.aliases.append(alias)
            token = models.token
            if not token:
                return sorted(found, key=lambda v: (v.name, v.version))

    def metric_history(self, run: Any) -> dict[str, list[list[Any]]]:
        """Every metric's values in order ([step, timestamp in ms, value]), for metrics
        logged at more than one step (a single value is the metric itself).

        A run's search result carries each metric's latest step: a metric whose latest step
        is 0 was logged at one step only, so MLflow is asked for the histories of the others
        alone (one call per metric and run is most of an import's time otherwise)."""
        series: dict[str, list[list[Any]]] = {}
        for key in _stepped_metrics(run):
            history = self.client.get_metric_history(run.info.run_id, key)
            if len(history) > 1:
                ordered = sorted(history, key=lambda m: (m.step, m.timestamp))
                series[key] = [[m.step, m.timestamp, _number(m.value)] for m in ordered]
        return series

    def model_dir(self, model: LoggedModelRef) -> ModelDir | None:
        """The model's files (None when it has none, as a model logged without files)."""
        import mlflow

        if model.model_id is not None and not mlflow.artifacts.list_artifacts(
            artifact_uri=model.uri, tracking_uri=self.tracking_uri
        ):  # listed where they are: no lookup of the logged model by id first
            return None
        with tempfile.TemporaryDirectory(prefix="mmds-mlflow-") as tmp:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=model.uri, dst_path=tmp, tracking_uri=self.tracking_uri
            )
            root = Path(local)
            if not (root / "MLmodel").is_file():
                return None
            return ModelDir.read(root)


def _stepped_metrics(run: Any) -> list[str]:
    """The run's metrics whose latest value was logged after step 0 (all of them when the
    run does not say its metrics' steps)."""
    latest = getattr(run.data, "_metric_objs", None)
    if latest is None:
        return sorted(run.data.metrics)
    return sorted({m.key for m in latest if m.step})


def _number(value: float) -> float | None:
    return value if value == value and value not in (float("inf"), float("-inf")) else None
