"""A real jupyter server with the MMDS extension in a subprocess, for tests that call it over
HTTP from a client that cannot share pytest-jupyter's event loop (schemathesis, a remote
registry): token auth, a fresh config folder, started and stopped by one context manager."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def jupyter_server(
    base: Path, db_url: str, home: Path, notebooks: Path, **env: str
) -> Iterator[dict[str, str]]:
    """Serve MMDS over ``db_url``/``home`` from ``base``; yields its url (ending in "/"),
    token and log file. ``env`` adds variables (every inherited MMDS_* one is dropped)."""
    token, port = secrets.token_hex(16), free_port()
    (base / "cfg").mkdir(exist_ok=True)
    (base / "cfg" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"mmds_jupyter.server": True}}})
    )
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MMDS_")},
        "JUPYTER_CONFIG_DIR": str(base / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(base / "rt"),
        **env,
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--allow-root",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={base}",
        "--ServerApp.allow_unauthenticated_access=False",
        f"--MMDS.url={db_url}",
        f"--MMDS.home={home}",
        f"--MMDSScheduler.root_dir={notebooks}",
    ]
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(cmd, env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(
                    f"{url}mmds/api/changes", headers={"Authorization": f"token {token}"}
                )
                urllib.request.urlopen(req, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((base / "server.log").read_text()[-3000:]) from None
                time.sleep(0.3)
        yield {"url": url, "token": token, "log": str(base / "server.log")}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)
        log.close()
