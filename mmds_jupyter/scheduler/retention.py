"""The retention rule: keep the output notebooks of a job's newest N finished runs."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select

from ..store.db import Database
from .entities import FINISHED
from .tables import JobRow, RunRow

log = logging.getLogger(__name__)


def prune_outputs(db: Database, job_id: int) -> list[str]:
    """Delete output notebooks beyond the job's ``keep_outputs``; returns the paths removed."""
    with db.session(write=True) as s:
        keep = s.execute(select(JobRow.keep_outputs).where(JobRow.id == job_id)).scalar()
        if keep is None:
            return []
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
        paths = [r.output_path for r in old if r.output_path]
        for r in old:
            r.output_path = None
    # Files go after the rows commit: a crash in between leaves a stray file, never a run that
    # points at a deleted one.
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete old output %s: %s", path, exc)
    return paths
