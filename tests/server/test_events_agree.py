"""mmds.events(ref=X), `mmds events --ref X` and GET /events?ref=X return the same events.

For a model reference (every version and alias of the model), a version reference (that
version and what hangs under it) and an alias (the alias's own history).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mmds_jupyter.cli import main
from mmds_jupyter.registry import Registry

from .test_routes import get

REFS = ["churn", "risk/churn", "churn:1", "risk/churn:2", "churn@challenger", "churn:latest"]


def python_ids(reg: Registry, ref: str) -> list[int]:
    return [int(i) for i in reg.events(ref=ref, limit=500)["id"]]


def cli_ids(registry: dict[str, str], ref: str, capsys: pytest.CaptureFixture[str]) -> list[int]:
    argv = ["--url", registry["url"], "--home", registry["home"], "events", "--ref", ref]
    assert main([*argv, "--limit", "500", "--json"]) == 0
    return [e["id"] for e in json.loads(capsys.readouterr().out)]


async def test_three_front_ends_list_the_same_events(
    jp_fetch: Any, mmds_registry: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    reg = Registry(url=mmds_registry["url"], home=mmds_registry["home"], actor="kernel")
    try:
        seen = {}
        for ref in REFS:
            ids = python_ids(reg, ref)
            rest = [e["id"] for e in (await get(jp_fetch, "events", ref=ref, limit=500))["items"]]
            assert rest == ids, ref
            assert cli_ids(mmds_registry, ref, capsys) == ids, ref
            seen[ref] = ids
    finally:
        reg.close()
    # The references mean different things: a model's events include each version's.
    assert set(seen["churn:1"]) < set(seen["churn"])
    assert set(seen["risk/churn:2"]) < set(seen["churn"])
    assert seen["churn"] == seen["risk/churn"]
    assert seen["churn@challenger"] and set(seen["churn@challenger"]) < set(seen["churn"])
    assert seen["churn:latest"] == seen["risk/churn:2"]
