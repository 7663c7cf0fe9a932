"""Plain dataclasses of the MMDS concepts; the store converts its rows into these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from .errors import InvalidInput

if TYPE_CHECKING:
    from .refs import Ref

STAGES = ("development", "validation", "production", "retired", "archived")
# Stages a version leaves service in: it scores nothing stored and carries no alias.
RETIRED_STAGES = ("retired", "archived")


@dataclass
class Feature:
    """One input column of a version."""

    name: str
    dtype: str
    used: bool = True
    importance: float | None = None


@dataclass
class Metric:
    """One metric value, overall (``slice`` is None) or on a slice such as ``country=US``.

    ``dataset_hash`` is the content hash of the data set it was computed on (the version's
    test set): values computed on different data sets are not comparable.
    """

    name: str
    value: float | None
    slice: str | None = None
    dataset: str = "test"
    dataset_hash: str | None = None


@dataclass
class Dataset:
    """A fingerprinted data set."""

    id: int
    content_hash: str
    name: str | None
    n_rows: int
    n_cols: int
    schema: dict[str, str]
    stats: dict[str, dict[str, Any]]
    created_at: datetime


@dataclass
class Version:
    """One immutable captured model version."""

    id: int
    project: str
    name: str
    version: int
    stage: str
    framework: str
    estimator_class: str
    task: str | None
    author: str
    created_at: datetime
    params: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)
    features: list[Feature] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    artifact_sha256: str | None = None
    artifact_format: str | None = None
    parent_id: int | None = None
    parent_ref: str | None = None
    aliases: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None

    # The registry that returned this version, for the load() convenience; set by that registry.
    # Not a field: equality, dataclasses.replace/asdict and pickles leave it out, and a version
    # built by hand has none, so that a Version is data and never reaches a process-wide registry.
    _registry = cast(Any, None)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k != "_registry"}

    @property
    def ref(self) -> str:
        """The full reference, ``project/name:version``."""
        return f"{self.project}/{self.name}:{self.version}"

    def metric(self, name: str, slice: str | None = None) -> float | None:
        """Return one metric's value, or None when it was not recorded."""
        for m in self.metrics:
            if m.name == name and m.slice == slice:
                return m.value
        return None

    @property
    def overall_metrics(self) -> dict[str, float | None]:
        return {m.name: m.value for m in self.metrics if m.slice is None}

    def load(self, trusted: bool = False) -> Any:
        """Load the model back into a working estimator (verified against its hash), from the
        registry that returned this version."""
        if self._registry is None:
            raise InvalidInput(
                f"This copy of {self.ref} came from no registry, so it cannot load its model; "
                f"load it from the registry that holds it: mmds.load('{self.ref}') or "
                f"registry.load('{self.ref}')."
            )
        return self._registry.load(self, trusted=trusted)

    def _repr_html_(self) -> str:
        from .render import version_html

        return version_html(self)


@dataclass
class LineageEdge:
    """``src -relation-> dst``; src is always upstream of dst."""

    src_kind: str
    src_id: int
    relation: str
    dst_kind: str
    dst_id: int


@dataclass
class Event:
    """One entry of the append-only, hash-chained audit log."""

    id: int
    time: datetime
    actor: str
    action: str
    object_kind: str
    object_ref: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


@dataclass
class NewVersion:
    """Everything captured about a model, ready to be written in one transaction."""

    project: str
    name: str
    framework: str
    estimator_class: str
    task: str | None
    author: str
    params: dict[str, Any]
    steps: dict[str, Any]
    features: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    provenance: dict[str, Any]
    environment: dict[str, Any]
    artifact_sha256: str | None
    artifact_format: str | None
    stage: str = "development"
    parent: Ref | None = None
    notebook_path: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    description: str | None = None
    contract: dict[str, Any] | None = None
    # Given the stored contract of the version this one follows (its parent when that is a
    # version of the same model, else the model's latest) and that version's reference, the
    # contract to store instead of ``contract``: the edits people made carry forward.
    inherit_contract: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    # (relation, fingerprint dict with content_hash/n_rows/..., optional name)
    datasets: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    # Who writes it, when not its author (an import: the author made it elsewhere).
    actor: str | None = None
    # (kind, sha256) of files made at capture and frozen with the version (its drift baseline)
    files: list[tuple[str, str]] = field(default_factory=list)
