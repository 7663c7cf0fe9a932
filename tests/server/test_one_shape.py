"""One shape per concept across front ends: a version as JSON is the same from the CLI and REST."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mmds_jupyter import cli

pytestmark = pytest.mark.timeout(120)
OPENAPI = Path(cli.__file__).with_name("server") / "openapi.json"
# What the REST detail adds to a version: its surroundings, not the version's own fields.
DETAIL_ONLY = {
    "datasets",
    "children",
    "events",
    "notebook_link",
    "scoring_tests",
    "default_params",
    "review",
}


@pytest.mark.parametrize("ref", ["risk/churn:2", "risk/churn_small:1", "health/progress:1"])
async def test_mmds_show_json_is_the_rest_version(
    jp_fetch: Any, mmds_registry: dict[str, str], capsys: Any, ref: str
) -> None:
    resp = await jp_fetch("mmds", "api", "versions", ref)
    rest = json.loads(resp.body)
    argv = ["--url", mmds_registry["url"], "--home", mmds_registry["home"], "show", ref, "--json"]
    assert cli.main(argv) == 0
    shown = json.loads(capsys.readouterr().out)
    assert set(rest) - set(shown) == DETAIL_ONLY
    assert shown == {k: rest[k] for k in shown}
    # Every key is documented, and the metrics come in one order (slice, then name).
    schema = json.loads(OPENAPI.read_text())["components"]["schemas"]["Version"]
    assert set(shown) | DETAIL_ONLY == set(schema["properties"])
    keys = [(m["slice"] or "", m["name"]) for m in shown["metrics"]]
    assert keys == sorted(keys)


async def test_the_server_serves_stages_and_metric_directions(jp_fetch: Any) -> None:
    """The panel takes its vocabulary from here; TypeScript keeps no copy of it."""
    from mmds_jupyter.entities import STAGES
    from mmds_jupyter.ranking import HEADLINE, LOWER_IS_BETTER, UNRANKED

    info = json.loads((await jp_fetch("mmds", "api")).body)
    assert info["stages"] == list(STAGES)
    assert info["lower_is_better"] == sorted(LOWER_IS_BETTER)
    assert info["headline_metrics"] == list(HEADLINE)
    assert info["unranked"] == sorted(UNRANKED) == ["rows"]
    schema = json.loads(OPENAPI.read_text())["components"]["schemas"]["ServerInfo"]
    assert {"stages", "lower_is_better", "unranked", "headline_metrics"} <= set(schema["required"])

    words = {*STAGES, *LOWER_IS_BETTER, *HEADLINE}
    src = Path(cli.__file__).parents[1] / "labextension" / "src"
    for path in src.glob("*.ts"):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(), flags=re.S)
        literals = set(re.findall(r"""['"`]-?([a-z_]+)['"`]""", code))
        assert not literals & words, f"{path.name} spells {sorted(literals & words)} itself"
