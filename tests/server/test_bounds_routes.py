"""Numbers in REST requests (versions in references, ages) are 400s with a JSON message."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(120)

HUGE = "99999999999999999999"


@pytest.fixture
def raw(http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str) -> Any:
    """GET an already-encoded path under the API; returns (status, JSON body)."""

    async def fetch(path: str) -> Any:
        resp = await http_server_client.fetch(
            f"{jp_base_url}mmds/api/{path}", headers=jp_auth_header, raise_error=False
        )
        assert resp.headers["Content-Type"].startswith("application/json")
        return resp.code, json.loads(resp.body)

    return fetch


@pytest.mark.parametrize(
    "path, words",
    [
        (f"versions/risk%2Fchurn%3A{HUGE}", "version numbers run from 1 to 2147483647"),
        (f"versions/churn%3A{2**31}", "version numbers run from 1 to 2147483647"),
        (f"versions/risk%2Fchurn%3A{HUGE}/lineage", "version numbers run from 1"),
        (f"versions/risk%2Fchurn%3A{HUGE}/events", "version numbers run from 1"),
        (f"compare?refs=risk%2Fchurn%3A1&refs=risk%2Fchurn%3A{HUGE}", "version numbers run"),
        (f"events?ref=risk%2Fchurn%3A{HUGE}", "version numbers run from 1"),
        ("events?since=99999999999d", "since='99999999999d' is too long ago"),
        ("versions?since=99999999999d", "since='99999999999d' is too long ago"),
        ("versions?until=99999999999d", "until='99999999999d' is too long ago"),
        ("versions?limit=" + "9" * 5000, "limit="),
    ],
)
async def test_out_of_range_numbers_are_400_with_a_json_message(
    raw: Any, path: str, words: str
) -> None:
    code, body = await raw(path)
    assert code == 400, body
    assert body["error"] == "InvalidInput" and words in body["message"], body


async def test_the_largest_version_number_is_404(raw: Any) -> None:
    code, body = await raw(f"versions/risk%2Fchurn%3A{2**31 - 1}")
    assert code == 404 and body["error"] == "NotFound"
