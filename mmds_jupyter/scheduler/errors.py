"""Errors of the scheduler; each names the problem and what to do about it."""

from __future__ import annotations

from ..errors import ConflictError, InvalidInput, MMDSError, NotFound, PermissionDenied


class JobRefused(InvalidInput):
    """A job definition that cannot be scheduled (bad notebook, schedule or parameters)."""


class NotebookRefused(JobRefused):
    """The notebook is outside the allowed root, missing, or has no parameters cell."""


class ScheduleInvalid(JobRefused):
    """The cron expression or interval cannot be read."""


class ParameterRefused(JobRefused):
    """A parameter the notebook does not declare, or a model reference that does not resolve."""


class JobNotFound(NotFound):
    """No job has this name."""


class RunNotFound(NotFound):
    """No run has this id."""


class JobExists(ConflictError):
    """A job with this name already exists."""


class JobBusy(ConflictError):
    """The job has a run queued or running, so it cannot be deleted yet."""


class RunStateError(ConflictError):
    """The run is not in a state that allows the request (e.g. cancelling a finished run)."""


class ExecutorUnavailable(MMDSError):
    """The configured executor (e.g. a Dask scheduler address) cannot be reached."""


class JobOwnerRefused(PermissionDenied):
    """Team mode: the job's owner is disabled or may no longer run jobs in its project."""
