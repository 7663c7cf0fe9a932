"""When runs are due and when they are lost: claim due occurrences, reap orphaned runs.

The run store makes each transition in one transaction; this module decides which to make.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .entities import Job, Outcome
from .outcomes import finish_attempt, now_utc
from .timing import Plan, Schedule, parse_zone, plan

if TYPE_CHECKING:
    from ..registry import RunStore


def schedule_of(job: Job) -> Schedule | None:
    """The job's schedule, or None for an on-demand job."""
    if not job.schedule:
        return None
    return Schedule(job.schedule, parse_zone(job.timezone), job.created_at)


def claim_due(runs: RunStore, grace_s: float, actor: str, now: datetime | None = None) -> list[int]:
    """Queue a run for each job with a due occurrence; returns the new run ids.

    Each job is claimed in its own transaction (see ``RunStore.claim``), after a lock-free first
    look, so that a tick with nothing due takes no write lock.
    """
    at = now or now_utc()

    def decide(job: Job, since: datetime) -> Plan | None:
        schedule = schedule_of(job)
        if job.paused or schedule is None:
            return None
        return plan(schedule, since, at, grace_s, job.catchup)

    due = [job.id for job, mark in runs.scheduled_jobs() if _has_due(job, mark, at)]
    claimed = []
    for job_id in due:
        run_id = runs.claim(job_id, decide, actor, at)
        if run_id is not None:
            claimed.append(run_id)
    return claimed


def _has_due(job: Job, mark: datetime, now: datetime) -> bool:
    schedule = schedule_of(job)
    latest = schedule.latest_at_or_before(now) if schedule else None
    return latest is not None and latest > mark


def reap_orphans(
    runs: RunStore, lease_s: float, actor: str, *, home: str | os.PathLike[str]
) -> list[int]:
    """Fail (or retry, per the job) running runs whose heartbeat is older than the lease."""
    cutoff = now_utc() - timedelta(seconds=lease_s)
    reaped = []
    for run_id, attempt, owner, beat in runs.stale_runs(cutoff):
        error = {
            "ename": "SchedulerLost",
            "evalue": f"No heartbeat since {beat.isoformat() if beat else 'the start'} from "
            f"{owner}: its scheduler or machine stopped while the run was executing "
            f"(lease {lease_s:g}s).",
        }
        outcome = Outcome("failed", error)
        if finish_attempt(runs, run_id, attempt, outcome, actor, home=home) is not None:
            reaped.append(run_id)
    return reaped
