"""The store interface: what the registry service needs from any backing store."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..entities import Dataset, Event, LineageEdge, Version
from ..refs import Ref


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


@dataclass
class Query:
    """Filters, order and paging of a search over versions."""

    project: str | None = None
    name: str | None = None
    name_contains: str | None = None  # part of the model's or project's name, any case
    feature: str | None = None
    without_feature: str | None = None  # versions that do not use this feature
    stage: str | None = None
    include_archived: bool = False  # archived versions only show when asked or filtered by stage
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    estimator: str | None = None
    tag: tuple[str, str | None] | None = None
    slice: str | None = None
    # versions trained or evaluated on these data sets (ids), by these edge relations
    dataset_ids: tuple[int, ...] | None = None
    dataset_relations: tuple[str, ...] = ("trained_on", "evaluated_on")
    metrics: list[tuple[str, str, float]] = field(default_factory=list)
    order_by: str = "-created"
    limit: int | None = None
    offset: int = 0


class Store(ABC):
    """Abstract store; the SQL implementation is local, a REST one can stand in for teams."""

    @abstractmethod
    def create_version(self, spec: NewVersion) -> Version: ...

    @abstractmethod
    def resolve(self, ref: Ref) -> Version: ...

    @abstractmethod
    def version_by_id(self, version_id: int) -> Version: ...

    @abstractmethod
    def find(self, query: Query) -> list[dict[str, Any]]: ...

    @abstractmethod
    def count(self, query: Query, cap: int | None = None) -> int: ...

    @abstractmethod
    def set_alias(
        self, ref: Ref, alias: str, actor: str, detail: dict[str, Any] | None = None
    ) -> Version: ...

    @abstractmethod
    def set_stage(
        self, ref: Ref, stage: str, actor: str, reason: str | None, drop_aliases: bool = False
    ) -> Version: ...

    @abstractmethod
    def set_tags(self, ref: Ref, add: dict[str, str], remove: list[str], actor: str) -> Version: ...

    @abstractmethod
    def set_description(self, ref: Ref, text: str | None, actor: str) -> Version: ...

    @abstractmethod
    def edges(self, kind: str, ids: list[int], direction: str) -> list[LineageEdge]: ...

    @abstractmethod
    def datasets(self, ids: list[int]) -> list[Dataset]: ...

    @abstractmethod
    def versions_by_ids(self, ids: list[int]) -> list[Version]: ...

    @abstractmethod
    def events(
        self,
        object_ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[Event]: ...

    @abstractmethod
    def verify_events(self) -> int | None: ...

    @abstractmethod
    def projects(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def models(self, project: str | None = None) -> list[dict[str, Any]]: ...
