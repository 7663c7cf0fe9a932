"""`mmds server --processes N`: N worker processes serving one address.

Python runs one request's code at a time per process, so one process uses one core however
many clients wait. With ``--processes N`` the process started by the user supervises: it
checks the configuration and the port, then starts N workers, each a whole `mmds server` in a
fresh interpreter (its own database engine and threads, made after it started, never shared
across a fork). Each worker listens on the same address with SO_REUSEPORT, and the kernel
spreads the connections over them. The server has no background tasks of its own (the
scheduler is `mmds scheduler`), so no work must stay in one worker.

SIGTERM or SIGINT to the supervisor stops every worker cleanly (each finishes its requests
and closes its registry) and exits 0. A worker that dies stops the others and the supervisor
exits 1, so that the service manager restarts the whole server; a worker whose supervisor is
gone stops itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any

STOP_TIMEOUT_S = 60
WATCH_PARENT_MS = 2_000


def worker_command(argv: Sequence[str], index: int, port: int) -> list[str]:
    """The command line of worker ``index``: the supervisor's own arguments, the port it
    checked, and the worker's index (which makes it serve instead of supervising)."""
    return [
        sys.executable,
        "-m",
        "mmds_jupyter.cli",
        "server",
        *without_port(argv),
        f"--port={port}",
        f"--MMDSServerApp.worker={index}",
    ]


_PORT_OPTIONS = ("--port", "--ServerApp.port", "--MMDSServerApp.port")


def without_port(argv: Sequence[str]) -> list[str]:
    """``argv`` without its port option (the port given may be 0: any free one)."""
    out: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _PORT_OPTIONS:
            skip = True  # `--port 8888`: its value follows
        elif not word.startswith(tuple(o + "=" for o in _PORT_OPTIONS)):
            out.append(word)
    return out


def supervise(app: Any, processes: int) -> int:
    """Start ``processes`` workers of ``app`` (an MMDSServerApp) and wait for a stop signal
    or for a worker to end; stop them all; the exit code."""
    log = app.log
    stop = threading.Event()
    stopped_by: list[int] = []

    def on_signal(sig: int, _frame: Any) -> None:
        stopped_by.append(sig)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    workers = []
    for i in range(processes):
        cmd = worker_command(app.argv, i, app.port)
        workers.append(subprocess.Popen(cmd))
    log.info(
        "MMDS server: %d worker processes (pids %s) serve %s",
        processes,
        ", ".join(str(w.pid) for w in workers),
        app.display_url,
    )
    failed = None
    while not stop.wait(0.5):
        failed = next((w for w in workers if w.poll() is not None), None)
        if failed is not None:
            log.error(
                "MMDS server: worker %d (pid %d) ended with exit code %s; stopping the others.",
                workers.index(failed),
                failed.pid,
                failed.returncode,
            )
            break
    if stopped_by:
        log.info("MMDS server: received signal %s, stopping %d workers.", stopped_by[0], processes)
    for w in workers:
        if w.poll() is None:
            w.terminate()
    codes = []
    for w in workers:
        try:
            codes.append(w.wait(timeout=STOP_TIMEOUT_S))
        except subprocess.TimeoutExpired:
            log.error("MMDS server: worker %d did not stop in %d s; killed.", w.pid, STOP_TIMEOUT_S)
            w.kill()
            codes.append(w.wait())
    if failed is not None or any(codes):
        return 1
    log.info("MMDS server: every worker stopped cleanly.")
    return 0


def watch_parent(app: Any) -> None:
    """Stop worker ``app`` when its supervisor is gone (killed without a chance to stop it)."""
    from tornado.ioloop import PeriodicCallback

    parent = os.getppid()

    def check() -> None:
        if os.getppid() != parent:
            app.log.warning("MMDS server: the supervisor (pid %d) is gone; stopping.", parent)
            callback.stop()
            app.stop()

    callback = PeriodicCallback(check, WATCH_PARENT_MS)
    callback.start()
