"""Scheduled, parameterised notebooks: jobs, run claims, executors (local, Dask), papermill runner.

``Scheduler(registry)`` creates and manages jobs and runs; ``mmds scheduler`` (a
:class:`Dispatcher`) claims due occurrences in the database and executes them.
"""

from __future__ import annotations

from .config import MMDSScheduler
from .entities import Job, Run
from .errors import (
    ExecutorUnavailable,
    JobBusy,
    JobExists,
    JobNotFound,
    JobRefused,
    NotebookRefused,
    ParameterRefused,
    RunNotFound,
    RunStateError,
    ScheduleInvalid,
)
from .service import Scheduler

__all__ = [
    "ExecutorUnavailable",
    "Job",
    "JobBusy",
    "JobExists",
    "JobNotFound",
    "JobRefused",
    "MMDSScheduler",
    "NotebookRefused",
    "ParameterRefused",
    "Run",
    "RunNotFound",
    "RunStateError",
    "ScheduleInvalid",
    "Scheduler",
]
