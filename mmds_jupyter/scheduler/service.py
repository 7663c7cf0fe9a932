"""The jobs service: create, list, pause, resume and run jobs; list, show and cancel runs."""

from __future__ import annotations

import builtins
import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..errors import MMDSError
from ..refs import MAX_ID, whole_number
from ..store.events import append_event, utc
from .claims import new_run, schedule_of
from .config import MMDSScheduler
from .entities import FINISHED, Job, Run
from .errors import (
    JobExists,
    JobNotFound,
    JobRefused,
    ParameterRefused,
    RunNotFound,
    RunStateError,
)
from .notebooks import coerce_text, notebook_parameters, resolve_notebook
from .outcomes import iso, now_utc
from .score_sets import score_sets_of_run
from .spec import check_job
from .tables import JobRow, RunRow, job_entity, run_entity
from .timing import normalise, parse_zone

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..registry import Registry

# Deeper values overflow the JSON encoders' recursion (the parameters object is level 1).
MAX_NESTING = 32
# The widths of the job table's text columns.
_LENGTHS = {"name": 200, "notebook": 2000, "schedule": 200}


class Scheduler:
    """Jobs and runs of one registry; every call is one transaction and writes an event."""

    def __init__(self, registry: Registry, config: MMDSScheduler | None = None):
        self.registry = registry
        self.db = registry.db
        self.config = config or MMDSScheduler()

    # -- jobs ----------------------------------------------------------------------------------

    def create(
        self,
        name: str,
        notebook: str,
        *,
        cron: str | None = None,
        every: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        timezone: str = "UTC",
        max_concurrent: int = 1,
        timeout: float | None = None,
        retries: int = 0,
        retry_delay: float = 60.0,
        catchup: str = "once",
        keep_outputs: int | None = None,
        description: str | None = None,
        paused: bool = False,
        parameters_as_text: bool = False,
    ) -> Job:
        """Check a job definition and store it; nothing is stored if any check fails.

        ``parameters_as_text`` types string values (from ``-p key=value``) like the defaults in
        the notebook's parameters cell.
        """
        notebook = os.fspath(notebook)  # a Path is fine from Python
        check_job(
            {
                "name": name,
                "notebook": notebook,
                "cron": cron,
                "every": every,
                "parameters": parameters,
                "timezone": timezone,
                "max_concurrent": max_concurrent,
                "timeout": timeout,
                "retries": retries,
                "retry_delay": retry_delay,
                "catchup": catchup,
                "keep_outputs": keep_outputs,
                "description": description,
                "paused": paused,
            }
        )
        path = resolve_notebook(notebook, self.config.root_dir)
        declared = notebook_parameters(path)
        schedule = normalise(cron, every)
        _check_lengths(name=name, notebook=str(path), schedule=schedule)
        parse_zone(timezone)
        params = self._check_parameters(dict(parameters or {}), declared, path, parameters_as_text)
        now = now_utc()
        row = JobRow(
            name=name,
            notebook=str(path),
            schedule=schedule,
            timezone=timezone,
            parameters=params,
            max_concurrent=max_concurrent,
            timeout_s=timeout,
            max_retries=retries,
            retry_delay_s=retry_delay,
            catchup=catchup,
            keep_outputs=keep_outputs,
            paused=paused,
            scheduled_until=now,
            created_at=now,
            created_by=self.registry.actor,
            description=description,
        )
        with self.db.session(write=True) as s:
            if s.execute(select(JobRow.id).where(JobRow.name == name)).scalar() is not None:
                raise JobExists(
                    f"A job named {name!r} already exists. Choose another name, or change the "
                    "existing job with pause/resume."
                )
            s.add(row)
            s.flush()
            job = job_entity(row)
            append_event(
                s, self.registry.actor, "job.create", "job", f"job:{name}", None, _job_payload(job)
            )
        return self._with_next(job)

    def _check_parameters(
        self, params: dict[str, Any], declared: dict[str, Any], path: Any, as_text: bool
    ) -> dict[str, Any]:
        unknown = sorted(set(params) - set(declared))
        if unknown:
            names = ", ".join(sorted(declared)) or "none"
            raise ParameterRefused(
                f"{path.name} does not declare the parameter(s) {', '.join(unknown)} in its "
                f"'parameters' cell (it declares: {names}). Fix the spelling, or add an "
                "assignment with a default value to that cell."
            )
        if as_text:
            params = {k: coerce_text(str(v), declared[k]) for k, v in params.items()}
        for key in self.config.model_ref_parameters:
            if key not in params:
                continue
            try:
                self.registry.get(str(params[key]))
            except MMDSError as exc:
                raise ParameterRefused(
                    f"The parameter {key}={params[key]!r} does not name a model version in the "
                    f"registry: {exc}"
                ) from None
        if _nesting(params) > MAX_NESTING:
            raise ParameterRefused(
                f"Job parameters may nest lists and dicts at most {MAX_NESTING} levels deep."
            )
        try:
            json.dumps(params)
        except (TypeError, ValueError):
            raise ParameterRefused(
                "Job parameters must be plain values (text, numbers, booleans, lists, dicts) "
                "so they can be stored and passed to the notebook."
            ) from None
        return params

    def list(self) -> list[Job]:
        """Every job, by name, with its next due time and last run status."""
        with self.db.session() as s:
            rows = s.execute(select(JobRow).order_by(JobRow.name)).scalars().all()
            last = dict(
                s.execute(
                    select(RunRow.job_id, RunRow.status).where(
                        RunRow.id.in_(select(func.max(RunRow.id)).group_by(RunRow.job_id))
                    )
                ).all()
            )
            jobs = [job_entity(r) for r in rows]
            marks = {r.id: utc(r.scheduled_until) for r in rows}
        return [self._with_next(j, marks[j.id], last.get(j.id)) for j in jobs]

    def get(self, name: str) -> Job:
        """One job by name."""
        with self.db.session() as s:
            row = self._job_row(s, name)
            return self._with_next(job_entity(row), utc(row.scheduled_until))

    def _with_next(
        self, job: Job, mark: datetime | None = None, last_status: str | None = None
    ) -> Job:
        if job.schedule and not job.paused:
            row = JobRow(schedule=job.schedule, timezone=job.timezone, created_at=job.created_at)
            sched = schedule_of(row)
            if sched is not None:
                job.next_run_at = sched.next_after(max(mark or job.created_at, now_utc()))
        job.last_status = last_status
        return job

    def _job_row(self, s: Session, name: str, lock: bool = False) -> JobRow:
        q = select(JobRow).where(JobRow.name == name)
        row = s.execute(q.with_for_update() if lock else q).scalar_one_or_none()
        if row is None:
            known = ", ".join(s.execute(select(JobRow.name).order_by(JobRow.name)).scalars())
            raise JobNotFound(
                f"There is no job named {name!r} (jobs: {known or 'none yet'}). "
                "`mmds jobs list` shows them."
            )
        return row

    def pause(self, name: str) -> Job:
        """Stop scheduling new occurrences of a job (running runs finish; "run now" still works)."""
        return self._set_paused(name, True)

    def resume(self, name: str) -> Job:
        """Schedule a paused job again from now on; occurrences during the pause are not run."""
        return self._set_paused(name, False)

    def _set_paused(self, name: str, paused: bool) -> Job:
        with self.db.session(write=True) as s:
            row = self._job_row(s, name, lock=True)
            before = row.paused
            row.paused = paused
            if before and not paused:
                row.scheduled_until = now_utc()
            action = "job.pause" if paused else "job.resume"
            append_event(
                s,
                self.registry.actor,
                action,
                "job",
                f"job:{name}",
                {"paused": before},
                {"paused": paused},
            )
            job = job_entity(row)
        return self._with_next(job)

    def run(self, name: str) -> Run:
        """Queue a run of the job at once, whatever its schedule or pause."""
        with self.db.session(write=True) as s:
            row = self._job_row(s, name)
            now = now_utc()
            run = new_run(row.id, now, "manual", now)
            s.add(run)
            s.flush()
            append_event(
                s,
                self.registry.actor,
                "job.run",
                "job",
                f"job:{name}",
                None,
                {"run": run.id, "scheduled_for": iso(now)},
            )
            return run_entity(run, name)

    # -- runs ----------------------------------------------------------------------------------

    def runs(
        self, job: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> builtins.list[Run]:
        """Runs, newest first, optionally of one job and/or in one status."""
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        with self.db.session() as s:
            q = select(RunRow, JobRow.name).join(JobRow, RunRow.job_id == JobRow.id)
            if job is not None:
                q = q.where(RunRow.job_id == self._job_row(s, job).id)
            if status is not None:
                q = q.where(RunRow.status == status)
            q = q.order_by(RunRow.id.desc())
            if limit is not None:
                q = q.limit(limit)
            return [run_entity(r, n) for r, n in s.execute(q).all()]

    def get_run(self, run_id: int) -> Run:
        """One run by id."""
        run_id = whole_number("run id", run_id, 0, MAX_ID)
        with self.db.session() as s:
            row = s.execute(
                select(RunRow, JobRow.name)
                .join(JobRow, RunRow.job_id == JobRow.id)
                .where(RunRow.id == run_id)
            ).first()
            if row is None:
                raise RunNotFound(f"There is no run {run_id}; `mmds runs list` shows the runs.")
            return run_entity(row[0], row[1])

    def cancel_run(self, run_id: int) -> Run:
        """Cancel a queued run at once, or ask the scheduler running it to stop its kernel."""
        run_id = whole_number("run id", run_id, 0, MAX_ID)
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
                run.finished_at = now_utc()
                action = "run.cancelled"
            else:
                run.cancel_requested = True
                action = "run.cancel_requested"
            append_event(
                s,
                self.registry.actor,
                action,
                "run",
                f"run:{run_id}",
                before,
                {"job": job.name, "status": run.status},
            )
            return run_entity(run, job.name)

    def score_sets(self, run_id: int) -> builtins.list[dict[str, Any]]:
        """The score sets that a run's notebook wrote."""
        self.get_run(run_id)
        return score_sets_of_run(self.db, run_id)


def _check_lengths(**texts: str | None) -> None:
    for field, text in texts.items():
        limit = _LENGTHS[field]
        if text is not None and len(text) > limit:
            raise JobRefused(f"The job's {field} is {len(text)} characters; at most {limit} fit.")


def _nesting(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (without recursion, whatever the depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _job_payload(job: Job) -> dict[str, Any]:
    data = job.to_dict()
    data["created_at"] = job.created_at.isoformat()
    data.pop("next_run_at", None)
    data.pop("last_status", None)
    return data
