"""Recording how a run attempt ended: success, failure (or a retry with back-off), cancel."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .entities import Outcome
from .paths import log_dir
from .retention import prune_outputs

if TYPE_CHECKING:
    from ..registry import RunStore

__all__ = ["MAX_BACKOFF_S", "Outcome", "backoff_s", "finish_attempt", "now_utc"]


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


# The longest wait before a retry, so that doubling never overflows a timedelta.
MAX_BACKOFF_S = 366 * 86400.0


def backoff_s(base_s: float, attempt: int) -> float:
    """Delay before attempt ``attempt + 1``: the base delay doubled after each failure."""
    return min(base_s * 2.0 ** min(attempt - 1, 64), MAX_BACKOFF_S)


def finish_attempt(
    runs: RunStore,
    run_id: int,
    attempt: int,
    outcome: Outcome,
    actor: str,
    *,
    home: str | os.PathLike[str],
) -> str | None:
    """Record the end of one attempt; returns the run's new status, or None if it was not ours.

    A failure the job may retry is queued again after :func:`backoff_s`. When the run is over,
    the job's retention rule prunes the files of older runs under ``home`` (MMDS_HOME).

    Only the run's current attempt is recorded, so a runner that lost its lease (its run was
    reaped and retried elsewhere) cannot overwrite the newer result.
    """
    ended = runs.finish_attempt(run_id, attempt, outcome, actor, backoff_s)
    if ended is None:
        return None
    status, job_id = ended
    if status != "queued":
        prune_outputs(runs, job_id, log_dir(home))
    return status
