"""What only a remote registry has: the same errors as locally (class and message), the model
file cache, the token file rule, https, retries and the signature of every operation."""

from __future__ import annotations

import gc
import http.server
import json
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from mmds_jupyter.encode import version_dict
from mmds_jupyter.errors import (
    AmbiguousReference,
    InvalidInput,
    MMDSError,
    NotFound,
    UntrustedArtifact,
)
from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import CachedFileChanged, RemoteRegistry
from mmds_jupyter.remote_http import ServerUnavailable, read_token

from .conftest import server_home
from .test_same_calls import NUM, track_two

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
def remote(api_server: dict[str, str], tmp_path: Path) -> Iterator[RemoteRegistry]:
    reg = RemoteRegistry(api_server["url"], token=api_server["token"], home=str(tmp_path))
    yield reg
    reg.close()


def _double(x: Any) -> Any:
    return x * 2


def _failure(call: Any, what: str) -> tuple[type[BaseException], str]:
    try:
        call()
    except MMDSError as exc:
        return type(exc), str(exc)
    raise AssertionError(f"{what}: no error")


def test_errors_have_the_same_class_and_message(
    api_server: dict[str, str], remote: RemoteRegistry, tmp_path: Path, cancer: dict[str, Any]
) -> None:
    local = Registry(url=f"sqlite:///{tmp_path / 'l.db'}", home=str(tmp_path / "l"), actor="maya")
    # The server's own registry file, to seed what no client may send (a model holding a
    # function: the server never loads one from an upload).
    server_db = Path(api_server["log"]).parent / "mmds.db"
    seed = Registry(url=f"sqlite:///{server_db}", home=str(server_home(api_server)))
    Xtr, y = cancer["X_train"][NUM], cancer["y_train"]
    risky = make_pipeline(FunctionTransformer(_double), LogisticRegression(max_iter=500))
    risky.fit(Xtr, y)
    plain = LogisticRegression(max_iter=500).fit(Xtr, y)
    try:
        for reg in (local, remote):
            track_two(reg, "errors-a", cancer)
            track_two(reg, "errors-b", cancer)
        for reg in (local, seed):
            reg.track(risky, name="risky", project="errors-a")
        calls = {
            "not found": (NotFound, lambda r: r.get("errors-a/nope:1")),
            "no version": (NotFound, lambda r: r.get("errors-a/churn:9")),
            "bad stage": (InvalidInput, lambda r: r.set_stage("errors-a/churn:1", "gone")),
            "bad filter": (InvalidInput, lambda r: r.find(project="errors-a", where="nope>1")),
            "ambiguous": (AmbiguousReference, lambda r: r.get("churn")),
            "untrusted": (UntrustedArtifact, lambda r: r.load("errors-a/risky:1")),
            "bad tag": (InvalidInput, lambda r: r.untag("errors-a/churn:1", "absent")),
            "no name": (InvalidInput, lambda r: r.track(plain)),
        }
        for what, (cls, call) in calls.items():
            here = _failure(lambda: call(local), f"{what} (local)")  # noqa: B023
            there = _failure(lambda: call(remote), f"{what} (remote)")  # noqa: B023
            assert here[0] is cls, (what, here)
            assert there == here, what
        # Trusted, the file loads here as it does locally.
        assert remote.load("errors-a/risky:1", trusted=True).predict(Xtr[:3]).shape == (3,)
    finally:
        local.close()
        seed.close()


def test_a_model_holding_a_function_tracked_through_the_server_is_refused(
    remote: RemoteRegistry, cancer: dict[str, Any]
) -> None:
    # The kernel measures the model itself; the server audits the uploaded file's types.
    Xtr, y = cancer["X_train"][NUM], cancer["y_train"]
    risky = make_pipeline(FunctionTransformer(_double), LogisticRegression(max_iter=500))
    risky.fit(Xtr, y)
    X, y_test = cancer["X_test"][NUM], cancer["y_test"]
    with pytest.raises(UntrustedArtifact, match="_double") as caught:
        remote.track(risky, name="risky", project="refused-fn", X_test=X, y_test=y_test)
    assert "The uploaded model file holds types" in str(caught.value)
    assert len(remote.find(project="refused-fn")) == 0
    with pytest.raises(NotFound):
        remote.get("refused-fn/risky:1")


def test_local_and_remote_capture_the_same_version(
    remote: RemoteRegistry, tmp_path: Path, cancer: dict[str, Any]
) -> None:
    local = Registry(url=f"sqlite:///{tmp_path / 'l.db'}", home=str(tmp_path / "l"), actor="maya")
    try:
        here = [v for v in track_two(local, "same-capture", cancer)]
        there = [v for v in track_two(remote, "same-capture", cancer)]
    finally:
        local.close()
    for a, b in zip(here, there, strict=True):
        a_dict, b_dict = version_dict(a), version_dict(b)
        for field in ("ref", "params", "steps", "features", "outputs", "metrics", "task", "tags"):
            assert a_dict[field] == b_dict[field], field
        assert a.artifact_sha256 == b.artifact_sha256  # the same skops bytes, hashed alike


def test_load_verifies_and_caches_the_file(remote: RemoteRegistry, cancer: dict[str, Any]) -> None:
    _, v2 = track_two(remote, "load-cache", cancer)
    X = cancer["X_test"][NUM]
    expected = remote.load(v2).predict(X)
    cached = remote.cache_path(v2.artifact_sha256 or "")
    assert cached.is_file()
    assert cached.read_bytes() == remote.model_file(v2)[0]
    cached.write_bytes(cached.read_bytes()[:-10] + b"0123456789")  # tampered on disk
    with pytest.warns(CachedFileChanged, match="no longer matches its sha256"):
        model = remote.load(v2.ref)
    np.testing.assert_array_equal(model.predict(X), expected)
    assert remote.model_file(v2)[0] == cached.read_bytes()


def test_a_token_file_others_can_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "token"
    path.write_text("s3cret\n")
    path.chmod(0o644)
    monkeypatch.delenv("MMDS_TOKEN", raising=False)
    monkeypatch.setenv("MMDS_TOKEN_FILE", str(path))
    with pytest.raises(InvalidInput, match=f"{path}.*chmod 600 {path}"):
        read_token()
    with pytest.raises(InvalidInput, match="chmod 600"):
        RemoteRegistry("http://127.0.0.1:9/")
    path.chmod(0o600)
    assert read_token() == "s3cret"
    monkeypatch.setenv("MMDS_TOKEN", "from-env")
    assert read_token() == "from-env"


def test_a_wrong_token_is_access_denied(api_server: dict[str, str], tmp_path: Path) -> None:
    reg = RemoteRegistry(api_server["url"], token="wrong", home=str(tmp_path))
    with pytest.raises(MMDSError, match="refused the request.*MMDS_TOKEN"):
        reg.projects()


def test_plain_http_only_to_this_machine() -> None:
    with pytest.raises(InvalidInput, match="https://models.example.com:8888/"):
        RemoteRegistry("http://models.example.com:8888/", token="t")
    with pytest.raises(InvalidInput, match="not a server URL"):
        RemoteRegistry("ftp://models.example.com/", token="t")


class _Stub(http.server.BaseHTTPRequestHandler):
    """Answers 503 to the first request, then 200: a server restarting."""

    seen: list[str] = []

    def _answer(self) -> None:
        self.seen.append(f"{self.command} {self.path}")
        first = len(self.seen) == 1
        body = json.dumps(
            {"error": "Service Unavailable", "message": "restarting"}
            if first
            else {"latest_event_id": 7}
        ).encode()
        self.send_response(503 if first else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    """A tiny local HTTP stub (not an MMDS server), for the retry rule alone."""
    _Stub.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_get_is_retried_after_a_503(stub: str, tmp_path: Path) -> None:
    reg = RemoteRegistry(stub, token="t", home=str(tmp_path), backoff=0.01)
    assert reg.latest_event_id() == 7
    assert _Stub.seen == ["GET /mmds/api/changes", "GET /mmds/api/changes"]


def test_a_post_is_never_retried(stub: str, tmp_path: Path) -> None:
    reg = RemoteRegistry(stub, token="t", home=str(tmp_path), backoff=0.01)
    with pytest.raises(ServerUnavailable, match="failed \\(503"):
        reg.gc()
    assert _Stub.seen == ["POST /mmds/api/gc"]


class _KeepAlive(_Stub):
    protocol_version = "HTTP/1.1"  # connections stay open between requests


def test_a_registry_dropped_without_close_closes_its_connections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Stub.seen = ["(the first answer is a 200)"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lost: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", lost.append)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)
            url = f"http://127.0.0.1:{server.server_address[1]}/"
            reg = RemoteRegistry(url, token="t", home=str(tmp_path))
            assert reg.latest_event_id() == 7  # one kept-alive connection in its pool
            del reg
            gc.collect()
    finally:
        server.shutdown()
        server.server_close()
    assert [str(u.exc_value) for u in lost] == []


def test_an_unreachable_server_is_one_clear_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    reg = RemoteRegistry(f"http://127.0.0.1:{port}/", token="t", home=str(tmp_path), backoff=0.01)
    with pytest.raises(ServerUnavailable, match="did not answer .* after 5 tries.*MMDS_URL"):
        reg.projects()
    with pytest.raises(ServerUnavailable, match="not retried.*mmds.events"):
        reg.tag("churn:1", {"a": "b"})


def test_mmds_url_selects_the_server(
    api_server: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cancer: dict[str, Any],
) -> None:
    import mmds_jupyter as mmds
    from mmds_jupyter.cli import main

    monkeypatch.setenv("MMDS_TOKEN", api_server["token"])
    monkeypatch.setenv("MMDS_HOME", str(tmp_path))
    monkeypatch.setenv("MMDS_URL", api_server["url"])
    monkeypatch.setattr(mmds, "_default", None)
    try:
        assert isinstance(mmds.default_registry(), RemoteRegistry)
        track_two(mmds.default_registry(), "selected", cancer)
        assert len(mmds.find(project="selected")) == 2
        main(["list", "--project", "selected", "--json"])
        assert {r["ref"] for r in json.loads(capsys.readouterr().out)} == {
            "selected/churn:1",
            "selected/churn:2",
        }
        monkeypatch.delenv("MMDS_URL")
        main(["--url", api_server["url"], "show", "selected/churn:1", "--json"])
        assert json.loads(capsys.readouterr().out)["ref"] == "selected/churn:1"
        local = mmds.connect(f"sqlite:///{tmp_path / 'l.db'}")
        assert isinstance(local, Registry)
        with pytest.raises(InvalidInput, match="https://"):
            mmds.connect("http://models.example.com/")
    finally:
        if mmds._default is not None:
            mmds._default.close()
        monkeypatch.setattr(mmds, "_default", None)
