"""The retention rule: keep the files of a job's newest N finished runs that wrote a notebook.

A pruned run loses its output notebook and its runner log; its row (status, parameters, error)
stays, so the history of a job is never shortened. A run that wrote no notebook (it failed
first) keeps its runner log until N newer runs of the job have finished.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .paths import log_file

if TYPE_CHECKING:
    from ..registry import RunStore

log = logging.getLogger(__name__)


def prune_outputs(runs: RunStore, job_id: int, logs: Path) -> list[str]:
    """Delete the files of runs beyond the job's ``keep_outputs``; returns the paths removed.

    ``logs`` is the folder of runner logs (``log_dir(MMDS_HOME)``).
    """
    released = runs.release_outputs(job_id)
    if released is None:
        return []
    cleared, beyond = released
    paths = [Path(p) for run_id, output in cleared for p in (output, log_file(logs, run_id))]
    # Logs of runs without a notebook beyond the newest N finished runs. Only logs still on
    # disk are looked at, so a long history does not mean as many deletions to try.
    present = set(os.listdir(logs)) if os.path.isdir(logs) else set()
    listed = set(paths)
    for run_id in beyond:
        path = log_file(logs, run_id)
        if path.name in present and path not in listed:
            paths.append(path)
    # The rows were committed first: a crash now leaves a stray file, never a run that points
    # at a deleted one.
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
