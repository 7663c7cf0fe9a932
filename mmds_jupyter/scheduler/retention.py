"""The retention rule: keep the files of a job's newest N finished runs that wrote a notebook.

A pruned run loses its output notebook and its runner log; its row (status, parameters, error)
stays, so the history of a job is never shortened. A run that wrote no notebook (it failed
first) keeps its runner log until N newer runs of the job have finished.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import select

from ..store.db import Database
from .entities import FINISHED
from .paths import log_file
from .tables import JobRow, RunRow

log = logging.getLogger(__name__)


def prune_outputs(db: Database, job_id: int, logs: Path) -> list[str]:
    """Delete the files of runs beyond the job's ``keep_outputs``; returns the paths removed.

    ``logs`` is the folder of runner logs (``log_dir(MMDS_HOME)``).
    """
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
        paths = [Path(p) for r in old for p in (r.output_path, log_file(logs, r.id)) if p]
        for r in old:
            r.output_path = None
        s.flush()
        # Logs of runs without a notebook beyond the newest N finished runs. Only logs still
        # on disk are looked at, so a long history does not mean as many deletions to try.
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
        present = set(os.listdir(logs)) if os.path.isdir(logs) else set()
        listed = set(paths)
        for run_id in s.execute(beyond).scalars():
            path = log_file(logs, run_id)
            if path.name in present and path not in listed:
                paths.append(path)
    # Files go after the rows commit: a crash in between leaves a stray file, never a run that
    # points at a deleted one.
    removed = []
    for path in paths:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not delete old run file %s: %s", path, exc)
            continue
        removed.append(str(path))
    return removed
