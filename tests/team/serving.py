"""A real `mmds server` in a subprocess, and plain HTTP calls to it (as a client would make)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(base: Path) -> dict[str, str]:
    """The server's environment: no MMDS settings but a MMDS_USER it must ignore."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MMDS_", "JUPYTER_"))}
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "magics")]),
        MMDS_USER="intruder",
        JUPYTER_CONFIG_DIR=str(base / "cfg"),
        JUPYTER_RUNTIME_DIR=str(base / "rt"),
        JUPYTER_DATA_DIR=str(base / "data"),
    )
    return env


def mmds_command(*words: str) -> list[str]:
    return [sys.executable, "-m", "mmds_jupyter.cli", *words]


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def call(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """(status, JSON body) of one request to ``/<path>``."""
        headers = {"Authorization": f"token {token}"} if token else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(
            f"{self.url}/{path}", data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def upload(self, token: str, data: bytes) -> str:
        """PUT a file to the server's artifacts; its sha256 (for a track body)."""
        sha = hashlib.sha256(data).hexdigest()
        request = urllib.request.Request(
            f"{self.url}/mmds/api/artifacts/{sha}",
            data=data,
            method="PUT",
            headers={"Authorization": f"token {token}", "Content-Type": "application/octet-stream"},
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            assert resp.status in (200, 201), resp.read()
        return sha

    def stop(self) -> int:
        """SIGTERM, then the exit code (killed after a minute if it does not stop)."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise


def start_server(db_url: str, base: Path, *extra: str, timeout: float = 120) -> Server:
    """Start `mmds server` on a free port over ``db_url``; return once its health answers
    (within ``timeout`` seconds)."""
    base.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = base / "server.log"
    cmd = mmds_command(
        "--url",
        db_url,
        "--home",
        str(base / "artifacts"),
        "server",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--allow-root",
        *extra,
    )
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=base, env=env_for(base), stdout=log, stderr=log)
    server = Server(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{server.url}/mmds/api/health", timeout=5).read()
            return server
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()
                raise RuntimeError(f"mmds server did not start:\n{server.log()[-3000:]}") from None
            time.sleep(0.3)
