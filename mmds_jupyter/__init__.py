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


def lineage(ref: str, depth: int = 3) -> Any:
    """Lineage of a version; see :meth:`Registry.lineage`."""
    return default_registry().lineage(ref, depth=depth)


def alias(ref: str, name: str, force: bool = False) -> Version:
    """Point an alias at a version; see :meth:`Registry.alias`."""
    return default_registry().alias(ref, name, force=force)


def set_stage(ref: str, stage: str, reason: str | None = None) -> Version:
    """Move a version to a life-cycle stage; see :meth:`Registry.set_stage`."""
    return default_registry().set_stage(ref, stage, reason=reason)


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


def actuals(model: str, data: Any, key: str, target: str) -> Any:
    """Attach observed outcomes to a model's stored scores, matched by ``key``; returns the
    actual set's id and how many rows matched a score set and how many did not."""
    return default_registry().add_actuals(model, data, key=key, target=target)


def performance(model: str) -> Any:
    """Metrics over time of a model (every version) or one version (``churn:3``), from stored
    score sets joined with actuals."""
    return default_registry().performance(model)


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
    "alias",
    "baseline",
    "compare",
    "contract",
    "connect",
    "events",
    "export_pmml",
    "find",
    "get",
    "jobs",
    "import_pmml",
    "lineage",
    "load",
    "default_registry",
    "describe",
    "drift",
    "performance",
    "score",
    "scores",
    "scoring_test",
    "set_stage",
    "tag",
    "track",
    "tracking",
    "untag",
]
