"""The runner's guard thread: heartbeats, and stops the kernel on cancel, timeout or lost parent."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import TYPE_CHECKING

import psutil

from ..errors import MMDSError

if TYPE_CHECKING:
    from ..registry import RunStore

log = logging.getLogger(__name__)


def kill_tree(pid: int, include_self: bool = True) -> None:
    """SIGKILL a process and every process below it (the kernel lives in its own session)."""
    try:
        proc = psutil.Process(pid)
        victims = proc.children(recursive=True) + ([proc] if include_self else [])
    except psutil.NoSuchProcess:
        return
    for p in victims:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(victims, timeout=10)


class Watchdog(threading.Thread):
    """Beats every ``interval`` seconds; sets ``reason`` and kills the kernel when it must stop."""

    def __init__(
        self,
        runs: RunStore,
        run_id: int,
        attempt: int,
        interval: float,
        timeout_s: float | None,
        watch_parent: bool,
    ):
        super().__init__(name=f"mmds-watchdog-{run_id}", daemon=True)
        self.runs, self.run_id, self.attempt = runs, run_id, attempt
        self.interval, self.timeout_s = interval, timeout_s
        self.parent = os.getppid() if watch_parent else None
        self.started = time.monotonic()
        self.reason: str | None = None
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            if self.parent is not None and os.getppid() != self.parent:
                # The scheduler that owns this run is gone: stop at once without writing, so
                # the run is recovered once its lease expires, by whichever scheduler runs next.
                kill_tree(os.getpid(), include_self=False)
                os._exit(70)
            if self.timeout_s is not None and time.monotonic() - self.started > self.timeout_s:
                self._halt("timeout")
                return
            try:
                ours, cancel = self.runs.heartbeat(self.run_id, self.attempt)
            except MMDSError as exc:  # the database may come back before the lease runs out
                log.warning("heartbeat of run %s failed: %s", self.run_id, exc)
                continue
            if not ours:
                self._halt("lost")
                return
            if cancel:
                self._halt("cancelled")
                return

    def _halt(self, reason: str) -> None:
        self.reason = reason
        kill_tree(os.getpid(), include_self=False)
