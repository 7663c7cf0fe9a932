"""REST search over a registry built for it: negations, archived versions, data sets, test sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_search_filters import add  # tests/ is on sys.path: its conftest.py is not in a package
from tornado.httpclient import HTTPClientError

from mmds_jupyter.registry import Registry

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def mmds_registry(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Overrides the shared registry: versions written straight to the store."""
    root: Path = tmp_path_factory.mktemp("search")
    url, home = f"sqlite:///{root / 'mmds.db'}", str(root / "home")
    reg = Registry(url=url, home=home, actor="maya")
    add(reg, "uses", used=("collections_flag", "age"), roc_auc=0.7, test="aa11", train="bb11")
    add(reg, "drops", used=("age",), unused=("collections_flag",), roc_auc=0.8, test="aa11")
    add(reg, "old", used=("age",), roc_auc=0.99, stage="archived", test="cc22", train="bb11")
    reg.close()
    return {"url": url, "home": home}


async def get(jp_fetch: Any, *parts: str, **params: Any) -> Any:
    resp = await jp_fetch("mmds", "api", *parts, params=params or None)
    return json.loads(resp.body)


async def error(jp_fetch: Any, *parts: str, **params: Any) -> tuple[int, dict[str, Any]]:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mmds", "api", *parts, params=params or None)
    resp = info.value.response
    assert resp is not None
    return info.value.code, json.loads(resp.body)


def refs(page: dict[str, Any]) -> list[str]:
    return [v["ref"] for v in page["items"]]


async def test_without_feature(jp_fetch: Any) -> None:
    page = await get(jp_fetch, "versions", without_feature="collections_flag", stage="development")
    assert refs(page) == ["risk/drops:1"]
    code, body = await error(jp_fetch, "versions", feature="!collections_flag")
    assert code == 400 and "without_feature='collections_flag'" in body["message"]


async def test_unknown_metric_is_400_naming_known_ones(jp_fetch: Any) -> None:
    code, body = await error(jp_fetch, "versions", order_by="-roc_aux")
    assert code == 400 and "roc_aux" in body["message"] and "roc_auc" in body["message"]


async def test_vocabulary_of_a_search(jp_fetch: Any) -> None:
    names = await get(jp_fetch, "vocabulary", stage="development")
    assert names["features"] == ["age", "collections_flag"] and names["metrics"] == ["roc_auc"]
    names = await get(jp_fetch, "vocabulary", name="drops")
    assert names["features"] == ["age"]  # collections_flag is a column drops does not use
    code, body = await error(jp_fetch, "vocabulary", limit="0")
    assert code == 400 and "limit" in body["message"]
    for route in ("vocabulary", "versions"):  # a whole number left empty is a mistake, said so
        code, body = await error(jp_fetch, route, limit="")
        assert code == 400 and "limit= is empty" in body["message"], body


async def test_archived_versions_only_when_asked(jp_fetch: Any) -> None:
    ranked = await get(jp_fetch, "versions", order_by="-roc_auc")
    assert refs(ranked) == ["risk/drops:1", "risk/uses:1"] and ranked["total"] == 2
    every = await get(jp_fetch, "versions", order_by="-roc_auc", include_archived="true")
    assert refs(every) == ["risk/old:1", "risk/drops:1", "risk/uses:1"]
    assert refs(await get(jp_fetch, "versions", stage="archived")) == ["risk/old:1"]
    code, body = await error(jp_fetch, "versions", include_archived="maybe")
    assert code == 400 and "include_archived" in body["message"]


async def test_versions_by_dataset(jp_fetch: Any) -> None:
    page = await get(jp_fetch, "versions", dataset="bb11", dataset_role="train")
    assert refs(page) == ["risk/uses:1"]
    assert page["items"][0]["train_set"] == "bb11" and page["items"][0]["test_set"] == "aa11"
    assert "train_set" not in page["items"][0]["metrics"]
    page = await get(jp_fetch, "versions", dataset="aa11", dataset_role="test")
    assert refs(page) == ["risk/drops:1", "risk/uses:1"]
    code, body = await error(jp_fetch, "versions", dataset="dead")
    assert code == 404 and "'dead'" in body["message"]
    code, body = await error(jp_fetch, "versions", dataset="aa11", dataset_role="both")
    assert code == 400 and "dataset_role" in body["message"]


async def test_rankings_and_comparisons_name_their_test_sets(
    jp_fetch: Any, http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str
) -> None:
    page = await get(jp_fetch, "versions", order_by="-roc_auc", include_archived="true")
    assert "3 different test sets" not in " ".join(page["warnings"])
    assert "2 different test sets" in page["warnings"][0]
    assert (await get(jp_fetch, "versions", order_by="-roc_auc"))["warnings"] == []
    resp = await http_server_client.fetch(
        f"{jp_base_url}mmds/api/compare?refs=risk%2Fuses%3A1&refs=risk%2Fold%3A1",
        headers=jp_auth_header,
    )
    assert "2 different test sets" in json.loads(resp.body)["warnings"][0]
    detail = await get(jp_fetch, "versions", "risk/uses:1")
    assert {m["dataset_hash"] for m in detail["metrics"]} == {"aa11"}


async def test_count_false_spares_the_count_of_a_full_page(jp_fetch: Any) -> None:
    """RemoteRegistry's search reads pages alone: with count=false a full page answers
    without counting what lies beyond it; the last page is exact either way."""
    counted = await get(jp_fetch, "versions", limit="1", include_archived="true")
    assert (counted["total"], counted["total_exact"]) == (3, True)
    page = await get(jp_fetch, "versions", limit="1", include_archived="true", count="false")
    assert refs(page) == refs(counted)
    assert (page["total"], page["total_exact"]) == (1, False)
    last = await get(jp_fetch, "versions", limit="2", offset="2", include_archived="true",
                     count="false")  # fmt: skip
    assert (last["total"], last["total_exact"]) == (3, True)
    code, body = await error(jp_fetch, "versions", count="perhaps")
    assert code == 400 and "count='perhaps' is not true or false" in body["message"]
    code, body = await error(jp_fetch, "versions", count="")
    assert code == 400 and "count= is empty" in body["message"]
