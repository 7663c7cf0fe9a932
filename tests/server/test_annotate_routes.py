"""POST versions/REF/tag|untag|describe: a client changes tags and the description afterwards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry


@pytest.fixture
def annotated_registry(tmp_path: Path, cancer: Any) -> Iterator[dict[str, str]]:
    """A registry of its own (the shared one stays untouched): risk/churn:1, tagged team=credit."""
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    reg = Registry(url=url, home=home, actor="maya")
    cols = ["mean_radius", "mean_texture"]
    lr = LogisticRegression(max_iter=500).fit(cancer["X_train"][cols], cancer["y_train"])
    reg.track(lr, name="churn", project="risk", tags={"team": "credit"}, description="first")
    reg.close()
    yield {"url": url, "home": home}


@pytest.fixture
def jp_server_config(annotated_registry: dict[str, str]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {**annotated_registry, "actor": "server"},
    }


async def send(jp_fetch: Any, action: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = await jp_fetch(
        "mmds", "api", "versions", "risk/churn:1", action, method="POST", body=data,
        raise_error=False,
    )  # fmt: skip
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.code, json.loads(resp.body)


async def test_tag_untag_and_describe_a_version(jp_fetch: Any, annotated_registry: Any) -> None:
    code, v = await send(jp_fetch, "tag", {"tags": {"owner": "alice", "team": "retention"}})
    assert code == 200 and v["tags"] == {"owner": "alice", "team": "retention"}
    code, v = await send(jp_fetch, "untag", {"keys": ["team"]})
    assert code == 200 and v["tags"] == {"owner": "alice"}
    code, v = await send(jp_fetch, "describe", {"description": "Retrained on March data."})
    assert code == 200 and v["description"] == "Retrained on March data."
    code, v = await send(jp_fetch, "describe", {"description": None})
    assert code == 200 and v["description"] is None
    events = json.loads((await jp_fetch("mmds", "api", "versions", "risk/churn:1", "events")).body)[
        "items"
    ]
    assert [e["action"] for e in events][:4] == [
        "version.describe",
        "version.describe",
        "version.untag",
        "version.tag",
    ]
    assert events[3]["actor"] == "server"
    assert events[3]["before"] == {"tags": {"owner": None, "team": "credit"}}
    assert events[3]["after"] == {"tags": {"owner": "alice", "team": "retention"}}


@pytest.mark.parametrize(
    "action, body, status, match",
    [
        ("tag", b"not json", 400, "JSON object"),
        ("tag", {"tags": {}}, 400, "at least one tag"),
        ("tag", {"tags": {"a": 1}}, 400, "text values"),
        ("tag", {"tags": {"": "x"}}, 400, "not valid"),
        ("tag", {"tags": {"k": "x"}, "extra": 1}, 400, "JSON object"),
        ("untag", {"keys": ["ghost"]}, 400, "has no tag 'ghost'"),
        ("untag", {"keys": "team"}, 400, "list of tag keys"),
        ("describe", {"description": 3}, 400, "text or null"),
    ],
)
async def test_bad_bodies_are_400_and_change_nothing(
    jp_fetch: Any, annotated_registry: Any, action: str, body: Any, status: int, match: str
) -> None:
    code, err = await send(jp_fetch, action, body)
    assert code == status and match in err["message"]
    reg = Registry(**annotated_registry)
    try:
        v = reg.get("risk/churn:1")
        assert v.tags == {"team": "credit"} and v.description == "first"
        assert list(reg.events()["action"]) == ["version.create"]
    finally:
        reg.close()


async def test_unknown_version_is_404(jp_fetch: Any) -> None:
    resp = await jp_fetch(
        "mmds", "api", "versions", "risk/ghost:1", "tag", method="POST",
        body=json.dumps({"tags": {"a": "b"}}).encode(), raise_error=False,
    )  # fmt: skip
    assert resp.code == 404
