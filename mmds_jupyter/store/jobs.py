"""Jobs and the runs people see: define, list, pause and resume jobs; queue, list and cancel runs.

The scheduler checks a job's definition and decides when it is due; this store keeps the rows
and writes each change with its audit event in one transaction. A run's life once claimed
(start, heartbeat, finish, retention) is in runs.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..scheduler.entities import FINISHED, Job, Run
from ..scheduler.errors import JobBusy, JobExists, JobNotFound, RunNotFound, RunStateError
from .db import Database
from .events import append_event, utc
from .rows import utc_now
from .scheduler_tables import SchedulerRow
from .tables import JobRow, RunRow

# A scheduler that has not checked in for this many poll intervals (and at least
# SCHEDULER_GRACE_S) counts as gone: killed, or its machine down.
SCHEDULER_MISSED_POLLS = 3
SCHEDULER_GRACE_S = 15.0


def iso(dt: datetime) -> str:
    """A stored time as ISO text for event payloads (JSON)."""
    return utc(dt).isoformat()


def _opt(dt: datetime | None) -> datetime | None:
    return utc(dt) if dt is not None else None


def job_entity(row: JobRow) -> Job:
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
        spark_master=row.spark_master,
    )


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


def _job_payload(job: Job) -> dict[str, Any]:
    data = job.to_dict()
    data["created_at"] = job.created_at.isoformat()
    data.pop("next_run_at", None)
    data.pop("last_status", None)
    return data


def _job_row(s: Session, name: str, lock: bool = False) -> JobRow:
    """The job named ``name``; a deleted job is not found (its row only names its past runs)."""
    q = select(JobRow).where(JobRow.name == name, JobRow.deleted_at.is_(None))
    row = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
    if row is None:
        names = select(JobRow.name).where(JobRow.deleted_at.is_(None)).order_by(JobRow.name)
        known = ", ".join(s.execute(names).scalars())
        raise JobNotFound(
            f"There is no job named {name!r} (jobs: {known or 'none yet'}). "
            "`mmds jobs list` shows them."
        )
    return row


def _create(s: Session, deleted: JobRow | None, fields: dict[str, Any], actor: str) -> Job:
    """A new job row, or a deleted job of that name revived with ``fields`` (its past runs
    keep their one job), and its ``job.create`` event."""
    if deleted is None:
        row = JobRow(**fields)
        s.add(row)
    else:
        row = deleted
        for key, value in fields.items():
            setattr(row, key, value)
        row.deleted_at = None
    s.flush()
    job = job_entity(row)
    append_event(s, actor, "job.create", "job", f"job:{job.name}", None, _job_payload(job))
    return job


def _change(s: Session, row: JobRow, fields: dict[str, Any], actor: str) -> Job:
    """The job ``row`` given the checked ``fields`` (its name, creation and schedule mark
    stay), and its ``job.update`` event."""
    before = _job_payload(job_entity(row))
    for key, value in fields.items():
        if key not in ("name", "created_at", "created_by", "scheduled_until"):
            setattr(row, key, value)
    s.flush()
    job = job_entity(row)
    append_event(s, actor, "job.update", "job", f"job:{row.name}", before, _job_payload(job))
    return job


class SqlJobStore:
    """Jobs and runs in SQL; every method is one transaction, every change writes an event."""

    def __init__(self, db: Database):
        self.db = db

    def create_job(self, fields: dict[str, Any], actor: str) -> Job:
        """Store a checked job definition (``fields`` are its columns) and its event."""
        with self.db.session(write=True) as s:
            row = s.execute(select(JobRow).where(JobRow.name == fields["name"])).scalar()
            if row is not None and row.deleted_at is None:
                raise JobExists(
                    f"A job named {row.name!r} already exists. Choose another name, or change "
                    "the existing job with pause/resume."
                )
            return _create(s, row, fields, actor)

    def schedulers(self, limit: int = 20) -> list[dict[str, Any]]:
        """The scheduler processes seen, newest check-in first, each with whether it is alive."""
        now = utc_now()
        with self.db.session() as s:
            rows = (
                s.execute(select(SchedulerRow).order_by(SchedulerRow.seen_at.desc()).limit(limit))
                .scalars()
                .all()
            )
            out = []
            for r in rows:
                quiet = (now - utc(r.seen_at)).total_seconds()
                patience = max(SCHEDULER_MISSED_POLLS * r.poll_interval, SCHEDULER_GRACE_S)
                out.append(
                    {
                        "owner": r.owner,
                        "host": r.host,
                        "pid": r.pid,
                        "executor": r.executor,
                        "poll_interval": r.poll_interval,
                        "started_at": utc(r.started_at),
                        "seen_at": utc(r.seen_at),
                        "stopped_at": _opt(r.stopped_at),
                        "alive": r.stopped_at is None and quiet <= patience,
                    }
                )
            return out

    def jobs(self) -> list[tuple[Job, datetime, str | None]]:
        """Every job by name, with how far it has been scheduled and its last run's status."""
        with self.db.session() as s:
            q = select(JobRow).where(JobRow.deleted_at.is_(None)).order_by(JobRow.name)
            rows = s.execute(q).scalars().all()
            last = dict(
                s.execute(
                    select(RunRow.job_id, RunRow.status).where(
                        RunRow.id.in_(select(func.max(RunRow.id)).group_by(RunRow.job_id))
                    )
                ).all()
            )
            return [(job_entity(r), utc(r.scheduled_until), last.get(r.id)) for r in rows]

    def job(self, name: str) -> tuple[Job, datetime]:
        """One job by name, with how far it has been scheduled."""
        with self.db.session() as s:
            row = _job_row(s, name)
            return job_entity(row), utc(row.scheduled_until)

    def set_paused(self, name: str, paused: bool, actor: str) -> Job:
        """Pause a job, or resume it from now on (occurrences during the pause are skipped)."""
        with self.db.session(write=True) as s:
            row = _job_row(s, name, lock=True)
            before = row.paused
            row.paused = paused
            if before and not paused:
                row.scheduled_until = utc_now()
            action = "job.pause" if paused else "job.resume"
            append_event(
                s, actor, action, "job", f"job:{name}", {"paused": before}, {"paused": paused}
            )
            return job_entity(row)

    def queue_run(
        self,
        name: str,
        actor: str,
        trigger: str = "manual",
        parameters: dict[str, Any] | None = None,
    ) -> Run:
        """Queue a run of the job at once, whatever its schedule or pause; ``parameters``
        override the job's for this run only."""
        with self.db.session(write=True) as s:
            row = _job_row(s, name)
            now = utc_now()
            run = new_run(row.id, now, trigger, now)
            run.given_parameters = parameters
            s.add(run)
            s.flush()
            after = {"run": run.id, "scheduled_for": iso(now), "trigger": trigger}
            if parameters:
                after["parameters"] = parameters
            append_event(s, actor, "job.run", "job", f"job:{name}", None, after)
            return run_entity(run, name)

    def replace_job(self, name: str, fields: dict[str, Any], actor: str) -> Job:
        """Change a job's checked definition (``fields`` are its columns) or create it; runs
        already queued keep running with what they were given."""
        with self.db.session(write=True) as s:
            row = s.execute(select(JobRow).where(JobRow.name == name)).scalar_one_or_none()
            if row is None or row.deleted_at is not None:
                return _create(s, row, {**fields, "name": name}, actor)
            return _change(s, row, fields, actor)

    def update_job(self, name: str, merge: Callable[[Job], dict[str, Any]], actor: str) -> Job:
        """Change the existing job ``name`` to ``merge(stored job)``, its checked columns.

        The row stays locked from the read to the write (SQLite: the write transaction holds
        the database), so two changes at once both land and a job deleted meanwhile is not
        found rather than brought back.
        """
        with self.db.session(write=True) as s:
            row = _job_row(s, name, lock=True)
            return _change(s, row, merge(job_entity(row)), actor)

    def delete_job(self, name: str, actor: str) -> Job:
        """Delete a job that has no run queued or running; its past runs, their outputs and
        events stay, under its name."""
        with self.db.session(write=True) as s:
            row = _job_row(s, name, lock=True)
            busy = s.execute(
                select(RunRow.id, RunRow.status)
                .where(RunRow.job_id == row.id, RunRow.status.in_(("queued", "running")))
                .order_by(RunRow.id)
            ).first()
            if busy is not None:
                raise JobBusy(
                    f"The job {name!r} has run {busy.id} {busy.status}; cancel it first "
                    f"(`mmds runs cancel {busy.id}`), then delete the job."
                )
            job = job_entity(row)
            row.deleted_at = utc_now()
            row.paused = True  # a scheduler that listed the job before this commit skips it
            append_event(s, actor, "job.delete", "job", f"job:{name}", _job_payload(job), None)
            return job

    def runs(self, job: str | None, status: str | None, limit: int | None) -> list[Run]:
        """Runs, newest first, optionally of one job and/or in one status."""
        with self.db.session() as s:
            q = select(RunRow, JobRow.name).join(JobRow, RunRow.job_id == JobRow.id)
            if job is not None:
                q = q.where(RunRow.job_id == _job_row(s, job).id)
            if status is not None:
                q = q.where(RunRow.status == status)
            q = q.order_by(RunRow.id.desc())
            if limit is not None:
                q = q.limit(limit)
            return [run_entity(r, n) for r, n in s.execute(q).all()]

    def run(self, run_id: int) -> Run:
        """One run by id."""
        with self.db.session() as s:
            row = s.execute(
                select(RunRow, JobRow.name)
                .join(JobRow, RunRow.job_id == JobRow.id)
                .where(RunRow.id == run_id)
            ).first()
            if row is None:
                raise RunNotFound(f"There is no run {run_id}; `mmds runs list` shows the runs.")
            return run_entity(row[0], row[1])

    def cancel_run(self, run_id: int, actor: str) -> Run:
        """Cancel a queued run at once, or ask the scheduler running it to stop its kernel."""
        with self.db.session(write=True) as s:
            run = s.execute(select(RunRow).where(RunRow.id == run_id).with_for_update()).scalar()
            if run is None:
                raise RunNotFound(f"There is no run {run_id}; `mmds runs list` shows the runs.")
            job = s.get(JobRow, run.job_id)
            assert job is not None
            if run.status in FINISHED:
                raise RunStateError(
                    f"Run {run_id} is already {run.status}; only queued or running runs can be "
                    "cancelled."
                )
            before = {"status": run.status}
            if run.status == "queued":
                run.status = "cancelled"
                run.finished_at = utc_now()
                action = "run.cancelled"
            else:
                run.cancel_requested = True
                action = "run.cancel_requested"
            append_event(
                s,
                actor,
                action,
                "run",
                f"run:{run_id}",
                before,
                {"job": job.name, "status": run.status},
            )
            return run_entity(run, job.name)
