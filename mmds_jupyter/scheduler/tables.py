"""SQLAlchemy tables of the scheduler: jobs and their runs (schema owned by migration 0003)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..store.events import utc
from ..store.tables import Base
from .entities import Job, Run


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Absolute path with symlinks resolved at creation; the runner refuses it if that changes.
    notebook: Mapped[str] = mapped_column(String(2000))
    # A cron expression (5 fields, or 6 with seconds last) or "every 5s"; NULL runs only on demand.
    schedule: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=1)
    timeout_s: Mapped[float | None] = mapped_column(Float)
    max_retries: Mapped[int] = mapped_column(Integer, default=0)
    retry_delay_s: Mapped[float] = mapped_column(Float, default=60.0)
    catchup: Mapped[str] = mapped_column(String(20), default="once")
    keep_outputs: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    # Occurrences at or before this instant have been claimed or deliberately skipped.
    scheduled_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (
        # The claim: whichever scheduler inserts this row first owns the occurrence.
        UniqueConstraint("job_id", "scheduled_for", name="uq_runs_job_occurrence"),
        Index("ix_runs_status_not_before", "status", "not_before"),
        Index("ix_runs_job_created", "job_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    trigger: Mapped[str] = mapped_column(String(20))
    # Missed occurrences that this run stands for (catch-up after downtime), 0 normally.
    covers_missed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str | None] = mapped_column(String(200))
    executor: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # What was injected into the notebook (model references pinned to a version).
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # {"model_ref": {"requested": "risk/churn@champion", "resolved": "risk/churn:4"}}
    resolved_refs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    output_path: Mapped[str | None] = mapped_column(String(2000))
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Errors of earlier attempts of this run, oldest first.
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)


def job_entity(row: JobRow, **extra: Any) -> Job:
    """A job row as a plain :class:`Job`."""
    return Job(
        id=row.id,
        name=row.name,
        notebook=row.notebook,
        schedule=row.schedule,
        timezone=row.timezone,
        parameters=dict(row.parameters or {}),
        max_concurrent=row.max_concurrent,
        timeout_s=row.timeout_s,
        max_retries=row.max_retries,
        retry_delay_s=row.retry_delay_s,
        catchup=row.catchup,
        keep_outputs=row.keep_outputs,
        paused=row.paused,
        created_at=utc(row.created_at),
        created_by=row.created_by,
        description=row.description,
        **extra,
    )


def _opt(dt: datetime | None) -> datetime | None:
    return utc(dt) if dt is not None else None


def run_entity(row: RunRow, job_name: str) -> Run:
    """A run row as a plain :class:`Run`."""
    return Run(
        id=row.id,
        job=job_name,
        scheduled_for=utc(row.scheduled_for),
        trigger=row.trigger,
        status=row.status,
        attempt=row.attempt,
        created_at=utc(row.created_at),
        started_at=_opt(row.started_at),
        finished_at=_opt(row.finished_at),
        heartbeat_at=_opt(row.heartbeat_at),
        not_before=_opt(row.not_before),
        covers_missed=row.covers_missed,
        owner=row.owner,
        executor=row.executor,
        host=row.host,
        pid=row.pid,
        cancel_requested=row.cancel_requested,
        parameters=row.parameters,
        resolved_refs=row.resolved_refs,
        output_path=row.output_path,
        error=row.error,
        history=list(row.history or []),
    )
