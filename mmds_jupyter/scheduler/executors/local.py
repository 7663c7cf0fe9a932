"""The default executor: one runner subprocess per attempt on this machine."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from ..paths import log_file
from ..watchdog import kill_tree
from .base import Execution, Executor, runner_command


class LocalExecution(Execution):
    def __init__(self, proc: subprocess.Popen[bytes]):
        self.proc = proc

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        kill_tree(self.proc.pid)
        self.proc.wait()


class LocalExecutor(Executor):
    """Runs each attempt as ``python -m mmds_jupyter.scheduler.runner``, logging to a file."""

    name = "local"

    def __init__(self, log_dir: str):
        self.log_dir = Path(log_dir)

    def submit(
        self, run_id: int, attempt: int, env: dict[str, str], heartbeat_s: float, kernel: str
    ) -> Execution:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_file(self.log_dir, run_id), "ab") as log:
            proc = subprocess.Popen(
                runner_command(run_id, attempt, heartbeat_s, kernel, watch_parent=True),
                env={**os.environ, **env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C meant for the scheduler does not hit the notebook.
                start_new_session=True,
            )
        return LocalExecution(proc)
