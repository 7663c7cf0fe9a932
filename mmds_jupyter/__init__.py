"""MMDS: capture, version, search, compare and deploy scikit-learn models from Jupyter.

The functions here use one process-wide :class:`Registry` configured from ``MMDS_URL`` and
``MMDS_HOME`` (or ``c.MMDS.url`` / ``c.MMDS.home``); call :func:`connect` to point elsewhere.
"""

from __future__ import annotations

import threading
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _pkg_version
from typing import Any

from .capture.fitted import Tracking
from .entities import STAGES, Version
from .errors import (
    AmbiguousReference,
    ArtifactIntegrityError,
    InvalidInput,
    MMDSError,
    NotFound,
    UntrustedArtifact,
)
from .registry import Registry
from .remote import RemoteRegistry, open_registry
from .scheduler.default import DefaultJobs

try:
    __version__ = _pkg_version("mmds-jupyter")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

_lock = threading.Lock()
_default: Any = None


def default_registry() -> Any:
    """The process-wide registry, created on first use: a RemoteRegistry when MMDS_URL is an
    MMDS server's http(s) URL, else the local Registry."""
    global _default
    with _lock:
        if _default is None:
            _default = open_registry()
        return _default


def connect(
    url: str | None = None, home: str | None = None, actor: str | None = None, **kwargs: Any
) -> Any:
    """Point this process at another registry (a database URL, or an MMDS server's
    ``https://host:port/``) and return it."""
    global _default
    with _lock:
        if _default is not None:
            _default.close()
        _default = open_registry(url=url, home=home, actor=actor, **kwargs)
        return _default


def track(model: Any, name: str | None = None, project: str = "default", **kwargs: Any) -> Version:
    """Capture a fitted estimator; see :meth:`Registry.track`."""
    return default_registry().track(model, name=name, project=project, **kwargs)


def tracking(project: str = "default", **kwargs: Any) -> Tracking:
    """``with mmds.tracking(project=..., X_test=..., y_test=...) as versions:`` tracks every
    estimator fitted inside the block; see :class:`~mmds_jupyter.capture.fitted.Tracking`."""
    return Tracking(default_registry(), project=project, **kwargs)


def get(ref: str) -> Version:
    """The version a reference names; see :meth:`Registry.get`."""
    return default_registry().get(ref)


def load(ref: str, trusted: bool = False) -> Any:
    """A working estimator of a version; see :meth:`Registry.load`."""
    return default_registry().load(ref, trusted=trusted)


def find(**kwargs: Any) -> Any:
    """Search versions; see :meth:`Registry.find`."""
    return default_registry().find(**kwargs)


def compare(*refs: Any) -> Any:
    """Compare versions side by side; see :meth:`Registry.compare`."""
    return default_registry().compare(*refs)


def evaluate(ref: str, X: Any, y: Any, name: str, slices: Any = None) -> dict[str, Any]:
    """Re-evaluate a version on a new data set, kept as ``name``; see :meth:`Registry.evaluate`."""
    return default_registry().evaluate(ref, X, y, name=name, slices=slices)


def report(*refs: Any, kind: str | None = None, threshold: float = 0.5) -> Any:
    """A comparison or validation report (HTML, PDF, rich output); see :meth:`Registry.report`."""
    return default_registry().report(*refs, kind=kind, threshold=threshold)


def lineage(ref: str, depth: int = 3) -> Any:
    """Lineage of a version; see :meth:`Registry.lineage`."""
    return default_registry().lineage(ref, depth=depth)


def dataset(content_hash: str) -> dict[str, Any]:
    """A data set by its content hash (or 8+ hex digits of it); see :meth:`Registry.dataset`."""
    return default_registry().dataset(content_hash)


def alias(
    ref: str, name: str, force: bool = False, reason: str | None = None, request: int | None = None
) -> Version:
    """Point an alias at a version; see :meth:`Registry.alias`."""
    return default_registry().alias(ref, name, force=force, reason=reason, request=request)


def set_aliases(moves: dict[str, Any], reason: str | None = None, **kwargs: Any) -> list[Version]:
    """Move several aliases all or none: ``{"churn@champion": "churn:3", ...}``."""
    return default_registry().set_aliases(moves, reason=reason, **kwargs)


def rollback(ref: str, reason: str | None = None, **kwargs: Any) -> Version:
    """Move an alias (``churn@champion``) back to its previous version (Registry.rollback)."""
    return default_registry().rollback(ref, reason=reason, **kwargs)


def alias_history(ref: str, alias: str | None = None) -> Any:
    """Every move of a model's aliases (or one alias), newest first, as a DataFrame."""
    return default_registry().alias_history(ref, alias=alias)


def alias_at(ref: str, at: Any) -> Any:
    """Which version ``churn@champion`` named at ``at`` (a date: the end of that day, UTC), and
    who moved it there, when, why; None when it was not set."""
    return default_registry().alias_at(ref, at)


def set_stage(ref: str, stage: str, reason: str | None = None) -> Version:
    """Move a version to a life-cycle stage; see :meth:`Registry.set_stage`."""
    return default_registry().set_stage(ref, stage, reason=reason)


def archive(ref: str, reason: str | None = None, force: bool = False) -> Version:
    """Archive a retired version: its files move to the cold artifact root, records stay."""
    return default_registry().archive(ref, reason=reason, force=force)


def evidence_file(ref: str, evidence_id: int) -> dict[str, Any]:
    """One piece of evidence attached to a version (the id a request's gate names), with its
    kind, who attached it, when, and its ``text``."""
    return default_registry().evidence_file(ref, evidence_id)


def review_state(ref: str) -> dict[str, Any] | None:
    """A version's review under its template: last review (``since``), ``review_due``,
    ``expires``, ``overdue``, ``expired``; None when its stage has no review."""
    return default_registry().review_state(ref)


def archive_due() -> list[dict[str, Any]]:
    """The retention sweep: take @champion off versions whose review expired, and archive
    the retired versions whose template's retention period has passed."""
    return default_registry().archive_due()


def restore(ref: str, reason: str | None = None) -> Version:
    """Bring an archived version (and its files) back to the stage it was archived from."""
    return default_registry().restore(ref, reason=reason)


def hold(ref: str, reason: str) -> dict[str, Any]:
    """Put a version under legal hold: no archiving or purging until :func:`release`."""
    return default_registry().hold(ref, reason)


def release(ref: str, reason: str | None = None) -> dict[str, Any]:
    """Release a version's legal hold."""
    return default_registry().release(ref, reason=reason)


def purge(ref: str, reason: str) -> dict[str, Any]:
    """Delete a retired or archived version's files for good (owner only); a tombstone event
    keeps the hash and every record stays."""
    return default_registry().purge(ref, reason)


def add_webhook(
    project: str, url: str, events: list[str], secret: str | None = None
) -> dict[str, Any]:
    """POST a project's events of these types (``request``, ``alias``, ``alert``...) to ``url``,
    HMAC-SHA256 signed with ``secret`` (made and returned once when not given)."""
    return default_registry().add_webhook(project, url, events, secret)


def webhooks(project: str | None = None) -> list[dict[str, Any]]:
    """The active webhooks (of one project), without their secrets."""
    return default_registry().webhooks(project)


def remove_webhook(webhook_id: int) -> dict[str, Any]:
    """Stop a webhook (kept, with its delivery records)."""
    return default_registry().remove_webhook(webhook_id)


def webhook_deliveries(webhook_id: int, status: str | None = None) -> list[dict[str, Any]]:
    """A webhook's delivery records, newest first: status, attempts, last error."""
    return default_registry().webhook_deliveries(webhook_id, status)


def deliver_webhooks() -> dict[str, int]:
    """One delivery pass (``mmds scheduler`` runs it by itself)."""
    return default_registry().deliver_webhooks()


def add_task(ref: str, title: str, **fields: Any) -> dict[str, Any]:
    """Add a task to a project (``"risk"``) or a model (``"risk/churn"``); fields:
    description, assignee, group, due, depends_on, weight, milestone."""
    return default_registry().add_task(ref, title, **fields)


def tasks(ref: str | None = None, mine: bool = False, status: str | None = None) -> Any:
    """The tasks of a project or model (``mine=True``: assigned to me or my groups)."""
    return default_registry().tasks(ref, mine=mine, status=status)


def complete_task(
    task_id: int, comment: str | None = None, attachment: str | None = None
) -> dict[str, Any]:
    """Complete a task with a comment and an optional attachment (text)."""
    return default_registry().complete_task(task_id, comment=comment, attachment=attachment)


def task_progress(frame: Any) -> dict[str | None, dict[str, Any]]:
    """Per milestone, the weighted share done of the tasks ``mmds.tasks(...)`` returned."""
    from .governance.tasks import progress

    return progress(frame)


def request(ref: str, stage: str, comment: str | None = None) -> Any:
    """Ask to move a version to ``stage`` (its own stage: a review): the request shows which
    gates of the project's template pass and which block; see :meth:`Registry.request`."""
    return default_registry().request(ref, stage, comment=comment)


def approve(request_id: int, comment: str | None = None) -> Any:
    """Approve a request; the version moves when every gate passes."""
    return default_registry().approve(request_id, comment=comment)


def reject(request_id: int, comment: str | None = None) -> Any:
    """Reject a request (its author may withdraw it)."""
    return default_registry().reject(request_id, comment=comment)


def requests(
    ref: str | None = None, status: str | None = "open", waiting_for_me: bool = False
) -> list[Any]:
    """Promotion requests, newest first; ``waiting_for_me=True``: those I may approve."""
    return default_registry().requests(ref, status=status, waiting_for_me=waiting_for_me)


def attach(ref: str, kind: str, file: str | None = None, text: str | None = None) -> Any:
    """Attach evidence to a version: ``mmds.attach("churn:3", "comparison", file="cmp.html")``."""
    from pathlib import Path

    if (file is None) == (text is None):
        raise InvalidInput("Give the evidence as file='path' or as text='...', one of them.")
    name = None if file is None else Path(file).name
    body = Path(file).read_text() if file is not None else text
    return default_registry().attach(ref, kind, body or "", name=name)


def bind_template(project: str, template: str = "default") -> dict[str, Any]:
    """Make a project follow a life-cycle template (the shipped ``default`` unless named)."""
    return default_registry().bind_template(project, template)


def save_template(file: str | None = None, text: str | None = None) -> dict[str, Any]:
    """Store a life-cycle template (a YAML file or text) as its name's next version."""
    from pathlib import Path

    if (file is None) == (text is None):
        raise InvalidInput("Give the template as file='path.yaml' or as text='...', one of them.")
    if file is not None:
        from .governance.templates import parse

        text = Path(file).read_text()
        parse(text, file)  # errors name the file and the line
    return default_registry().save_template(text or "")


def tag(ref: str, tags: dict[str, Any] | None = None, /, **kwargs: Any) -> Version:
    """Set tags of a version: ``mmds.tag("churn:3", owner="alice")``; see :meth:`Registry.tag`."""
    return default_registry().tag(ref, {**(tags or {}), **kwargs})


def untag(ref: str, *keys: str) -> Version:
    """Remove tags of a version by key: ``mmds.untag("churn:3", "owner")``."""
    return default_registry().untag(ref, *keys)


def describe(ref: str, text: str | None) -> Version:
    """Replace a version's description (``None`` clears it); an audited change."""
    return default_registry().describe(ref, text)


def events(**kwargs: Any) -> Any:
    """The audit log; see :meth:`Registry.events`."""
    return default_registry().events(**kwargs)


def audit_export(
    out: str | None = None, since: Any = None, project: str | None = None
) -> dict[str, Any]:
    """The event log with its hash chain up to a new signed checkpoint (written to ``out`` as
    JSON when given); see :meth:`Registry.audit_export`."""
    doc: dict[str, Any] = default_registry().audit_export(since=since, project=project)
    if out is not None:
        from .governance.audit import write_export

        write_export(doc, out)
    return doc


def audit_checkpoint() -> dict[str, Any]:
    """Sign the event log's head with the audit key kept outside the database."""
    return default_registry().audit_checkpoint()


def verify_audit() -> dict[str, Any]:
    """Check the event log's chain and the log against its newest signed checkpoint."""
    return default_registry().verify_audit()


def contract(
    ref: str,
    update: dict[str, Any] | None = None,
    policy: str | None = None,
    strict: bool | None = None,
) -> Any:
    """A version's score contract; pass ``update``, ``policy`` or ``strict`` to edit it."""
    return default_registry().contract(ref, update=update, policy=policy, strict=strict)


def score(ref: str, data: Any, mode: str = "test", key: Any = None, **kwargs: Any) -> Any:
    """Check data against the contract and score it; see :meth:`Registry.score`."""
    return default_registry().score(ref, data, mode=mode, key=key, **kwargs)


class _Scores:
    """``mmds.scores(ref)`` lists score sets; ``mmds.scores.load(id)`` reads one."""

    def __call__(self, ref: str | None = None, **kwargs: Any) -> Any:
        return default_registry().scores(ref, **kwargs)

    def load(self, score_set_id: int) -> Any:
        return default_registry().load_scores(score_set_id)


scores = _Scores()


class _Consumers:
    """``mmds.consumers("churn")`` lists who uses a model; ``.add`` and ``.end`` change it."""

    def __call__(self, ref: str | None = None, include_ended: bool = False) -> Any:
        return default_registry().consumers(ref, include_ended=include_ended)

    def add(
        self, ref: str, application: str, owner: str | None = None, purpose: str | None = None
    ) -> dict[str, Any]:
        return default_registry().add_consumer(ref, application, owner=owner, purpose=purpose)

    def end(self, consumer_id: int, reason: str | None = None) -> dict[str, Any]:
        return default_registry().end_consumer(consumer_id, reason=reason)


consumers = _Consumers()


def actuals(model: str, data: Any, key: str, target: str) -> Any:
    """Attach observed outcomes to a model's stored scores, matched by ``key``; returns the
    actual set's id and how many rows matched a score set and how many did not."""
    return default_registry().add_actuals(model, data, key=key, target=target)


def performance(model: str, window: str | int | None = None, slice: str | None = None) -> Any:
    """Metrics over time of a model (every version) or one version (``churn:3``), from stored
    score sets joined with actuals; per ``window`` (day, week, month or N rows) with each
    window's labelled share, and per ``slice`` value of a stored column."""
    return default_registry().performance(model, window=window, slice=slice)


def set_monitor(
    model: str,
    reference: str | None = None,
    window: str | None = None,
    metrics: list[str] | None = None,
    drift: list[str] | None = None,
    thresholds: dict[str, Any] | None = None,
    min_rows: int | None = None,
    min_positives: int | None = None,
) -> dict[str, Any]:
    """Define how a model is monitored: the version or alias judged, the window (day, week,
    month), metrics and drift measures with (warning, alert) thresholds; a window needs
    ``min_rows`` rows (and ``min_positives`` positives) to be judged."""
    return default_registry().set_monitor(
        model,
        reference=reference,
        window=window,
        metrics=metrics,
        drift=drift,
        thresholds=thresholds,
        min_rows=min_rows,
        min_positives=min_positives,
    )


def check_monitor(model: str) -> dict[str, Any]:
    """Judge every window of a model against its monitor now; opens alerts for findings
    (storing production scores or actuals checks it too)."""
    return default_registry().check_monitor(model)


def alerts(model: str | None = None, status: str | None = None) -> Any:
    """Monitoring alerts, newest first: of a model, of one status (open, acknowledged,
    resolved)."""
    return default_registry().alerts(model, status)


def acknowledge_alert(alert_id: int, note: str | None = None) -> dict[str, Any]:
    """Mark an alert as seen and being handled (who and when are recorded)."""
    return default_registry().acknowledge_alert(alert_id, note)


def resolve_alert(alert_id: int, note: str | None = None) -> dict[str, Any]:
    """Close an alert (who and when are recorded)."""
    return default_registry().resolve_alert(alert_id, note)


def champion_challenger(
    model: str, champion: str = "champion", challenger: str = "challenger"
) -> dict[str, Any]:
    """Compare champion and challenger (aliases or version numbers) on the labelled rows both
    scored: each metric with its paired test (DeLong, McNemar, paired bootstrap), which is
    better and how sure. Production scoring through ``@champion`` scores the challenger (in
    validation) in the shadow."""
    return default_registry().champion_challenger(model, champion, challenger)


def monitor(model: str) -> Any:
    """A model's monitoring view (charts, alerts, champion vs challenger); see
    :meth:`Registry.monitor`."""
    return default_registry().monitor(model)


def set_retrain(model: str, notebook: str, **options: Any) -> dict[str, Any]:
    """Define how a model is retrained: the notebook the scheduler runs, ``trigger`` (alert,
    schedule, manual), ``windows``, ``cooldown_days``, ``train_window``, ``schedule``."""
    return default_registry().set_retrain(model, notebook, **options)


def retrain_definition(model: str) -> dict[str, Any]:
    """A model's retrain definition, its job and the job's last runs."""
    return default_registry().retrain_definition(model)


def retrain(model: str, reason: str | None = None) -> Any:
    """Queue a retraining run of the model now, by hand (the scheduler runs it)."""
    return default_registry().retrain(model, reason)


def permissions(ref: str) -> dict[str, Any]:
    """What you may do to a version: the operations your roles allow, the stages you may move
    it to, whether you may set ``@champion`` (on a laptop, everything; on `mmds server`, your
    roles in its project decide)."""
    return default_registry().permissions(ref)


def baseline(ref: str) -> dict[str, Any]:
    """The reference distributions frozen with a version at capture (its drift baseline)."""
    return default_registry().baseline(ref)


def drift(
    ref: Any = None, data: Any = None, score_set: int | None = None, min_rows: int | None = None
) -> Any:
    """Drift per input and for the score against a version's baseline: of ``data`` (any
    frame) on demand, or the drift stored with a production ``score_set``. ``ref`` may also
    be a reference DataFrame, compared with ``data`` directly."""
    import pandas as pd

    if isinstance(ref, pd.DataFrame):
        from .monitoring.drift import compare_frames

        return compare_frames(ref, data, min_rows)
    return default_registry().drift(ref, data, score_set=score_set, min_rows=min_rows)


class _ScoringTests:
    """``mmds.scoring_test.create(...)``, ``.run(ref)`` and ``.results(ref)``."""

    def create(self, ref: str, inputs: Any, expected: Any, **kwargs: Any) -> Any:
        return default_registry().create_scoring_test(ref, inputs, expected, **kwargs)

    def run(self, ref: str, name: str | None = None) -> Any:
        return default_registry().run_scoring_tests(ref, name=name)

    def results(self, ref: str, limit: int = 20) -> Any:
        return default_registry().scoring_test_results(ref, limit=limit)


scoring_test = _ScoringTests()

jobs = DefaultJobs()


def export_pmml(ref: str, path: str | None = None) -> bytes:
    """Write a version's model as PMML 4.4; see :meth:`Registry.export_pmml`."""
    return default_registry().export_pmml(ref, path)


def import_pmml(source: Any, name: str, project: str = "default", **kwargs: Any) -> Version:
    """Register a PMML file as a version; see :meth:`Registry.import_pmml`."""
    return default_registry().import_pmml(source, name, project, **kwargs)


def import_mlflow(tracking_uri: str, **kwargs: Any) -> Any:
    """Import an MLflow tracking store (``experiments``, ``registered_models``,
    ``project_from``, ``trust_pickles``, ``max_runs``); returns its summary. Needs the
    ``mlflow`` extra; see :func:`mmds_jupyter.mlflow_io.importer.import_mlflow`. The progress
    bar goes to stderr (``progress=None`` turns it off)."""
    import sys

    from .mlflow_io import import_mlflow as run

    kwargs.setdefault("progress", sys.stderr)
    return run(default_registry(), tracking_uri, **kwargs)


def export_mlflow(ref: str, path: Any, trusted: bool = False) -> Any:
    """Write a version as an MLflow model directory (sklearn flavour and pyfunc)."""
    from .mlflow_io import export_mlflow as run

    return run(default_registry(), ref, path, trusted=trusted)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the built JupyterLab extension lives (for ``jupyter labextension develop``)."""
    return [{"src": "labextension", "dest": "mmds-jupyter"}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext mmds_jupyter`` registers the ``%mmds`` magics."""
    from mmds_magics import load_ipython_extension as _load

    _load(ipython)


__all__ = [
    "STAGES",
    "AmbiguousReference",
    "ArtifactIntegrityError",
    "InvalidInput",
    "MMDSError",
    "NotFound",
    "Registry",
    "RemoteRegistry",
    "UntrustedArtifact",
    "Version",
    "actuals",
    "add_task",
    "add_webhook",
    "audit_checkpoint",
    "audit_export",
    "alias",
    "approve",
    "archive",
    "archive_due",
    "attach",
    "bind_template",
    "alias_at",
    "alias_history",
    "baseline",
    "compare",
    "complete_task",
    "contract",
    "connect",
    "consumers",
    "evaluate",
    "evidence_file",
    "events",
    "export_mlflow",
    "hold",
    "export_pmml",
    "find",
    "get",
    "jobs",
    "import_mlflow",
    "import_pmml",
    "lineage",
    "dataset",
    "report",
    "load",
    "default_registry",
    "deliver_webhooks",
    "describe",
    "drift",
    "set_monitor",
    "check_monitor",
    "alerts",
    "acknowledge_alert",
    "resolve_alert",
    "champion_challenger",
    "monitor",
    "set_retrain",
    "retrain_definition",
    "retrain",
    "performance",
    "permissions",
    "purge",
    "release",
    "remove_webhook",
    "restore",
    "rollback",
    "score",
    "scores",
    "scoring_test",
    "reject",
    "request",
    "requests",
    "review_state",
    "save_template",
    "set_aliases",
    "set_stage",
    "tag",
    "task_progress",
    "tasks",
    "track",
    "tracking",
    "untag",
    "verify_audit",
    "webhook_deliveries",
    "webhooks",
]
