"""Plain dataclasses of jobs and runs; the tables convert their rows into these."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

RUN_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED = ("succeeded", "failed", "cancelled")
CATCHUP = ("once", "skip")


@dataclass
class Job:
    """A parameterised notebook run on a schedule (or on demand)."""

    id: int
    name: str
    notebook: str
    schedule: str | None
    timezone: str
    parameters: dict[str, Any]
    max_concurrent: int
    timeout_s: float | None
    max_retries: int
    retry_delay_s: float
    catchup: str
    keep_outputs: int | None
    paused: bool
    created_at: datetime
    created_by: str
    description: str | None = None
    # The Spark master its notebook runs against (MASTER in the kernel's environment).
    spark_master: str | None = None
    next_run_at: datetime | None = None
    last_status: str | None = None
    # Whether the user asking may run, pause and resume it and cancel its runs: always on a
    # laptop; on `mmds server` their roles decide (auth/guard.GuardedScheduler). Not stored.
    may_change: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Run:
    """One execution of a job: its claim, status, parameters, output notebook and error."""

    id: int
    job: str
    scheduled_for: datetime
    trigger: str
    status: str
    attempt: int
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    not_before: datetime | None = None
    covers_missed: int = 0
    owner: str | None = None
    executor: str | None = None
    host: str | None = None
    pid: int | None = None
    cancel_requested: bool = False
    parameters: dict[str, Any] | None = None
    resolved_refs: dict[str, Any] | None = None
    output_path: str | None = None
    error: dict[str, Any] | None = None
    history: list[Any] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["duration_s"] = self.duration_s
        return data


@dataclass(frozen=True)
class Started:
    """A run a scheduler moved from queued to running."""

    run_id: int
    attempt: int
    job_id: int
    timeout_s: float | None


@dataclass
class Outcome:
    """How an attempt ended, as the runner, the dispatcher or the reaper saw it."""

    status: str  # "succeeded", "failed" or "cancelled"
    error: dict[str, Any] | None = None
    output_path: str | None = None
    retry: bool = True
