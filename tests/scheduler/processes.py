"""Real processes for the end-to-end tests: the ``mmds`` command and scheduler daemons."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

MMDS = str(Path(sys.executable).parent / "mmds")
# Real kernels on a shared, busy machine: generous, but a hang still ends the test.
PATIENCE_S = 300.0

T = TypeVar("T")


def env_for(url: str, home: str, root: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "MMDS_URL": url, "MMDS_HOME": home, "MMDS_USER": "sam"}
    if root is not None:
        env["MMDS_ROOT_DIR"] = str(root)
    return env


def run_attempt(
    url: str, home: str, run_id: int, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Attempt 1 of run ``run_id`` in the runner process every executor starts (a real
    kernel), with this process's environment less ``drop`` (what a scheduler would not pass)."""
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        MMDS_URL=url,
        MMDS_HOME=home,
        PYTHONPATH=os.pathsep.join([str(root), str(root / "magics")]),
    )
    return subprocess.run(
        [sys.executable, "-m", "mmds_jupyter.scheduler.runner", str(run_id), "1"],
        env=env,
        capture_output=True,
        text=True,
    )


def mmds(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the ``mmds`` command as a user would."""
    proc = subprocess.run([MMDS, *args], env=env, capture_output=True, text=True)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


class Daemon:
    """One ``mmds scheduler`` process, logging to a file that failures print."""

    def __init__(self, env: dict[str, str], log: Path, *args: str):
        self.log = log
        with open(log, "ab") as fh:
            self.proc = subprocess.Popen(
                [MMDS, "scheduler", "--poll", "0.5", *args],
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(
    what: str,
    check: Callable[[], T | None],
    daemons: list[Daemon] = (),
    timeout: float = PATIENCE_S,
) -> T:
    """Poll ``check`` until it returns something truthy; fail with the daemons' logs if never."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for d in daemons:
            assert d.proc.poll() is None, f"scheduler exited early:\n{d.output()}"
        time.sleep(0.5)
    logs = "\n".join(d.output()[-4000:] for d in daemons)
    raise AssertionError(f"gave up waiting for {what} after {timeout:g}s\n{logs}")


def read_lines(path: Path) -> list[dict[str, Any]]:
    import json

    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
