"""GET /mmds/api/datasets/{content_hash}: a data set's page over REST, and its 4xx answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry
from tests.test_search_filters import add

pytestmark = pytest.mark.timeout(120)

NUMERIC = ["mean_radius", "mean_texture"]
TWINS = ("abcdef01a" + "0" * 55, "abcdef01b" + "0" * 55)


@pytest.fixture(scope="module")
def mmds_registry(tmp_path_factory: pytest.TempPathFactory, cancer: Any) -> dict[str, Any]:
    """This module's own registry: a tracked model, and two data sets whose hashes share
    their first 8 hex digits (written to the store, as no real data hashes so)."""
    root = tmp_path_factory.mktemp("datasets")
    url, home = f"sqlite:///{root / 'mmds.db'}", str(root / "home")
    reg = Registry(url=url, home=home, actor="maya")
    model = LogisticRegression(max_iter=500).fit(cancer["X_train"][NUMERIC], cancer["y_train"])
    v = reg.track(
        model,
        name="churn",
        project="risk",
        X_test=cancer["X_test"][NUMERIC + ["country"]],
        y_test=cancer["y_test"],
        X_train=cancer["X_train"][NUMERIC],
        y_train=cancer["y_train"],
    )
    hashes = {d["relation"]: d["content_hash"] for d in reg.datasets(v.ref)}
    add(reg, "twins", train=TWINS[0], test=TWINS[1])
    expected = reg.dataset(hashes["evaluated_on"])
    reg.close()
    return {"url": url, "home": home, "ref": v.ref, "hashes": hashes, "expected": expected}


async def fetch(client: Any, base: str, auth: dict[str, str], path: str) -> tuple[int, Any]:
    resp = await client.fetch(f"{base}mmds/api/{path}", headers=auth, raise_error=False)
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.code, json.loads(resp.body)


@pytest.fixture
def get(http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str) -> Any:
    async def call(path: str) -> tuple[int, Any]:
        return await fetch(http_server_client, jp_base_url, jp_auth_header, path)

    return call


async def test_a_data_set_by_hash_or_prefix(get: Any, mmds_registry: dict[str, Any]) -> None:
    test = mmds_registry["hashes"]["evaluated_on"]
    code, page = await get(f"datasets/{test}")
    assert code == 200 and page == mmds_registry["expected"]
    assert page["tested_on"][0]["ref"] == mmds_registry["ref"] and page["trained_on"] == []
    assert page["schema"]["mean_radius"] == "float64" and page["stats"]["country"]["top"]
    code, short = await get(f"datasets/{test[:8].upper()}")
    assert code == 200 and short == page
    train = mmds_registry["hashes"]["trained_on"]
    code, trained = await get(f"datasets/{train[:12]}")
    assert code == 200 and trained["trained_on"][0]["ref"] == mmds_registry["ref"]
    assert set(NUMERIC) < set(trained["schema"]) and "country" not in trained["schema"]


async def test_bad_unknown_and_ambiguous_hashes(get: Any) -> None:
    code, body = await get("datasets/abcdef01")
    assert code == 409 and body["error"] == "AmbiguousReference"
    assert "abcdef01a000" in body["message"] and "abcdef01b000" in body["message"]
    code, body = await get("datasets/ffffffff")
    assert code == 404 and body["error"] == "NotFound" and "'ffffffff'" in body["message"]
    for bad in ("abc", "not-a-hash", "%20", "a" * 65):
        code, body = await get(f"datasets/{bad}")
        assert code == 400 and body["error"] == "InvalidInput", bad
        assert "at least its first 8 hex digits" in body["message"]
    code, body = await get(f"datasets/{TWINS[1][:9]}")
    assert code == 200 and [v["ref"] for v in body["tested_on"]] == ["risk/twins:1"]
