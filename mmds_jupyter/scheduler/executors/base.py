"""The executor interface: start the runner process for one attempt and watch it."""

from __future__ import annotations

import sys
from abc import ABC, abstractmethod


def runner_command(
    run_id: int, attempt: int, heartbeat_s: float, kernel: str, watch_parent: bool
) -> list[str]:
    """The command line of the runner process (the registry URL travels in the environment)."""
    cmd = [
        sys.executable,
        "-m",
        "mmds_jupyter.scheduler.runner",
        str(run_id),
        str(attempt),
        "--heartbeat",
        f"{heartbeat_s:g}",
    ]
    if kernel:
        cmd += ["--kernel", kernel]
    if watch_parent:
        cmd.append("--watch-parent")
    return cmd


class Execution(ABC):
    """One attempt in flight."""

    @abstractmethod
    def poll(self) -> int | None:
        """The runner's exit code once it has ended, else None."""

    @abstractmethod
    def kill(self) -> None:
        """Stop the attempt now (the runner and its kernel)."""


class Executor(ABC):
    """Starts runner processes; the claim of the run stays in the database."""

    name = "executor"

    @abstractmethod
    def submit(
        self, run_id: int, attempt: int, env: dict[str, str], heartbeat_s: float, kernel: str
    ) -> Execution:
        """Start one attempt of a run that this scheduler has already moved to running."""

    def close(self) -> None:  # noqa: B027 - most executors hold nothing to release
        """Release connections; attempts still running are killed by the caller first."""
