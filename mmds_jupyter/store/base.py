"""The stores' interfaces: what the registry service needs from its backing store, by aggregate.

Each aggregate (versions and references, lineage, search, audit events, score sets, scoring
checks, jobs, runs, identities) is a small :class:`typing.Protocol`; the SQL classes in this
package implement them, and :class:`Stores` holds one of each for a registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ..entities import Dataset, Event, LineageEdge, NewVersion, Version
from ..query import Query
from ..refs import Ref

if TYPE_CHECKING:
    from ..auth.entities import Grant, Token, User
    from ..scheduler.entities import Job, Outcome, Run, Started
    from ..scheduler.timing import Plan


@dataclass(frozen=True)
class TrackKey:
    """A track request's idempotency key, who sent it, the sha256 of what it asked, and (once
    done) the reference of the version it made."""

    key: str
    actor: str
    request_sha256: str
    ref: str | None = None


class VersionStore(Protocol):
    """Models, versions and their references: aliases, stages, tags, descriptions, files."""

    def create_version(self, spec: NewVersion, key: TrackKey | None = None) -> Version: ...
    def create_versions(self, items: list[tuple[NewVersion, TrackKey | None]]) -> list[Version]: ...
    def tracked_under(self, key: str) -> TrackKey | None: ...
    def versions_under(self, keys: list[str]) -> dict[str, str]: ...
    def resolve(self, ref: Ref) -> Version: ...
    def refs(self, ids: list[int]) -> dict[int, str]: ...
    def version_by_id(self, version_id: int) -> Version: ...
    def versions_by_ids(self, ids: list[int]) -> list[Version]: ...
    def set_alias(
        self, ref: Ref, alias: str, actor: str, detail: dict[str, Any] | None = None
    ) -> Version: ...
    def set_aliases(
        self, moves: list[tuple[Ref, str, dict[str, Any] | None]], actor: str
    ) -> list[Version]: ...
    def remove_alias(self, ref: Ref, alias: str, actor: str, reason: str) -> Version: ...
    def with_alias(self, alias: str) -> list[int]: ...
    def set_stage(
        self, ref: Ref, stage: str, actor: str, reason: str | None, drop_aliases: bool = False
    ) -> Version: ...
    def set_tags(self, ref: Ref, add: dict[str, str], remove: list[str], actor: str) -> Version: ...
    def set_description(self, ref: Ref, text: str | None, actor: str) -> Version: ...
    def add_version_file(
        self,
        version_id: int,
        kind: str,
        sha256: str,
        actor: str,
        detail: dict[str, Any] | None = None,
        action: str | None = None,
    ) -> None: ...
    def version_files(self, version_id: int) -> list[dict[str, Any]]: ...
    def projects(self) -> list[dict[str, Any]]: ...
    def models(self, project: str | None = None) -> list[dict[str, Any]]: ...


class LineageStore(Protocol):
    """Data sets and the lineage edges between data sets, versions and score sets."""

    def edges(self, kind: str, ids: list[int], direction: str) -> list[LineageEdge]: ...
    def datasets(self, ids: list[int]) -> list[Dataset]: ...
    def dataset_ids(self, text: str) -> tuple[int, ...]: ...
    def dataset_by_hash(self, text: str) -> Dataset: ...


class SearchStore(Protocol):
    """Search over versions: one page of rows, a count, the check of metric names."""

    def find(self, query: Query) -> list[dict[str, Any]]: ...
    def count(self, query: Query, cap: int | None = None) -> int: ...
    def unknown_metrics(self, names: set[str]) -> tuple[list[str], list[str]]: ...
    def vocabulary(self, query: Query, limit: int) -> dict[str, list[str]]: ...


class AuditStore(Protocol):
    """Reads of the hash-chained audit log (every write appends its own event)."""

    def events(
        self,
        object_ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        object_kind: str | None = None,
    ) -> list[Event]: ...
    def verify_events(self) -> int | None: ...
    def append(
        self, actor: str, action: str, object_kind: str, object_ref: str, after: dict[str, Any]
    ) -> tuple[Event, int]: ...
    def event_at(self, event_id: int) -> tuple[Event | None, int]: ...
    def chain(self, since: datetime | None = None, through: int | None = None) -> list[Event]: ...


class ScoreSetStore(Protocol):
    """The score repository: score sets of scoring runs, and the actuals they meet."""

    def check_new_score_set(
        self, version_id: int, content_hash: str, run_id: int | None, replace: bool, ref: str
    ) -> None: ...
    def create_score_set(
        self,
        *,
        version_id: int,
        ref: str,
        run_id: int | None,
        mode: str,
        key: str | None,
        n_rows: int,
        n_flagged: int,
        artifact_sha256: str,
        input_fingerprint: dict[str, Any] | None,
        output_stats: dict[str, Any],
        actor: str,
        replace: bool = False,
        drift_sha256: str | None = None,
    ) -> int: ...
    def last_production_input(self, version_id: int) -> tuple[dict[str, Any], Dataset] | None: ...
    def score_sets(
        self,
        version_ids: list[int] | None = None,
        run_id: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]: ...
    def score_set(self, score_set_id: int) -> dict[str, Any]: ...
    def add_actuals(
        self,
        ref: Ref,
        key: str,
        target: str,
        n_rows: int,
        artifact_sha256: str,
        actor: str,
        matched: int | None = None,
    ) -> tuple[int, str]: ...
    def actuals(self, ref: Ref) -> list[dict[str, Any]]: ...
    def model_version_ids(self, ref: Ref) -> list[int]: ...


class ScoringStore(Protocol):
    """What scoring must satisfy: score contracts, and scoring tests with their results."""

    def contract(self, version_id: int) -> dict[str, Any] | None: ...
    def put_contract(
        self, version_id: int, ref: str, contract: dict[str, Any], actor: str
    ) -> None: ...
    def create_test(
        self,
        ref: Ref,
        whole_model: bool,
        name: str,
        key: str | None,
        inputs_sha256: str,
        expected_sha256: str,
        tolerance: float,
        actor: str,
    ) -> dict[str, Any]: ...
    def tests_for(self, version_id: int) -> list[dict[str, Any]]: ...
    def record_result(
        self, test: dict[str, Any], version_id: int, ref: str, result: dict[str, Any], actor: str
    ) -> dict[str, Any]: ...
    def results(self, version_id: int, limit: int = 20) -> list[dict[str, Any]]: ...


class JobStore(Protocol):
    """Jobs and the runs people see: define, list, pause; queue, list and cancel runs."""

    def create_job(self, fields: dict[str, Any], actor: str) -> Job: ...
    def jobs(self) -> list[tuple[Job, datetime, str | None]]: ...
    def schedulers(self, limit: int = 20) -> list[dict[str, Any]]: ...
    def job(self, name: str) -> tuple[Job, datetime]: ...
    def set_paused(self, name: str, paused: bool, actor: str) -> Job: ...
    def queue_run(
        self,
        name: str,
        actor: str,
        trigger: str = "manual",
        parameters: dict[str, Any] | None = None,
    ) -> Run: ...
    def replace_job(self, name: str, fields: dict[str, Any], actor: str) -> Job: ...
    def update_job(self, name: str, merge: Callable[[Job], dict[str, Any]], actor: str) -> Job: ...
    def delete_job(self, name: str, actor: str) -> Job: ...
    def runs(self, job: str | None, status: str | None, limit: int | None) -> list[Run]: ...
    def run(self, run_id: int) -> Run: ...
    def cancel_run(self, run_id: int, actor: str) -> Run: ...


class RunStore(Protocol):
    """A run's life in the scheduler: claim, start, heartbeat, finish, retention."""

    def scheduled_jobs(self) -> list[tuple[Job, datetime]]: ...
    def scheduler_seen(
        self, owner: str, host: str, pid: int, executor: str, poll_s: float
    ) -> None: ...
    def scheduler_stopped(self, owner: str) -> None: ...
    def claim(
        self,
        job_id: int,
        decide: Callable[[Job, datetime], Plan | None],
        actor: str,
        now: datetime,
    ) -> int | None: ...
    def queued_runs(self, limit: int) -> list[int]: ...
    def start_run(self, run_id: int, owner: str, executor: str, actor: str) -> Started | None: ...
    def heartbeat(self, run_id: int, attempt: int) -> tuple[bool, bool]: ...
    def heartbeats(self, attempts: list[tuple[int, int]]) -> None: ...
    def stale_runs(
        self, cutoff: datetime
    ) -> list[tuple[int, int, str | None, datetime | None]]: ...
    def attempt_job(self, run_id: int, attempt: int) -> Job | None: ...
    def record_start(
        self,
        run_id: int,
        attempt: int,
        parameters: dict[str, Any],
        resolved_refs: dict[str, Any],
        host: str,
        pid: int,
    ) -> bool: ...
    def finish_attempt(
        self,
        run_id: int,
        attempt: int,
        outcome: Outcome,
        actor: str,
        backoff: Callable[[float, int], float],
    ) -> tuple[str, int] | None: ...
    def release_outputs(self, job_id: int) -> tuple[list[tuple[int, str]], list[int]] | None: ...


class IdentityStore(Protocol):
    """Users of `mmds server` and their API tokens (kept as the sha256 of the secret)."""

    def add_user(self, name: str, actor: str) -> User: ...
    def users(self) -> list[User]: ...
    def set_disabled(self, name: str, disabled: bool, actor: str) -> User: ...
    def is_disabled(self, name: str) -> bool: ...
    def add_token(
        self,
        user: str,
        name: str | None,
        token_hash: str,
        expires_at: datetime | None,
        actor: str,
        projects: tuple[str, ...] | None = None,
    ) -> Token: ...
    def tokens(self, user: str | None = None) -> list[Token]: ...
    def revoke_token(self, token_id: int, actor: str) -> Token: ...
    def delete_tokens(self, token_ids: list[int], actor: str) -> int: ...
    def user_for_token(self, token_hash: str, now: datetime) -> str | None: ...
    def token_identity(
        self, token_hash: str, now: datetime
    ) -> tuple[str, tuple[str, ...] | None] | None: ...
    # Roles granted per project (project None: server-wide) and group members (migration 0009).
    def add_grant(
        self, role: str, project: str | None, kind: str, principal: str, actor: str
    ) -> Grant: ...
    def remove_grant(
        self, role: str, project: str | None, kind: str, principal: str, actor: str
    ) -> Grant: ...
    def grants(self, project: str | None = None) -> list[Grant]: ...
    def standing(
        self, user: str, groups: frozenset[str]
    ) -> tuple[frozenset[str], list[tuple[str, str | None]]]: ...
    def add_member(self, group: str, user: str, actor: str) -> None: ...
    def remove_member(self, group: str, user: str, actor: str) -> None: ...
    def members(self) -> list[tuple[str, str]]: ...
    def project_exists(self, project: str) -> bool: ...


class ConsumerStore(Protocol):
    """Consumers of models: by hand, and what production scoring recorded."""

    def add(
        self, ref: Ref, application: str, owner: str | None, purpose: str | None, actor: str
    ) -> dict[str, Any]: ...
    def end(self, consumer_id: int, actor: str, reason: str | None) -> dict[str, Any]: ...
    def consumers(self, ref: Ref | None, include_ended: bool) -> list[dict[str, Any]]: ...
    def of_version(self, version_id: int) -> list[dict[str, Any]]: ...
    def record_use(
        self, version_id: int, ref: Ref, application: str, n_rows: int, actor: str
    ) -> None: ...


class MonitorStore(Protocol):
    """Performance definitions per model and the alerts they raised (each change an event)."""

    def set_definition(self, ref: Ref, definition: dict[str, Any], actor: str) -> str: ...

    def definition(self, ref: Ref) -> tuple[str, dict[str, Any] | None]: ...

    def record_findings(
        self, ref: Ref, version_id: int, findings: list[dict[str, Any]], actor: str
    ) -> list[dict[str, Any]]: ...

    def alerts(self, ref: Ref | None, status: str | None) -> list[dict[str, Any]]: ...

    def alert_model(self, alert_id: int) -> str: ...

    def change(self, alert_id: int, to: str, actor: str, note: str | None) -> dict[str, Any]: ...


class RetrainStore(Protocol):
    """Retrain definitions per model, each with the job that runs its notebook."""

    def set_definition(
        self, ref: Ref, definition: dict[str, Any], job_name: str, actor: str
    ) -> str: ...

    def definition(self, ref: Ref) -> tuple[str, dict[str, Any] | None, str | None]: ...

    def definitions(self) -> list[tuple[str, dict[str, Any], str]]: ...


@dataclass(frozen=True)
class Stores:
    """One store per aggregate: what a registry is built on (composed, not inherited)."""

    versions: VersionStore
    lineage: LineageStore
    search: SearchStore
    audit: AuditStore
    score_sets: ScoreSetStore
    scoring: ScoringStore
    jobs: JobStore
    runs: RunStore
    identities: IdentityStore
    consumers: ConsumerStore
    monitors: MonitorStore
    retrains: RetrainStore
