"""Real MLflow tracking stores, filled once per session by fill_store.py through MLflow's own
API: one on an SQLite database, one behind a real `mlflow server` over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_servers import free_port

FILL = Path(__file__).with_name("fill_store.py")
# MLflow's telemetry and download bars stay off in the helper processes.
QUIET = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


def fill(uri: str, base: Path) -> dict[str, Any]:
    out = base / "logged.json"
    subprocess.run(
        [sys.executable, str(FILL), uri, str(out)],
        check=True,
        env={**os.environ, **QUIET},
        cwd=base,
        capture_output=True,
    )
    logged: dict[str, Any] = json.loads(out.read_text())
    logged["uri"] = uri
    return logged


@pytest.fixture(scope="session")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An MLflow store on SQLite (artifacts in ./mlruns beside it), and what was logged."""
    base = tmp_path_factory.mktemp("mlflow-sqlite")
    return fill(f"sqlite:///{base / 'mlflow.db'}", base)


@pytest.fixture(scope="session")
def http_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A real `mlflow server` (SQLite backend, proxied artifacts) over HTTP, filled through it."""
    base = tmp_path_factory.mktemp("mlflow-http")
    port = free_port()
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{base / 'mlflow.db'}",
            "--artifacts-destination", str(base / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        env={**os.environ, **QUIET},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=base,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((base / "server.log").read_text()[-3000:])
            time.sleep(0.5)
        yield fill(url, base)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
