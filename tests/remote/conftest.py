"""A real jupyter server with the MMDS extension in a subprocess (token auth, as in
tests/server/test_schemathesis.py), and the ``registry`` fixture: the same tests run against a
local Registry and a RemoteRegistry talking to that server, each over its own fresh registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_servers import jupyter_server

from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import RemoteRegistry


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A jupyter server over a fresh, empty registry; its URL and token."""
    base = tmp_path_factory.mktemp("remote")
    (base / "notebooks").mkdir()
    db = f"sqlite:///{base / 'mmds.db'}"
    with jupyter_server(base, db, base / "home", base / "notebooks", MMDS_USER="maya") as server:
        yield server


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
