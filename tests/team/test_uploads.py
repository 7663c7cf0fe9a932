"""Model files through a real `mmds server` over PostgreSQL, as kernels send them: eight at once,
one cut off by killing the server mid-upload, and a track whose answer was lost, retried."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from sklearn.linear_model import LogisticRegression

from mmds_jupyter import remote_http
from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import RemoteRegistry
from mmds_jupyter.remote_http import ServerUnavailable

from .serving import ROOT, env_for, start_server
from .test_server import new_user

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]
COLS = ["mean_radius", "mean_texture", "mean_perimeter"]

# What each kernel runs: a model of its own, tracked with mmds.track through MMDS_URL/MMDS_TOKEN.
KERNEL = """
import json, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
import mmds_jupyter as mmds
seed = int(sys.argv[1])
rng = np.random.default_rng(seed)
X = rng.normal(size=(200, 3))
y = (X[:, 0] + rng.normal(scale=0.5, size=200) > 0).astype(int)
model = LogisticRegression().fit(X, y)
import pandas as pd
frame = pd.DataFrame(X, columns=["a", "b", "c"])
v = mmds.track(model, name="churn", project="team", X_test=frame, y_test=y)
print(json.dumps({"ref": v.ref, "author": v.author}))
"""


@pytest.fixture
def pg_url(pg_available: bool) -> Iterator[str]:
    if not pg_available:
        from pg_databases import PG_URL

        pytest.skip(f"no PostgreSQL server at {PG_URL} (make test starts one)")
    from pg_databases import drop_pg_database, fresh_pg_database

    url, name = fresh_pg_database()
    yield url
    drop_pg_database(name)


def every_file_is_whole(db_url: str, home: Path) -> list[str]:
    """The reference of every version, after checking each one's model file by its sha256."""
    reg = Registry(url=db_url, home=str(home), actor="auditor")
    try:
        refs = list(reg.find()["ref"])
        for ref in refs:
            data, _ = reg.model_file(ref)  # raises when missing or not matching its hash
            assert hashlib.sha256(data).hexdigest() == reg.get(ref).artifact_sha256
        return refs
    finally:
        reg.close()


def test_eight_kernels_track_through_the_server_at_once(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = new_user(pg_url, capsys, "kim")
    server = start_server(pg_url, tmp_path / "server")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(8):
            env = env_for(tmp_path / f"k{i}")
            env.update(
                MMDS_URL=server.url, MMDS_TOKEN=token, MMDS_HOME=str(tmp_path / f"k{i}" / "home")
            )
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", KERNEL, str(i)],
                    env=env,
                    cwd=ROOT,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        outputs = [(proc.communicate(timeout=300), proc.returncode) for proc in procs]
        results = []
        for (out, err), code in outputs:
            assert code == 0, err.decode()[-3000:]
            results.append(json.loads(out.decode().strip().splitlines()[-1]))
        refs = sorted(r["ref"] for r in results)
        assert refs == sorted(f"team/churn:{n}" for n in range(1, 9))
        assert {r["author"] for r in results} == {"kim"}  # not the kernels' MMDS_USER
        assert sorted(every_file_is_whole(pg_url, tmp_path / "server" / "artifacts")) == refs
        assert "Traceback" not in server.log()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        server.stop()


def fitted(cancer: Any) -> LogisticRegression:
    return LogisticRegression(max_iter=500).fit(cancer["X_train"][COLS], cancer["y_train"])


def test_a_server_killed_mid_upload_records_nothing_and_a_retry_succeeds(
    pg_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cancer: Any,
) -> None:
    token = new_user(pg_url, capsys, "lee")
    base = tmp_path / "server"
    root = base / "artifacts" / "artifacts"
    data = {"X_test": cancer["X_test"][COLS], "y_test": cancer["y_test"]}
    model = fitted(cancer)
    # The client sends the file in small pieces and stops after the first until the server
    # has been killed, so the kill lands mid-stream, every time.
    resume = threading.Event()
    real_chunks = remote_http.file_chunks

    def paused_chunks(file: Path, size: int = remote_http.UPLOAD_CHUNK) -> Iterator[bytes]:
        for n, chunk in enumerate(real_chunks(file, 512)):
            if n == 1:
                resume.wait(120)
            yield chunk

    monkeypatch.setattr(remote_http, "file_chunks", paused_chunks)
    server = start_server(pg_url, base)
    outcome: dict[str, Any] = {}

    def track() -> None:
        client = RemoteRegistry(
            server.url, token=token, home=str(tmp_path / "client"), retries=1, backoff=0.1
        )
        try:
            outcome["version"] = client.track(model, name="big", project="p", **data)
        except Exception as exc:  # noqa: BLE001 - the test looks at what it was
            outcome["error"] = exc
        finally:
            client.close()

    worker = threading.Thread(target=track)
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while not list(root.glob("*/.*.tmp")):  # the server is receiving the file
            assert worker.is_alive() and time.monotonic() < deadline, outcome
            time.sleep(0.05)
        server.proc.kill()
        server.proc.wait(30)
    finally:
        resume.set()
        worker.join(120)
    error = outcome.get("error")
    assert isinstance(error, ServerUnavailable), outcome
    message = str(error)
    assert "lost while uploading the model file" in message, message
    assert "Nothing was recorded" in message and "run the same call again" in message
    monkeypatch.setattr(remote_http, "file_chunks", real_chunks)

    # Restarted on the same database and artifact root: no version, no file at its address.
    server = start_server(pg_url, base)
    try:
        assert every_file_is_whole(pg_url, base / "artifacts") == []
        assert not [p for p in root.glob("*/*") if not p.name.startswith(".")]
        client = RemoteRegistry(server.url, token=token, home=str(tmp_path / "client"))
        try:
            # The same call again succeeds.
            v1 = client.track(model, name="big", project="p", **data)
            assert v1.ref == "p/big:1"
            # A track whose answer is lost on the way back is retried under its key: the
            # server made the version once and answers it again.
            real_request = client.http.pool.request
            lost: list[str] = []

            def lossy(method: str, url: str, **kwargs: Any) -> Any:
                response = real_request(method, url, **kwargs)
                if method == "POST" and url.endswith("/track") and not lost:
                    lost.append(url)
                    raise urllib3.exceptions.ProtocolError("Connection aborted (answer lost)")
                return response

            monkeypatch.setattr(client.http.pool, "request", lossy)
            v2 = client.track(model, name="big", project="p", **data)
            assert lost and v2.ref == "p/big:2"
            assert (
                client.load(v2).predict(data["X_test"]).tolist()
                == model.predict(data["X_test"]).tolist()
            )
        finally:
            client.close()
        assert every_file_is_whole(pg_url, base / "artifacts") == ["p/big:2", "p/big:1"]
        # Bytes that do not hash to their address are refused, and nothing is kept of them.
        wrong = hashlib.sha256(b"meant").hexdigest()
        request = urllib.request.Request(
            f"{server.url}/mmds/api/artifacts/{wrong}",
            data=b"sent",
            method="PUT",
            headers={"Authorization": f"token {token}"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)
        assert refused.value.code == 400
        assert "damaged on the way" in json.loads(refused.value.read())["message"]
        assert not (root / wrong[:2] / wrong).exists()
    finally:
        server.stop()
