"""Model files over REST: a streamed, content-addressed upload (PUT/HEAD artifacts/<sha256>),
a streamed download, and track under an Idempotency-Key applied once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.capture.serialize import dump, load
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]
LIMIT = 200_000


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def jp_server_config(tmp_path: Path, home: Path) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": f"sqlite:///{tmp_path / 'mmds.db'}", "home": str(home), "actor": "maya"},
        "MMDSExtension": {"max_upload_bytes": LIMIT},
    }


async def put(jp_fetch: Any, sha: str, data: bytes) -> tuple[int, Any]:
    resp = await jp_fetch(
        "mmds", "api", "artifacts", sha, method="PUT", body=data, raise_error=False,
        headers={"Content-Type": "application/octet-stream"},
    )  # fmt: skip
    return resp.code, json.loads(resp.body)


async def head(jp_fetch: Any, sha: str) -> Any:
    return await jp_fetch("mmds", "api", "artifacts", sha, method="HEAD", raise_error=False)


async def track(jp_fetch: Any, body: dict[str, Any], key: str | None) -> tuple[int, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    resp = await jp_fetch(
        "mmds", "api", "track", method="POST", body=json.dumps(body), headers=headers,
        raise_error=False,
    )  # fmt: skip
    return resp.code, json.loads(resp.body)


def leftovers(home: Path) -> list[Path]:
    return list((home / "artifacts").glob("*/.*.tmp"))


async def test_an_upload_is_stored_under_its_hash_once(jp_fetch: Any, home: Path) -> None:
    data = b"model bytes " * 1000
    sha = hashlib.sha256(data).hexdigest()
    resp = await head(jp_fetch, sha)
    assert resp.code == 404 and int(resp.headers["X-MMDS-Max-Upload"]) == LIMIT
    code, got = await put(jp_fetch, sha, data)
    assert code == 201 and got == {"sha256": sha, "stored": True, "bytes": len(data)}
    assert (home / "artifacts" / sha[:2] / sha).read_bytes() == data
    assert (await head(jp_fetch, sha)).code == 200
    # The server has it: a second upload is not stored again.
    code, got = await put(jp_fetch, sha, data)
    assert code == 200 and got["stored"] is False
    assert leftovers(home) == []


async def test_bytes_that_do_not_match_their_address_are_refused(jp_fetch: Any, home: Path) -> None:
    data = b"what was sent"
    sha = hashlib.sha256(b"what was meant").hexdigest()
    code, err = await put(jp_fetch, sha, data)
    assert code == 400 and "damaged on the way" in err["message"], err
    assert (await head(jp_fetch, sha)).code == 404
    assert leftovers(home) == []  # the temporary file is gone too
    code, err = await put(jp_fetch, "../../etc/passwd", data)
    assert code in (400, 404) and "error" in err
    code, err = await put(jp_fetch, "A" * 64, data)
    assert code == 400 and "not a sha256" in err["message"]
    assert (await head(jp_fetch, "A" * 64)).code == 400


async def test_a_file_over_the_limit_is_a_413(jp_fetch: Any, home: Path) -> None:
    data = bytes(LIMIT + 1)
    code, err = await put(jp_fetch, hashlib.sha256(data).hexdigest(), data)
    assert code == 413 and f"{LIMIT:,} bytes" in err["message"], err
    assert leftovers(home) == []


async def test_a_retried_track_makes_one_version(
    jp_fetch: Any, home: Path, tmp_path: Path, cancer: Any
) -> None:
    model = LogisticRegression(max_iter=500).fit(cancer["X_train"][COLS], cancer["y_train"])
    data = dump(model, "skops")
    sha = hashlib.sha256(data).hexdigest()
    assert (await put(jp_fetch, sha, data))[0] == 201
    body = {"model_sha256": sha, "name": "churn", "project": "risk"}
    code, first = await track(jp_fetch, body, "key-1")
    assert code == 201 and first["ref"] == "risk/churn:1", first
    # The same call again (its answer was lost, say): the same version, no second one.
    code, again = await track(jp_fetch, body, "key-1")
    assert code == 201 and again["ref"] == "risk/churn:1", again
    # The key with another request is refused, naming the fix.
    code, err = await track(jp_fetch, {**body, "description": "other"}, "key-1")
    assert code == 409 and "new key" in err["message"], err
    code, err = await track(jp_fetch, body, " ")
    assert code == 400 and "Idempotency-Key is empty" in err["message"], err
    # Without a key, or with a new one, each track is a new version.
    code, other = await track(jp_fetch, body, "key-2")
    assert code == 201 and other["ref"] == "risk/churn:2"
    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(home))
    try:
        assert len(reg.find(project="risk")) == 2
    finally:
        reg.close()
    # The file comes back as uploaded, with its hash to check.
    resp = await jp_fetch("mmds", "api", "versions", "risk/churn:1", "file")
    assert resp.headers["X-MMDS-SHA256"] == sha and resp.body == data
    assert (load(resp.body, "skops").predict(cancer["X_test"][COLS]) == model.predict(
        cancer["X_test"][COLS])).all()  # fmt: skip


async def test_an_upload_cut_off_by_its_client_leaves_nothing(
    jp_fetch: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str], home: Path
) -> None:
    import asyncio

    await head(jp_fetch, "0" * 64)  # the server is up
    sha = hashlib.sha256(b"x" * 1000).hexdigest()
    reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
    lines = [
        f"PUT {jp_base_url}mmds/api/artifacts/{sha} HTTP/1.1",
        f"Host: 127.0.0.1:{jp_http_port}",
        f"Authorization: {jp_auth_header['Authorization']}",
        "Content-Length: 1000",
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + b"x" * 100)
    await writer.drain()
    while not leftovers(home):  # the server is receiving it
        await asyncio.sleep(0.02)
    writer.close()
    await writer.wait_closed()
    while leftovers(home):  # the server drops what it got when the connection closes
        await asyncio.sleep(0.02)
    assert (await head(jp_fetch, sha)).code == 404


async def test_track_keeps_the_uploaded_file_and_measures_what_it_holds(
    jp_fetch: Any, home: Path, cancer: Any
) -> None:
    """The server keeps the bytes that arrived (skops' own writer here, not MMDS's), after
    loading them with the allow-list to compute the version's metadata itself; a file holding
    a function is refused."""
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    model = LogisticRegression(C=0.5, max_iter=500).fit(cancer["X_train"][COLS], cancer["y_train"])
    data = sio.dumps(model)
    sha = hashlib.sha256(data).hexdigest()
    assert sha != hashlib.sha256(dump(model, "skops")).hexdigest()  # not MMDS's canonical file
    assert (await put(jp_fetch, sha, data))[0] == 201
    test = cancer["X_test"][COLS]
    body = {
        "model_sha256": sha,
        "name": "churn",
        "project": "risk",
        "X_test": {c: test[c].tolist() for c in COLS},
        "y_test": cancer["y_test"].tolist(),
    }
    code, version = await track(jp_fetch, body, None)
    assert code == 201, version
    assert version["artifact_sha256"] == sha
    assert version["params"]["C"] == 0.5
    assert [f["name"] for f in version["features"]] == COLS
    overall = {m["name"]: m["value"] for m in version["metrics"] if not m["slice"]}
    assert overall["accuracy"] == pytest.approx(model.score(test, cancer["y_test"]))
    resp = await jp_fetch("mmds", "api", "versions", "risk/churn:1", "file")
    assert resp.body == data

    bad = sio.dumps(FunctionTransformer(func=print).fit(cancer["X_train"][COLS]))
    bad_sha = hashlib.sha256(bad).hexdigest()
    assert (await put(jp_fetch, bad_sha, bad))[0] == 201
    code, err = await track(jp_fetch, {**body, "model_sha256": bad_sha}, None)
    assert code == 400 and err["error"] == "UntrustedArtifact", err
    assert "builtins.print" in err["message"], err
