"""The REST API against a real in-process jupyter server and a real SQLite registry."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import XSS

pytestmark = pytest.mark.timeout(120)


async def get(jp_fetch: Any, *parts: str, **params: Any) -> Any:
    resp = await jp_fetch("mmds", "api", *parts, params=params or None)
    assert resp.headers["Content-Type"].startswith("application/json")
    return json.loads(resp.body)


@pytest.fixture
def raw(http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str) -> Any:
    """GET an already-encoded path under the API (jp_fetch would encode it again)."""

    async def fetch(path: str) -> Any:
        resp = await http_server_client.fetch(
            f"{jp_base_url}mmds/api/{path}", headers=jp_auth_header, raise_error=False
        )
        return resp.code, json.loads(resp.body)

    return fetch


async def error(jp_fetch: Any, *parts: str, **params: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mmds", "api", *parts, params=params or None)
    resp = info.value.response
    assert resp is not None
    return info.value.code, json.loads(resp.body)


async def test_projects_and_models(jp_fetch: Any) -> None:
    projects = await get(jp_fetch, "projects")
    assert {p["name"]: p["versions"] for p in projects["items"]} == {"health": 1, "risk": 4}
    models = await get(jp_fetch, "models", project="risk")
    assert [m["name"] for m in models["items"]] == ["churn", "churn_small", "odd"]
    assert models["items"][0]["versions"] == 2


async def test_versions_newest_first_with_headline(jp_fetch: Any) -> None:
    page = await get(jp_fetch, "versions")
    assert page["total"] == 5 and page["offset"] == 0 and page["limit"] == 50
    refs = [v["ref"] for v in page["items"]]
    assert refs[0] == "health/progress:1" and refs[-1] == "risk/churn:1"
    churn2 = next(v for v in page["items"] if v["ref"] == "risk/churn:2")
    assert churn2["stage"] == "validation" and churn2["author"] == "maya"
    assert churn2["aliases"] == ["challenger"]
    assert churn2["headline"]["name"] == "roc_auc"
    assert 0.5 < churn2["metrics"]["roc_auc"] <= 1.0
    ridge = page["items"][0]
    assert ridge["headline"]["name"] == "r2"


async def test_versions_filters_and_paging(jp_fetch: Any) -> None:
    by_feature = await get(jp_fetch, "versions", feature="mean_texture")
    assert {v["ref"] for v in by_feature["items"]} == {
        "risk/churn:1",
        "risk/churn:2",
        "risk/churn_small:1",
        "risk/odd:1",
    }
    by_metric = await get(jp_fetch, "versions", project="risk", where="roc_auc>0.95")
    assert by_metric["total"] >= 1
    assert all(v["metrics"]["roc_auc"] > 0.95 for v in by_metric["items"])
    both = await get(jp_fetch, "versions", where="roc_auc>0.5,accuracy>0.5", stage="validation")
    assert [v["ref"] for v in both["items"]] == ["risk/churn:2"]
    assert (await get(jp_fetch, "versions", tag="team=credit"))["total"] == 2
    assert (await get(jp_fetch, "versions", author="nobody"))["total"] == 0
    sliced = await get(jp_fetch, "versions", name="churn", slice="country=US")
    assert sliced["total"] == 2 and sliced["items"][0]["slice"] == "country=US"
    assert "roc_auc" in sliced["items"][0]["metrics"]
    page1 = await get(jp_fetch, "versions", limit="2", offset="0")
    page2 = await get(jp_fetch, "versions", limit="2", offset="2")
    assert page1["total"] == page2["total"] == 5
    assert not {v["ref"] for v in page1["items"]} & {v["ref"] for v in page2["items"]}
    capped = await get(jp_fetch, "versions", limit="100000")
    assert capped["limit"] == 500
    ordered = await get(jp_fetch, "versions", project="risk", name="churn", order_by="-version")
    assert [v["version"] for v in ordered["items"]] == [2, 1]
    typed = await get(jp_fetch, "versions", name_contains="CHURN")
    assert {v["ref"] for v in typed["items"]} == {
        "risk/churn:1",
        "risk/churn:2",
        "risk/churn_small:1",
    }
    by_project = await get(jp_fetch, "versions", name_contains="heal")
    assert [v["ref"] for v in by_project["items"]] == ["health/progress:1"]
    assert (await get(jp_fetch, "versions", name_contains="n%s"))["total"] == 0


async def test_repeated_where_arguments(raw: Any) -> None:
    code, body = await raw("versions?where=roc_auc%3E0.5&where=accuracy%3E0.99")
    assert code == 200
    assert all(v["metrics"]["accuracy"] > 0.99 for v in body["items"])


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"where": "roc_auc>>0.8"}, "roc_auc>>0.8"),
        ({"where": "roc_auc>abc"}, "roc_auc>abc"),
        ({"stage": "heaven"}, "heaven"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"since": "yesterday-ish"}, "since"),
        ({"slice": "US"}, "US"),
        ({"order_by": "roc_auc; drop table"}, "order_by"),
    ],
)
async def test_malformed_filters_are_400_naming_the_bad_part(
    jp_fetch: Any, params: dict[str, str], fragment: str
) -> None:
    code, body = await error(jp_fetch, "versions", **params)
    assert code == 400
    assert body["error"] == "InvalidInput"
    assert fragment in body["message"]


async def test_version_detail(jp_fetch: Any, raw: Any) -> None:
    v = await get(jp_fetch, "versions", "risk/churn:2")
    assert v["ref"] == "risk/churn:2" and v["parent_ref"] == "risk/churn:1"
    assert v["estimator_class"].endswith("RandomForestClassifier")
    assert v["params"]["n_estimators"] == 20
    assert {m["slice"] for m in v["metrics"]} >= {None, "country=US", "country=DE"}
    assert {d["relation"] for d in v["datasets"]} == {"trained_on", "evaluated_on"}
    assert v["environment"]["libraries"]["scikit-learn"]
    assert [e["action"] for e in v["events"]] == ["version.stage", "version.create"]
    assert v["notebook_link"] is None
    assert (await get(jp_fetch, "versions", "risk/churn:1"))["children"] == ["risk/churn:2"]
    code, alias = await raw("versions/" + quote("risk/churn@challenger", safe=""))
    assert code == 200 and alias["ref"] == "risk/churn:2"
    latest = await get(jp_fetch, "versions", "progress:latest")
    assert latest["ref"] == "health/progress:1"
    code, lin = await raw("versions/risk%2Fchurn%3A2/lineage")
    assert code == 200 and lin["root"]


async def test_unknown_and_bad_refs(jp_fetch: Any, raw: Any) -> None:
    code, body = await raw("versions/risk%2Fnosuch%3A1")
    assert code == 404 and body["error"] == "NotFound" and "nosuch" in body["message"]
    code, body = await error(jp_fetch, "versions", "risk/churn:99")
    assert code == 404 and "99" in body["message"]
    code, body = await error(jp_fetch, "versions", "a b c")
    assert code == 400 and body["error"] == "InvalidInput"
    code, body = await error(jp_fetch, "versions", "risk/nosuch:1", "lineage")
    assert code == 404
    code, body = await error(jp_fetch, "no", "such", "route")
    assert code == 404 and "no/such/route" in body["message"]


async def test_lineage(jp_fetch: Any) -> None:
    lin = await get(jp_fetch, "versions", "risk/churn:2", "lineage")
    kinds = {n["kind"] for n in lin["nodes"]}
    assert kinds == {"version", "dataset"}
    labels = {n["label"] for n in lin["nodes"]}
    assert "risk/churn:1" in labels and "risk/churn:2" in labels
    assert {"derived_from", "trained_on", "evaluated_on"} <= {e["relation"] for e in lin["edges"]}
    root = next(n for n in lin["nodes"] if n["key"] == lin["root"])
    assert root["level"] == 0
    code, body = await error(jp_fetch, "versions", "risk/churn:2", "lineage", depth="x")
    assert code == 400 and "depth" in body["message"]


async def test_compare(jp_fetch: Any, raw: Any) -> None:
    code, cmp = await raw("compare?refs=risk%2Fchurn%3A1&refs=risk%2Fchurn%3A2")
    assert code == 200
    assert cmp["refs"] == ["risk/churn:1", "risk/churn:2"]
    est = next(r for r in cmp["rows"] if r["key"] == "estimator")
    assert est["differs"] is True
    assert {c["metric"] for c in cmp["charts"]} >= {"roc_auc", "accuracy", "log_loss"}
    log_loss = next(c for c in cmp["charts"] if c["metric"] == "log_loss")
    assert log_loss["lower_is_better"] is True and len(log_loss["values"]) == 2
    roc = next(r for r in cmp["rows"] if r["key"] == "roc_auc")
    assert roc["deltas"][0] is None
    assert roc["deltas"][1] == pytest.approx(roc["values"][1] - roc["values"][0])
    assert log_loss["missing"] == []
    assert [r["section"] for r in cmp["rows"]][0] == "metrics"
    code, body = await error(jp_fetch, "compare", refs="risk/churn:1")
    assert code == 400 and "at least two" in body["message"]
    code, body = await error(jp_fetch, "compare")
    assert code == 400


async def test_events_and_changes(jp_fetch: Any, writer: Any, cancer: Any) -> None:
    events = await get(jp_fetch, "events", limit="3")
    assert len(events["items"]) == 3 and events["items"][0]["action"] == "alias.set"
    mine = await get(jp_fetch, "versions", "risk/churn:2", "events")
    assert {e["object_ref"] for e in mine["items"]} == {"risk/churn:2"}
    before = await get(jp_fetch, "changes")
    assert before["latest_event_id"] == events["items"][0]["id"]
    writer.set_stage("health/progress:1", "validation")
    after = await get(jp_fetch, "changes")
    assert after["latest_event_id"] > before["latest_event_id"]
    newest = await get(jp_fetch, "events", limit="1")
    assert newest["items"][0]["actor"] == "kernel"
    writer.set_stage("health/progress:1", "development")


async def test_markup_comes_back_as_text(jp_fetch: Any) -> None:
    v = await get(jp_fetch, "versions", "risk/churn_small:1")
    assert v["tags"]["note"] == XSS and XSS in v["description"]
    odd = await get(jp_fetch, "versions", "risk/odd:1")
    assert XSS in [f["name"] for f in odd["features"]]
    found = await get(jp_fetch, "versions", feature=XSS)
    assert [v["ref"] for v in found["items"]] == ["risk/odd:1"]


async def test_openapi_document_is_served(jp_fetch: Any) -> None:
    doc = await get(jp_fetch, "openapi.json")
    assert doc["openapi"].startswith("3.")
    assert "/versions/{ref}/lineage" in doc["paths"]
    info = await get(jp_fetch)
    assert info["registry"].startswith("sqlite:///") and info["max_limit"] == 500


async def test_registry_comes_from_mmds_config(jp_serverapp: Any, mmds_registry: Any) -> None:
    ext = jp_serverapp.extension_manager.extension_apps["mmds_jupyter.server"]
    app = next(iter(ext))
    assert app.registry.url == mmds_registry["url"]
    assert app.registry.actor == "server"


async def test_version_detail_shows_scoring_test_results(jp_fetch: Any, writer: Any) -> None:
    version = writer.get("health/progress:1")
    import pandas as pd

    contract = writer.contract(version)
    row = {i.name: (i.min if i.min is not None else 0.0) for i in contract.inputs}
    frame = pd.DataFrame([row] * 3)
    expected = writer.score(version, frame).outputs
    writer.create_scoring_test(version, frame, expected, name="api_check")
    writer.run_scoring_tests(version, name="api_check")
    v = await get(jp_fetch, "versions", "health/progress:1")
    newest = v["scoring_tests"][0]
    assert newest["test"] == "api_check" and newest["passed"] is True
    assert newest["n_rows"] == 3 and newest["n_mismatched"] == 0
