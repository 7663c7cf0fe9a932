"""The database side of dispatching: claim due occurrences, start queued runs, reap orphans."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Executable, func, select, update
from sqlalchemy.orm import Session

from ..store.db import Database
from ..store.events import append_event, utc
from .outcomes import Outcome, finish_attempt, iso, now_utc
from .tables import JobRow, RunRow
from .timing import Schedule, parse_zone, plan


@dataclass(frozen=True)
class Started:
    """A run this scheduler moved from queued to running."""

    run_id: int
    attempt: int
    job_id: int
    timeout_s: float | None


def rowcount(s: Session, statement: Executable) -> int:
    """How many rows an UPDATE changed (the test that a conditional transition happened)."""
    return cast(CursorResult[Any], s.execute(statement)).rowcount


def schedule_of(job: JobRow) -> Schedule | None:
    """The job's schedule, or None for an on-demand job."""
    if not job.schedule:
        return None
    return Schedule(job.schedule, parse_zone(job.timezone), utc(job.created_at))


def new_run(job_id: int, when: datetime, trigger: str, now: datetime, missed: int = 0) -> RunRow:
    """A queued run row for one occurrence."""
    return RunRow(
        job_id=job_id,
        scheduled_for=when,
        trigger=trigger,
        covers_missed=missed,
        status="queued",
        attempt=1,
        not_before=now,
        created_at=now,
        cancel_requested=False,
        history=[],
    )


def claim_due(db: Database, grace_s: float, actor: str, now: datetime | None = None) -> list[int]:
    """Insert a run for each job with a due occurrence; returns the new run ids.

    Each job is claimed in its own transaction that locks the job row, re-reads how far it has
    been scheduled, inserts the run and moves the mark on. The UNIQUE (job_id, scheduled_for)
    key makes a second insert of the same occurrence fail even if the lock were bypassed.
    """
    now = now or now_utc()
    with db.session() as s:
        jobs = (
            s.execute(select(JobRow).where(JobRow.paused.is_(False), JobRow.schedule.is_not(None)))
            .scalars()
            .all()
        )
        # A lock-free first look, so that a tick with nothing due takes no write lock.
        due = [j.id for j in jobs if _has_due(j, now)]
    claimed = []
    for job_id in due:
        run_id = _claim_job(db, job_id, grace_s, actor, now)
        if run_id is not None:
            claimed.append(run_id)
    return claimed


def _has_due(job: JobRow, now: datetime) -> bool:
    schedule = schedule_of(job)
    latest = schedule.latest_at_or_before(now) if schedule else None
    return latest is not None and latest > utc(job.scheduled_until)


def _claim_job(db: Database, job_id: int, grace_s: float, actor: str, now: datetime) -> int | None:
    with db.session(write=True) as s:
        job = s.execute(select(JobRow).where(JobRow.id == job_id).with_for_update()).scalar_one()
        schedule = schedule_of(job)
        if job.paused or schedule is None:
            return None
        decided = plan(schedule, utc(job.scheduled_until), now, grace_s, job.catchup)
        if decided.until <= utc(job.scheduled_until):
            return None
        job.scheduled_until = decided.until
        if decided.missed:
            append_event(
                s,
                actor,
                "job.missed",
                "job",
                f"job:{job.name}",
                None,
                {"missed": decided.missed, "catchup": job.catchup, "until": iso(decided.until)},
            )
        if decided.occurrence is None:
            return None
        run = new_run(job.id, decided.occurrence, "schedule", now, decided.missed)
        s.add(run)
        s.flush()
        return run.id


def queued_runs(db: Database, limit: int) -> list[int]:
    """Ids of queued runs whose time has come, oldest first."""
    with db.session() as s:
        return list(
            s.execute(
                select(RunRow.id)
                .where(RunRow.status == "queued", RunRow.not_before <= now_utc())
                .order_by(RunRow.not_before, RunRow.id)
                .limit(limit)
            ).scalars()
        )


def start_run(db: Database, run_id: int, owner: str, executor: str, actor: str) -> Started | None:
    """Move one queued run to running for ``owner``, unless its job is at its concurrency limit."""
    with db.session(write=True) as s:
        run = s.get(RunRow, run_id)
        if run is None or run.status != "queued":
            return None
        # The job row lock serialises "count running, then start one" across schedulers.
        job = s.execute(
            select(JobRow).where(JobRow.id == run.job_id).with_for_update()
        ).scalar_one()
        running = s.execute(
            select(func.count()).where(RunRow.job_id == job.id, RunRow.status == "running")
        ).scalar_one()
        if running >= job.max_concurrent:
            return None
        now = now_utc()
        moved = rowcount(
            s,
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.status == "queued")
            .values(
                status="running",
                owner=owner,
                executor=executor,
                started_at=now,
                heartbeat_at=now,
                cancel_requested=False,
            ),
        )
        if moved != 1:
            return None
        append_event(
            s,
            actor,
            "run.started",
            "run",
            f"run:{run_id}",
            {"status": "queued"},
            {"job": job.name, "attempt": run.attempt, "owner": owner, "executor": executor},
        )
        return Started(run_id, run.attempt, job.id, job.timeout_s)


def heartbeat(db: Database, run_id: int, attempt: int) -> tuple[bool, bool]:
    """Refresh a running attempt's heartbeat; returns (still ours, cancel requested)."""
    with db.session(write=True) as s:
        alive = rowcount(
            s,
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.attempt == attempt, RunRow.status == "running")
            .values(heartbeat_at=now_utc()),
        )
        if alive != 1:
            return False, False
        cancel = s.execute(select(RunRow.cancel_requested).where(RunRow.id == run_id)).scalar()
        return True, bool(cancel)


def reap_orphans(
    db: Database, lease_s: float, actor: str, *, home: str | os.PathLike[str]
) -> list[int]:
    """Fail (or retry, per the job) running runs whose heartbeat is older than the lease."""
    cutoff = now_utc() - timedelta(seconds=lease_s)
    with db.session() as s:
        stale = s.execute(
            select(RunRow.id, RunRow.attempt, RunRow.owner, RunRow.heartbeat_at).where(
                RunRow.status == "running", RunRow.heartbeat_at < cutoff
            )
        ).all()
    reaped = []
    for run_id, attempt, owner, beat in stale:
        error = {
            "ename": "SchedulerLost",
            "evalue": f"No heartbeat since {iso(beat) if beat else 'the start'} from {owner}: "
            f"its scheduler or machine stopped while the run was executing (lease {lease_s:g}s).",
        }
        outcome = Outcome("failed", error)
        if finish_attempt(db, run_id, attempt, outcome, actor, home=home) is not None:
            reaped.append(run_id)
    return reaped
