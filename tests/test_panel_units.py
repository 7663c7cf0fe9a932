"""The panel's TypeScript unit tests (jest, labextension/src/__tests__) run with the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_panels_unit_tests_pass() -> None:
    # jlpm ships with jupyterlab in this environment's bin folder.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    jlpm = shutil.which("jlpm", path=path)
    assert jlpm, "jlpm (from jupyterlab) is not installed: run make install"
    done = subprocess.run(
        [jlpm, "test", "--ci"],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=540,
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    assert "Test Suites:" in report and " passed" in report, report[-2000:]
