"""A run's life in the scheduler, as database transitions: claim, start, heartbeat, finish, prune.

Each transition is one transaction whose UPDATE only applies from the state it expects, so two
schedulers (or a runner that lost its lease) cannot both make it. When a job is due and how long
a retry waits are the scheduler's to decide; they come in as functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, Executable, func, select, update
from sqlalchemy.orm import Session

from ..scheduler.entities import FINISHED, Job, Outcome, Started
from .db import Database
from .events import append_event, utc
from .jobs import iso, job_entity, new_run
from .rows import utc_now
from .scheduler_tables import SchedulerRow
from .tables import JobRow, RunRow

if TYPE_CHECKING:
    from ..scheduler.timing import Plan


def _rowcount(s: Session, statement: Executable) -> int:
    """How many rows an UPDATE changed (the test that a conditional transition happened)."""
    return cast(CursorResult[Any], s.execute(statement)).rowcount


def _is_current(run: RunRow | None, attempt: int) -> bool:
    return run is not None and run.status == "running" and run.attempt == attempt


class SqlRunStore:
    """Run transitions in SQL; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    # -- the scheduler's own check-in ------------------------------------------------------------

    def scheduler_seen(self, owner: str, host: str, pid: int, executor: str, poll_s: float) -> None:
        """Record that the scheduler ``owner`` is alive now (one row per scheduler process)."""
        now = utc_now()
        with self.db.session() as s, s.begin():
            row = s.get(SchedulerRow, owner)
            if row is None:
                s.add(
                    SchedulerRow(
                        owner=owner,
                        host=host,
                        pid=pid,
                        executor=executor,
                        poll_interval=poll_s,
                        started_at=now,
                        seen_at=now,
                    )
                )
            else:
                row.seen_at, row.stopped_at = now, None

    def scheduler_stopped(self, owner: str) -> None:
        """Record that the scheduler ``owner`` stopped on purpose."""
        with self.db.session() as s, s.begin():
            s.execute(
                update(SchedulerRow).where(SchedulerRow.owner == owner).values(stopped_at=utc_now())
            )

    # -- claims --------------------------------------------------------------------------------

    def scheduled_jobs(self) -> list[tuple[Job, datetime]]:
        """Jobs that run on a schedule and are not paused, with how far each has been scheduled
        (a lock-free look, so that a tick with nothing due takes no write lock)."""
        with self.db.session() as s:
            rows = s.execute(
                select(JobRow).where(
                    JobRow.paused.is_(False),
                    JobRow.schedule.is_not(None),
                    JobRow.deleted_at.is_(None),
                )
            ).scalars()
            return [(job_entity(r), utc(r.scheduled_until)) for r in rows]

    def claim(
        self,
        job_id: int,
        decide: Callable[[Job, datetime], Plan | None],
        actor: str,
        now: datetime,
    ) -> int | None:
        """Queue the job's due occurrence, as ``decide(job, scheduled until)`` plans it; returns
        the new run's id.

        The job row stays locked while its mark is re-read, the run inserted and the mark moved
        on; the UNIQUE (job_id, scheduled_for) key refuses a second insert of one occurrence even
        if the lock were bypassed.
        """
        with self.db.session(write=True) as s:
            row = s.execute(
                select(JobRow).where(JobRow.id == job_id).with_for_update()
            ).scalar_one()
            if row.deleted_at is not None:  # deleted since scheduled_jobs listed it
                return None
            mark = utc(row.scheduled_until)
            decided = decide(job_entity(row), mark)
            if decided is None or decided.until <= mark:
                return None
            row.scheduled_until = decided.until
            if decided.missed:
                append_event(
                    s,
                    actor,
                    "job.missed",
                    "job",
                    f"job:{row.name}",
                    None,
                    {"missed": decided.missed, "catchup": row.catchup, "until": iso(decided.until)},
                )
            if decided.occurrence is None:
                return None
            run = new_run(row.id, decided.occurrence, "schedule", now, decided.missed)
            s.add(run)
            s.flush()
            return run.id

    def queued_runs(self, limit: int) -> list[int]:
        """Ids of queued runs whose time has come, oldest first."""
        with self.db.session() as s:
            return list(
                s.execute(
                    select(RunRow.id)
                    .where(RunRow.status == "queued", RunRow.not_before <= utc_now())
                    .order_by(RunRow.not_before, RunRow.id)
                    .limit(limit)
                ).scalars()
            )

    def start_run(self, run_id: int, owner: str, executor: str, actor: str) -> Started | None:
        """Move a queued run to running for ``owner``, unless its job is at its concurrency
        limit (or another scheduler got there first)."""
        with self.db.session(write=True) as s:
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
            now = utc_now()
            moved = _rowcount(
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

    # -- while running -------------------------------------------------------------------------

    def heartbeat(self, run_id: int, attempt: int) -> tuple[bool, bool]:
        """Refresh a running attempt's heartbeat; returns (still ours, cancel requested)."""
        with self.db.session(write=True) as s:
            alive = _rowcount(
                s,
                update(RunRow)
                .where(RunRow.id == run_id, RunRow.attempt == attempt, RunRow.status == "running")
                .values(heartbeat_at=utc_now()),
            )
            if alive != 1:
                return False, False
            cancel = s.execute(select(RunRow.cancel_requested).where(RunRow.id == run_id)).scalar()
            return True, bool(cancel)

    def heartbeats(self, attempts: list[tuple[int, int]]) -> None:
        """Refresh the heartbeat of each (run id, attempt) still running, in one transaction."""
        with self.db.session(write=True) as s:
            for run_id, attempt in attempts:
                s.execute(
                    update(RunRow)
                    .where(
                        RunRow.id == run_id,
                        RunRow.attempt == attempt,
                        RunRow.status == "running",
                    )
                    .values(heartbeat_at=utc_now())
                )

    def stale_runs(self, cutoff: datetime) -> list[tuple[int, int, str | None, datetime | None]]:
        """(run id, attempt, owner, last heartbeat) of running runs not heard from since
        ``cutoff``."""
        with self.db.session() as s:
            rows = s.execute(
                select(RunRow.id, RunRow.attempt, RunRow.owner, RunRow.heartbeat_at).where(
                    RunRow.status == "running", RunRow.heartbeat_at < cutoff
                )
            ).all()
        return [(i, a, o, utc(b) if b else None) for i, a, o, b in rows]

    def attempt_job(self, run_id: int, attempt: int) -> Job | None:
        """The job of a run while this attempt is its current one (else None: lease lost)."""
        with self.db.session() as s:
            run = s.get(RunRow, run_id)
            if run is None or not _is_current(run, attempt):
                return None
            row = s.get(JobRow, run.job_id)
            assert row is not None
            job = job_entity(row)
            if run.given_parameters:  # given when queued (a retraining's alert): they win
                job.parameters = {**job.parameters, **run.given_parameters}
            return job

    def record_start(
        self,
        run_id: int,
        attempt: int,
        parameters: dict[str, Any],
        resolved_refs: dict[str, Any],
        host: str,
        pid: int,
    ) -> bool:
        """Record what the attempt injects and where it runs; False when it is no longer the
        run's current attempt."""
        with self.db.session(write=True) as s:
            run = s.get(RunRow, run_id)
            if run is None or not _is_current(run, attempt):
                return False
            run.parameters, run.resolved_refs = parameters, resolved_refs
            run.host, run.pid = host, pid
            return True

    # -- the end -------------------------------------------------------------------------------

    def finish_attempt(
        self,
        run_id: int,
        attempt: int,
        outcome: Outcome,
        actor: str,
        backoff: Callable[[float, int], float],
    ) -> tuple[str, int] | None:
        """Record how an attempt ended; returns the run's new status and its job's id, or None
        when the attempt is no longer the run's current one.

        A failure the job may retry queues the run again after ``backoff(retry delay,
        attempt)`` seconds. The update only applies while the run is still ``running`` at this
        attempt, so a runner that lost its lease cannot overwrite the newer result.
        """
        with self.db.session(write=True) as s:
            run = s.execute(
                select(RunRow)
                .where(RunRow.id == run_id, RunRow.attempt == attempt, RunRow.status == "running")
                .with_for_update()
            ).scalar_one_or_none()
            if run is None:
                return None
            job = s.get(JobRow, run.job_id)
            assert job is not None
            now = utc_now()
            base = {"job": job.name, "attempt": attempt, "scheduled_for": iso(run.scheduled_for)}
            if outcome.output_path:
                run.output_path = outcome.output_path
            if outcome.status == "failed" and outcome.retry and attempt <= job.max_retries:
                delay = backoff(job.retry_delay_s, attempt)
                past = {**(outcome.error or {}), "attempt": attempt, "ended_at": now.isoformat()}
                run.history = [*(run.history or []), past]
                run.status = "queued"
                run.attempt = attempt + 1
                run.not_before = now + timedelta(seconds=delay)
                run.error = outcome.error
                run.owner = run.pid = run.heartbeat_at = None
                action, after = "run.retrying", {**base, "error": outcome.error, "delay_s": delay}
            else:
                run.status = outcome.status
                run.finished_at = now
                run.error = outcome.error
                action = f"run.{outcome.status}"
                after = {**base, "error": outcome.error, "output": run.output_path}
            append_event(s, actor, action, "run", f"run:{run.id}", {"status": "running"}, after)
            return run.status, job.id

    def release_outputs(self, job_id: int) -> tuple[list[tuple[int, str]], list[int]] | None:
        """Forget the output notebooks of the job's finished runs beyond its ``keep_outputs``
        newest; None when the job keeps them all.

        Returns (run id, notebook path) of each run that lost its notebook, and the ids of the
        finished runs beyond the newest ``keep_outputs`` that now have none (whose logs may go
        too). The caller deletes the files after this commits: a crash in between leaves a
        stray file, never a run that points at a deleted one.
        """
        with self.db.session(write=True) as s:
            keep = s.execute(select(JobRow.keep_outputs).where(JobRow.id == job_id)).scalar()
            if keep is None:
                return None
            old = (
                s.execute(
                    select(RunRow)
                    .where(
                        RunRow.job_id == job_id,
                        RunRow.status.in_(FINISHED),
                        RunRow.output_path.is_not(None),
                    )
                    .order_by(RunRow.id.desc())
                    .offset(keep)
                )
                .scalars()
                .all()
            )
            cleared = [(r.id, r.output_path) for r in old if r.output_path]
            for r in old:
                r.output_path = None
            s.flush()
            beyond = select(RunRow.id).where(
                RunRow.job_id == job_id,
                RunRow.status.in_(FINISHED),
                RunRow.output_path.is_(None),
                RunRow.id.in_(
                    select(RunRow.id)
                    .where(RunRow.job_id == job_id, RunRow.status.in_(FINISHED))
                    .order_by(RunRow.id.desc())
                    .offset(keep)
                    .scalar_subquery()
                ),
            )
            return cleared, list(s.execute(beyond).scalars())
