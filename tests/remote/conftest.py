"""A real jupyter server with the MMDS extension in a subprocess (token auth, as in
tests/server/test_schemathesis.py), and the ``registry`` fixture: the same tests run against a
local Registry and a RemoteRegistry talking to that server, each over its own fresh registry."""

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
from pathlib import Path
from typing import Any

import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import RemoteRegistry


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A jupyter server over a fresh, empty registry; its URL and token."""
    base = tmp_path_factory.mktemp("remote")
    token, port = secrets.token_hex(16), _free_port()
    (base / "cfg").mkdir()
    (base / "notebooks").mkdir()
    (base / "cfg" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"mmds_jupyter.server": True}}})
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MMDS_")},
        "JUPYTER_CONFIG_DIR": str(base / "cfg"),
        "JUPYTER_RUNTIME_DIR": str(base / "rt"),
        "MMDS_USER": "maya",
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
        f"--MMDS.url=sqlite:///{base / 'mmds.db'}",
        f"--MMDS.home={base / 'home'}",
        f"--MMDSScheduler.root_dir={base / 'notebooks'}",
    ]
    log = open(base / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
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


@pytest.fixture(scope="module", params=["local", "remote"])
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A local Registry over a fresh SQLite file, or a RemoteRegistry to the test server (with
    its own client cache). Tests keep apart by using their own project names."""
    base = tmp_path_factory.mktemp(request.param)
    if request.param == "local":
        reg: Any = Registry(url=f"sqlite:///{base / 'mmds.db'}", home=str(base), actor="maya")
    else:
        server = request.getfixturevalue("api_server")
        reg = RemoteRegistry(server["url"], token=server["token"], home=str(base), retries=0)
    yield reg
    reg.close()


def fresh_project(request: pytest.FixtureRequest) -> str:
    """A project name of this test alone (the same for its local and remote runs)."""
    return request.node.originalname.removeprefix("test_")[:60].replace("_", "-")


def server_home(api_server: dict[str, str]) -> Path:
    return Path(api_server["log"]).parent / "home"
