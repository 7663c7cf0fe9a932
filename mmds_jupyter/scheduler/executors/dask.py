"""Scale-out executor: each attempt's runner process starts on a Dask distributed worker."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from ..errors import ExecutorUnavailable
from .base import Execution, Executor, runner_command


def run_on_worker(
    run_id: int, attempt: int, env: dict[str, str], heartbeat_s: float, kernel: str
) -> int:
    """Run one attempt on the worker that Dask picked; returns the runner's exit code.

    A separate process (rather than papermill in the worker itself) gives the kernel its own
    MMDS_RUN_ID environment and lets the runner kill the kernel without touching the worker.
    """
    proc = subprocess.run(
        runner_command(run_id, attempt, heartbeat_s, kernel, watch_parent=True),
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=False,
    )
    return proc.returncode


class DaskExecution(Execution):
    def __init__(self, future: Any):
        self.future = future

    def poll(self) -> int | None:
        if not self.future.done():
            return None
        try:
            return int(self.future.result())
        except Exception:  # noqa: BLE001 - a lost worker counts as a failed attempt
            return 1

    def kill(self) -> None:
        # A task that already runs cannot be interrupted by Dask; its runner stops the kernel
        # itself when it sees the run cancelled, timed out or taken over in the database.
        self.future.cancel()


class DaskExecutor(Executor):
    """Submits ``run_on_worker`` to the cluster at ``dask://HOST:PORT``."""

    name = "dask"

    def __init__(self, spec: str):
        from distributed import Client

        self.address = "tcp://" + spec.split("://", 1)[1]
        self.name = f"dask:{self.address}"
        try:
            self.client = Client(self.address, timeout=30, set_as_default=False)
        except OSError as exc:
            raise ExecutorUnavailable(
                f"Cannot reach the Dask scheduler at {self.address} ({exc}). Start it (e.g. "
                "`dask scheduler` and `dask worker`) or check the address given to --executor."
            ) from None

    def submit(
        self, run_id: int, attempt: int, env: dict[str, str], heartbeat_s: float, kernel: str
    ) -> Execution:
        future = self.client.submit(
            run_on_worker,
            run_id,
            attempt,
            env,
            heartbeat_s,
            kernel,
            key=f"mmds-run-{run_id}-{attempt}",
            pure=False,
        )
        return DaskExecution(future)

    def close(self) -> None:
        self.client.close()
