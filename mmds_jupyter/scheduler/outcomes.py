"""Recording how a run attempt ended: success, failure (or a retry with back-off), cancel."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from ..store.db import Database
from ..store.events import append_event, utc
from .paths import log_dir
from .retention import prune_outputs
from .tables import JobRow, RunRow


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """A stored time as ISO text for event payloads (JSON)."""
    return utc(dt).isoformat()


# The longest wait before a retry, so that doubling never overflows a timedelta.
MAX_BACKOFF_S = 366 * 86400.0


def backoff_s(base_s: float, attempt: int) -> float:
    """Delay before attempt ``attempt + 1``: the base delay doubled after each failure."""
    return min(base_s * 2.0 ** min(attempt - 1, 64), MAX_BACKOFF_S)


@dataclass
class Outcome:
    """How an attempt ended, as the runner, the dispatcher or the reaper saw it."""

    status: str  # "succeeded", "failed" or "cancelled"
    error: dict[str, Any] | None = None
    output_path: str | None = None
    retry: bool = True


def finish_attempt(
    db: Database,
    run_id: int,
    attempt: int,
    outcome: Outcome,
    actor: str,
    *,
    home: str | os.PathLike[str],
) -> str | None:
    """Record the end of one attempt; returns the run's new status, or None if it was not ours.

    When the run is over, the job's retention rule prunes the files of older runs under
    ``home`` (MMDS_HOME).

    The update only applies while the run is still ``running`` at this attempt, so a runner that
    lost its lease (its run was reaped and retried elsewhere) cannot overwrite the newer result.
    """
    with db.session(write=True) as s:
        run = s.execute(
            select(RunRow)
            .where(RunRow.id == run_id, RunRow.attempt == attempt, RunRow.status == "running")
            .with_for_update()
        ).scalar_one_or_none()
        if run is None:
            return None
        job = s.get(JobRow, run.job_id)
        assert job is not None
        now = now_utc()
        ref = f"run:{run.id}"
        base = {"job": job.name, "attempt": attempt, "scheduled_for": iso(run.scheduled_for)}
        if outcome.output_path:
            run.output_path = outcome.output_path
        if outcome.status == "failed" and outcome.retry and attempt <= job.max_retries:
            delay = backoff_s(job.retry_delay_s, attempt)
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
        append_event(s, actor, action, "run", ref, {"status": "running"}, after)
        status, job_id = run.status, job.id
    if status != "queued":
        prune_outputs(db, job_id, log_dir(home))
    return status
