"""REST covers the whole registry service interface: every operation has a route in
openapi.json, and a client drives capture, life cycle, contracts, scoring, score sets,
actuals, performance, scoring tests and files over HTTP with the same errors as Python."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.capture.serialize import dump, load
from mmds_jupyter.registry import Registry
from mmds_jupyter.server.routes import handlers
from mmds_jupyter.service import operations

OPENAPI = Path(__file__).parents[2] / "mmds_jupyter" / "server" / "openapi.json"
COLS = ["mean_radius", "mean_texture", "mean_area"]


def spec() -> dict[str, Any]:
    return dict(json.loads(OPENAPI.read_text()))


def test_every_operation_of_the_interface_has_a_route_in_openapi() -> None:
    routed: dict[str, list[str]] = {}
    for path, methods in spec()["paths"].items():
        for method, op in methods.items():
            for name in op.get("x-mmds-operation", []):
                routed.setdefault(name, []).append(f"{method.upper()} {path}")
    missing = sorted(set(operations()) - set(routed))
    assert not missing, f"operations without a REST route: {missing}"
    strangers = sorted(set(routed) - set(operations()))
    assert not strangers, f"routes naming no operation of the interface: {strangers}"


def test_every_documented_path_is_served() -> None:
    import re

    served = [re.compile(pattern.rstrip("/?") + "/?$") for pattern, _ in handlers()]
    for path in spec()["paths"]:
        concrete = "/mmds/api" + re.sub(r"\{[^}]+\}", "1", path).rstrip("/")
        handler = next(
            cls for rx, (_, cls) in zip(served, handlers(), strict=True) if rx.match(concrete)
        )
        assert handler.__name__ != "NotFoundHandler", path


@pytest.fixture
def rest_registry(tmp_path: Path, cancer: Any) -> Iterator[dict[str, Any]]:
    """A registry of its own: risk/churn:1 tracked with test data."""
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    reg = Registry(url=url, home=home, actor="maya")
    lr = LogisticRegression(max_iter=1000).fit(cancer["X_train"][COLS], cancer["y_train"])
    reg.track(
        lr, name="churn", project="risk", X_test=cancer["X_test"][COLS], y_test=cancer["y_test"]
    )
    reg.close()
    yield {"url": url, "home": home, "model": lr}


@pytest.fixture
def jp_server_config(rest_registry: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": rest_registry["url"], "home": rest_registry["home"], "actor": "server"},
    }


async def call(jp_fetch: Any, method: str, path: str, body: Any = None, **query: Any) -> Any:
    parts = path.split("/")
    kwargs: dict[str, Any] = {"method": method, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body).encode()
    if query:
        kwargs["params"] = query
    resp = await jp_fetch("mmds", "api", *parts, **kwargs)
    if resp.headers["Content-Type"].startswith("application/json"):
        return resp.code, json.loads(resp.body)
    return resp.code, resp


async def upload(jp_fetch: Any, data: bytes) -> str:
    """PUT a model file to the server's artifacts, as a client does before track; its sha256."""
    sha = hashlib.sha256(data).hexdigest()
    headers = {"Content-Type": "application/octet-stream"}
    resp = await jp_fetch("mmds", "api", "artifacts", sha, method="PUT", body=data, headers=headers)
    assert resp.code in (200, 201), resp.body
    return sha


def rows(frame: Any) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records"))


async def test_a_client_drives_a_model_through_its_life_over_rest(
    jp_fetch: Any, rest_registry: dict[str, Any], cancer: Any
) -> None:
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    ref = "risk/churn:1"
    # Capture: a second version, its skops file uploaded, then tracked with its test data.
    blob = await upload(jp_fetch, dump(rest_registry["model"], "skops"))
    code, v2 = await call(
        jp_fetch, "POST", "track",
        {"model_sha256": blob, "name": "churn", "project": "risk", "X_test": rows(X),
         "y_test": [int(t) for t in y], "tags": {"via": "rest"}},
    )  # fmt: skip
    assert code == 201, v2
    assert v2["ref"] == "risk/churn:2" and v2["tags"] == {"via": "rest"}
    assert {m["name"] for m in v2["metrics"]} >= {"accuracy", "roc_auc"}
    # The same mistake gets the same error as in Python.
    code, err = await call(
        jp_fetch, "POST", "track", {"model_sha256": blob, "name": "churn", "X_test": rows(X)}
    )
    assert code == 400 and "X_test and y_test" in err["message"]
    # Life cycle.
    code, v = await call(jp_fetch, "POST", f"versions/{ref}/stage", {"stage": "production"})
    assert code == 200 and v["stage"] == "production", v
    code, err = await call(jp_fetch, "POST", f"versions/{ref}/stage", {"stage": "live"})
    assert code == 400 and "Unknown stage 'live'" in err["message"]
    code, v = await call(jp_fetch, "POST", f"versions/{ref}/alias", {"alias": "champion"})
    assert code == 200 and v["aliases"] == ["champion"]
    code, err = await call(jp_fetch, "POST", f"versions/{ref}/alias", {"alias": "latest"})
    assert code == 400 and "'latest' always means" in err["message"]
    code, err = await call(jp_fetch, "POST", f"versions/{ref}/alias", {"alias": "x", "forse": 1})
    assert code == 400 and "'forse'" in err["message"] and "force" in err["message"]
    # Contract.
    code, c = await call(jp_fetch, "GET", f"versions/{ref}/contract")
    assert code == 200 and [i["name"] for i in c["inputs"]] == COLS and c["policy"] == "flag"
    code, c = await call(jp_fetch, "POST", f"versions/{ref}/contract", {"policy": "reject"})
    assert code == 200 and c["policy"] == "reject"
    # Scoring: production stores a score set; the same input twice is refused.
    data = [{**r, "id": i} for i, r in enumerate(rows(X))]
    body = {"rows": data, "mode": "production", "key": ["id"]}
    code, scored = await call(jp_fetch, "POST", "versions/risk/churn@champion/score", body)
    assert code == 200, scored
    expected = rest_registry["model"].predict(X)
    assert [r["prediction"] for r in scored["rows"]] == [int(p) for p in expected]
    assert scored["score_set_id"] and scored["ignored_columns"] == []
    code, err = await call(jp_fetch, "POST", "versions/risk/churn@champion/score", body)
    assert code == 409, err
    code, err = await call(jp_fetch, "POST", f"versions/{ref}/score", {"rows": "data.csv"})
    assert code == 400 and "list of row objects" in err["message"]
    code, sets = await call(jp_fetch, "GET", "score-sets", ref="risk/churn")
    assert code == 200 and [s["id"] for s in sets["items"]] == [scored["score_set_id"]]
    code, one = await call(jp_fetch, "GET", f"score-sets/{scored['score_set_id']}")
    assert code == 200 and len(one["rows"]) == len(X)
    # Actuals, then performance over the score set.
    actual = [{"id": i, "churned": int(t)} for i, t in enumerate(y)]
    code, got = await call(
        jp_fetch, "POST", "versions/risk/churn/actuals",
        {"rows": actual, "key": "id", "target": "churned"},
    )  # fmt: skip
    assert code == 201 and got["matched"] == len(X), got
    code, perf = await call(jp_fetch, "GET", "versions/risk/churn/performance")
    assert code == 200 and len(perf["items"]) == 1
    assert perf["items"][0]["accuracy"] == pytest.approx((expected == y.to_numpy()).mean())
    # Scoring tests.
    few = X.head(5)
    out = [{"prediction": int(p)} for p in rest_registry["model"].predict(few)]
    test_body = {"inputs": rows(few), "expected": out, "name": "smoke"}
    code, made = await call(jp_fetch, "POST", f"versions/{ref}/scoring-tests", test_body)
    assert code == 201, made
    code, ran = await call(jp_fetch, "POST", f"versions/{ref}/scoring-tests/run", {})
    assert code == 200 and [r["passed"] for r in ran["items"]] == [True]
    code, results = await call(jp_fetch, "GET", f"versions/{ref}/scoring-tests")
    assert code == 200 and results["items"][0]["test"] == "smoke"
    # Files: the model file round-trips; PMML exports.
    code, resp = await call(jp_fetch, "GET", f"versions/{ref}/file")
    assert code == 200 and resp.headers["X-MMDS-Format"] == "skops"
    assert (load(resp.body, "skops").predict(X) == expected).all()
    code, resp = await call(jp_fetch, "GET", f"versions/{ref}/pmml")
    assert code == 200 and b"<PMML" in resp.body
    # The audit log is intact and records who did what through the server.
    code, check = await call(jp_fetch, "GET", "events/verify")
    assert code == 200 and check == {"intact": True, "first_bad_event": None}
    code, removed = await call(jp_fetch, "POST", "gc", {"older_than": 3600})
    assert code == 200 and removed == {"removed": []}
    code, err = await call(jp_fetch, "POST", "gc", {"older_than": -1})
    assert code == 400 and "0 or more" in err["message"]


async def test_a_model_file_holding_a_function_is_refused_over_rest(
    jp_fetch: Any, cancer: Any
) -> None:
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(SelectKBest(f_classif, k=2), LogisticRegression(max_iter=1000))
    model.fit(cancer["X_train"][COLS], cancer["y_train"])
    blob = await upload(jp_fetch, dump(model, "skops"))
    code, err = await call(jp_fetch, "POST", "track", {"model_sha256": blob, "name": "fn"})
    assert code == 400 and "f_classif" in err["message"], err
    # Described by the client (as mmds.track through a server sends it): the file's types are
    # audited all the same, and nothing is written.
    described = {"framework": "sklearn", "estimator_class": "sklearn.pipeline.Pipeline"}
    body = {"model_sha256": blob, "name": "fn", "described": described}
    code, err = await call(jp_fetch, "POST", "track", body)
    assert code == 400 and "f_classif" in err["message"], err
    code, err = await call(jp_fetch, "GET", "versions/default/fn:1")
    assert code == 404, err


async def test_a_described_track_is_checked_as_an_import_record(jp_fetch: Any, cancer: Any) -> None:
    model = LogisticRegression(max_iter=1000).fit(cancer["X_train"][COLS], cancer["y_train"])
    blob = await upload(jp_fetch, dump(model, "skops"))
    ok = {"framework": "sklearn", "estimator_class": "sklearn.linear_model.LogisticRegression"}
    bad = {
        "unknown field": ({"origin": "x:1"}, "Unknown field(s) origin"),
        "data beside it": ({}, "send no X_test"),
        "rows not a count": (
            {"datasets": [{"relation": "trained_on", "content_hash": "abcd", "n_rows": "many"}]},
            "n_rows",
        ),
        "notebook not text": ({"provenance": {"notebook": ["nb"]}}, "notebook"),
        "file not uploaded": ({"files": [["baseline", "0" * 64]]}, "[kind, sha256]"),
        "file of no kind": ({"files": [["model", blob]]}, "[kind, sha256]"),
    }
    for what, (fields, message) in bad.items():
        body: dict[str, Any] = {"model_sha256": blob, "name": "d", "described": {**ok, **fields}}
        if what == "data beside it":
            body["X_test"] = {c: [1.0] for c in COLS}
        code, err = await call(jp_fetch, "POST", "track", body)
        assert code == 400 and message in err["message"], (what, err)
    code, err = await call(jp_fetch, "GET", "versions/default/d:1")
    assert code == 404, err
    body = {"model_sha256": blob, "name": "d", "described": ok}
    code, version = await call(jp_fetch, "POST", "track", body)
    assert code == 201 and version["artifact_sha256"] == blob, version


async def test_bodies_are_checked_before_the_registry_is_called(jp_fetch: Any) -> None:
    code, err = await call(jp_fetch, "POST", "versions/risk/churn:1/stage", {})
    assert code == 400 and "'stage'" in err["message"]
    code, err = await call(jp_fetch, "POST", "versions/risk/churn:1/stage", {"stage": 3})
    assert code == 400 and "'stage' must be text" in err["message"]
    code, err = await call(jp_fetch, "POST", "track", {"model_sha256": "%%%", "name": "x"})
    assert code == 400 and "not a sha256" in err["message"], err
    code, err = await call(jp_fetch, "POST", "track", {"model_sha256": "0" * 64, "name": "x"})
    assert code == 400 and "upload the skops file first" in err["message"], err
    for damaged in (b"", b"PK\x03\x04 not a zip"):
        sha = await upload(jp_fetch, damaged)
        for extra in ({}, {"described": {"framework": "sklearn", "estimator_class": "m.C"}}):
            body = {"model_sha256": sha, "name": "x", **extra}
            code, err = await call(jp_fetch, "POST", "track", body)
            assert code == 400 and "skops file" in err["message"], err
    code, err = await call(jp_fetch, "GET", "score-sets/99")
    assert code == 404, err
    code, err = await call(jp_fetch, "POST", "versions/risk/nope:1/stage", {"stage": "validation"})
    assert code == 404, err
    assert urlencode({"a": 1})  # the helpers above build URLs as clients do
