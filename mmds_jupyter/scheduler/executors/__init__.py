"""Where runs execute: local subprocesses (default) or the workers of a Dask cluster."""

from __future__ import annotations

from ..errors import ExecutorUnavailable
from .base import Execution, Executor, runner_command
from .local import LocalExecutor


def make_executor(spec: str, log_dir: str) -> Executor:
    """The executor that ``spec`` names: ``local`` or ``dask://HOST:PORT``."""
    if spec in ("", "local"):
        return LocalExecutor(log_dir)
    if spec.startswith(("dask://", "tcp://")):
        from .dask import DaskExecutor

        return DaskExecutor(spec)
    raise ExecutorUnavailable(
        f"Unknown executor {spec!r}. Use 'local' (a process per run on this machine) or "
        "'dask://HOST:PORT' (the address of a Dask distributed scheduler)."
    )


__all__ = ["Execution", "Executor", "LocalExecutor", "make_executor", "runner_command"]
