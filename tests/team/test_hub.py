"""MMDS as a JupyterHub service: a real Hub (dummy authenticator, local spawner, the npm
configurable-http-proxy) runs `mmds server --hub`, and a kernel in a Hub user's own server
tracks a model with the token that server already has."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from mmds_jupyter.cli import main
from mmds_jupyter.remote_http import read_token

from .serving import ROOT, env_for, free_port, mmds_command, start_server

HUB_CONFIG = """
import sys
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{base}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{base}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {{"alice"}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{base}/home/{{username}}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {{
    "MMDS_URL": "http://127.0.0.1:{port}/services/mmds/",
    "MMDS_USER": "intruder",
    "PYTHONPATH": {pythonpath!r},
    "PATH": {path!r},
    "JUPYTER_CONFIG_DIR": "{base}/user-cfg",
}}
c.JupyterHub.services = [
    {{
        "name": "mmds",
        "url": "http://127.0.0.1:{mmds_port}",
        "command": [
            sys.executable, "-m", "mmds_jupyter.cli", "server", "--hub", "--db-url={db_url}",
            "--artifact-root={base}/artifacts", "--allow-root",
        ],
        "environment": {{
            "PYTHONPATH": {pythonpath!r},
            "JUPYTER_CONFIG_DIR": "{base}/mmds-cfg",
            "JUPYTER_RUNTIME_DIR": "{base}/mmds-rt",
            "MMDS_USER": "intruder",
        }},
    }},
    {{"name": "test-admin", "api_token": "{admin_token}"}},
]
c.JupyterHub.load_roles = [
    {{"name": "user", "scopes": ["self", "access:services!service=mmds"]}},
    {{
        "name": "server",
        "scopes": ["users:activity!user", "access:servers!server", "access:services!service=mmds"],
    }},
    {{
        "name": "test-admin",
        "scopes": ["admin:users", "admin:groups", "admin:servers", "access:servers", "tokens"],
        "services": ["test-admin"],
    }},
]
"""

TRACK = """
import pandas as pd
from sklearn.linear_model import LogisticRegression
import mmds_jupyter as mmds

X = pd.DataFrame({"x1": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "x2": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]})
y = pd.Series([0, 0, 0, 1, 1, 1], name="churned")
v = mmds.track(LogisticRegression().fit(X, y), name="churn", project="risk", X_test=X, y_test=y)
print("TRACKED", v.ref, v.author)
"""


def call(url: str, token: str | None, method: str = "GET", body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"token {token}"} if token else {}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_for(what: str, check: Any, hub: subprocess.Popen[bytes], log: Path) -> Any:
    """Poll ``check`` until it returns a true value; fail with the Hub's log if the Hub dies."""
    deadline = time.monotonic() + 120
    while True:
        try:
            value = check()
        except OSError:
            value = None
        if value:
            return value
        if hub.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen; the Hub's log:\n{log.read_text()[-5000:]}")
        time.sleep(0.5)


async def run_in_kernel(ws_url: str, token: str, code: str) -> tuple[str, str]:
    """(execute_reply status, text output) of ``code`` in a kernel, over its websocket."""
    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
              "session": uuid.uuid4().hex, "date": "", "version": "5.3"}  # fmt: skip
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}  # fmt: skip
    message = {"header": header, "parent_header": {}, "metadata": {}, "content": content,
               "channel": "shell", "buffers": []}  # fmt: skip
    await conn.write_message(json.dumps(message))
    status, idle, out = "", False, []
    try:
        while not (status and idle):
            raw = await conn.read_message()
            assert raw is not None, "the kernel's websocket closed:\n" + "".join(out)
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(body["text"])
            elif kind == "error":
                out.append("\n".join(body["traceback"]))
            elif kind == "execute_reply":
                status = body["status"]
            elif kind == "status":
                idle = body["execution_state"] == "idle"
    finally:
        conn.close()
    return status, "".join(out)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A running JupyterHub with MMDS as its managed service; its URLs and admin token."""
    assert shutil.which("configurable-http-proxy"), (
        "JupyterHub's proxy is missing: npm install -g configurable-http-proxy (.ci/run does)"
    )
    port, admin_token = free_port(), secrets.token_hex(16)
    db_url = f"sqlite:///{tmp_path / 'mmds.db'}"
    (tmp_path / "home").mkdir()
    # The users' servers run no extension: a kernel is all this test needs, and starts sooner.
    (tmp_path / "user-cfg").mkdir()
    off = ["jupyterlab", "jupyter_lsp", "jupyter_server_terminals", "notebook_shim",
           "notebook", "mmds_jupyter.server"]  # fmt: skip
    (tmp_path / "user-cfg" / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": dict.fromkeys(off, False)}})
    )
    (tmp_path / "hub_config.py").write_text(
        HUB_CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            mmds_port=free_port(),
            base=tmp_path,
            db_url=db_url,
            admin_token=admin_token,
            pythonpath=os.pathsep.join([str(ROOT), str(ROOT / "magics")]),
            path=os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MMDS_", "JUPYTER"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    log = tmp_path / "hub.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(tmp_path / "hub_config.py")],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        health = f"{url}/services/mmds/mmds/api/health"
        up = {"ok": True, "database": True}
        wait_for("MMDS answering through the Hub", lambda: call(health, None)[1] == up, proc, log)
        yield {"url": url, "admin": admin_token, "db_url": db_url, "proc": proc, "log": log}
    finally:
        if proc.poll() is None:
            proc.terminate()  # the Hub stops the users' servers and its managed services
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


def test_a_token_file_and_mmds_token_come_before_the_hubs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MMDS_TOKEN", raising=False)
    monkeypatch.setenv("MMDS_HOME", str(tmp_path))
    monkeypatch.delenv("MMDS_TOKEN_FILE", raising=False)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "from-hub")
    assert read_token() == "from-hub"
    (tmp_path / "token").write_text("from-file\n")
    (tmp_path / "token").chmod(0o600)
    assert read_token() == "from-file"
    monkeypatch.setenv("MMDS_TOKEN", "from-env")
    assert read_token() == "from-env"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_kernel_in_a_hub_users_server_tracks_as_that_user(
    hub: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    url, admin, api = hub["url"], hub["admin"], f"{hub['url']}/hub/api"
    assert call(f"{api}/users/alice", admin, "POST")[0] in (201, 409)
    assert call(f"{api}/groups/modellers", admin, "POST")[0] == 201
    assert call(f"{api}/groups/modellers/users", admin, "POST", {"users": ["alice"]})[0] == 200
    assert call(f"{api}/users/alice/server", admin, "POST")[0] in (201, 202)
    wait_for(
        "alice's server starting",
        lambda: call(f"{api}/users/alice", admin)[1]["servers"].get("", {}).get("ready"),
        hub["proc"],
        hub["log"],
    )
    code, kernel = call(f"{url}/user/alice/api/kernels", admin, "POST", {"name": "python3"})
    assert code == 201, kernel
    ws_url = url.replace("http:", "ws:") + f"/user/alice/api/kernels/{kernel['id']}/channels"

    # No MMDS_TOKEN, no token file: the kernel uses its server's JUPYTERHUB_API_TOKEN.
    status, output = asyncio.run(run_in_kernel(ws_url, admin, TRACK))
    assert status == "ok", output
    assert "TRACKED risk/churn:1 alice" in output

    # The server records the Hub user as the actor (MMDS_USER=intruder is ignored), and the
    # write log names the user's Hub groups.
    assert main(["--url", hub["db_url"], "users", "add", "auditor"]) == 0
    assert main(["--url", hub["db_url"], "tokens", "create", "auditor"]) == 0
    auditor = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["--url", hub["db_url"], "grant", "admin", "--user", "auditor"]) == 0
    mmds_api = f"{url}/services/mmds/mmds/api"
    code, events = call(f"{mmds_api}/events?ref=risk/churn", auditor)  # an MMDS token works too
    assert code == 200, events
    seen = {(e["actor"], e["action"], e["object_ref"]) for e in events["items"]}
    assert ("alice", "version.create", "risk/churn:1") in seen
    assert {actor for actor, _, _ in seen} == {"alice"}
    log = hub["log"].read_text()
    assert "MMDS write: actor=alice action=POST track ref=risk/churn:1 status=201" in log
    assert "status=201 groups=modellers" in log

    # A token alice gets from the Hub works too (the user role grants the service's scope)...
    code, token = call(f"{api}/users/alice/tokens", admin, "POST", {"note": "cli"})
    assert code == 201, token
    code, projects = call(f"{mmds_api}/projects", token["token"])
    assert code == 200, projects
    # Hub groups are MMDS groups: a role granted to `modellers` lets alice read a project
    # someone else started.
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.remote import RemoteRegistry

    X, y = np.arange(20.0).reshape(10, 2), np.array([0, 1] * 5)
    with RemoteRegistry(f"{url}/services/mmds/", token=auditor) as remote:
        remote.track(LogisticRegression().fit(X, y), "audit", "shared")
    code, body = call(f"{mmds_api}/versions?project=shared", token["token"])
    assert code == 403, body
    assert main(["--url", hub["db_url"], "grant", "viewer", "--project", "shared",
                 "--group", "modellers"]) == 0  # fmt: skip
    code, found = call(f"{mmds_api}/versions?project=shared", token["token"])
    assert code == 200, found
    assert [v["ref"] for v in found["items"]] == ["shared/audit:1"]
    # ...but not one without that scope, nor a service's token, nor a bogus one.
    narrow = {"scopes": ["read:users:name!user=alice"]}
    code, narrow_token = call(f"{api}/users/alice/tokens", admin, "POST", narrow)
    assert code == 201, narrow_token
    for bad in (narrow_token["token"], admin, "bogus"):
        code, body = call(f"{mmds_api}/projects", bad)
        assert code in (401, 403), body
        assert isinstance(body, dict) and body.get("error"), body
    assert "MMDS: the Hub token of alice lacks the scope access:services" in hub["log"].read_text()

    # `mmds users disable alice` locks the Hub's alice out too (one namespace), from the next
    # request, though the Hub still vouches for her token (and caches its answer).
    assert main(["--url", hub["db_url"], "users", "add", "alice"]) == 0
    assert call(f"{mmds_api}/projects", token["token"])[0] == 200
    assert main(["--url", hub["db_url"], "users", "disable", "alice"]) == 0
    code, body = call(f"{mmds_api}/projects", token["token"])
    assert code == 403, body
    assert isinstance(body, dict) and body.get("error"), body
    assert "MMDS: refused the Hub user alice, disabled in MMDS" in hub["log"].read_text()
    code, body = call(f"{mmds_api}/projects", auditor)  # other users go on
    assert code == 200, body


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_hub_mode_without_a_working_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a Hub --hub refuses to start; a Hub that does not answer is a 503, not a 500."""
    for name in [k for k in os.environ if k.startswith("JUPYTERHUB_")]:
        monkeypatch.delenv(name)
    db_url = f"sqlite:///{tmp_path / 'mmds.db'}"
    cmd = mmds_command("server", "--hub", f"--db-url={db_url}", f"--port={free_port()}",
                       "--allow-root")  # fmt: skip
    done = subprocess.run(
        cmd, cwd=tmp_path, env=env_for(tmp_path), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 1, done.stderr
    assert "mmds server --hub: no Hub API token (JUPYTERHUB_API_TOKEN" in done.stderr

    monkeypatch.setenv("JUPYTERHUB_API_URL", f"http://127.0.0.1:{free_port()}/hub/api")
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "service-token")
    monkeypatch.setenv("JUPYTERHUB_SERVICE_NAME", "mmds")
    server = start_server(db_url, tmp_path / "srv", "--hub")
    try:
        code, body = server.call("GET", "mmds/api/projects", "a-hub-token")
        assert code == 503, body
        assert body["message"].startswith("JupyterHub, which checks tokens for this server, does")
    finally:
        assert server.stop() == 0
