"""Where the scheduler keeps its files under MMDS_HOME: output notebooks and runner logs."""

from __future__ import annotations

import os
from pathlib import Path


def runs_dir(home: str | os.PathLike[str]) -> Path:
    """``MMDS_HOME/runs``: everything that runs leave behind; the server serves nothing else."""
    return Path(home) / "runs"


def output_dir(home: str | os.PathLike[str], job: str) -> Path:
    """The folder of a job's executed notebooks (``<run id>.ipynb``)."""
    return runs_dir(home) / job


def log_dir(home: str | os.PathLike[str]) -> Path:
    """The folder of the local executor's runner logs."""
    return runs_dir(home) / "_logs"


def log_file(folder: str | os.PathLike[str], run_id: int) -> Path:
    """The runner log of one run in ``folder`` (every attempt appends to it)."""
    return Path(folder) / f"run-{run_id}.log"
