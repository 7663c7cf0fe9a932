"""A browser's writes carry Jupyter's XSRF token: a cookie-authenticated POST without it is
refused before the registry is called; with it, the write goes through."""

from __future__ import annotations

import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry

WRITES = [
    ("versions/{ref}/tag", {"tags": {"owner": "alice"}}),
    ("versions/{ref}/stage", {"stage": "validation"}),
    ("versions/{ref}/score", {"rows": [{"x": 1}]}),
    ("gc", {}),
]


@pytest.fixture
def jp_server_config(tmp_path: Any, cancer: Any) -> dict[str, Any]:
    """A registry of its own (these writes must not reach the shared one): risk/churn:1."""
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    with Registry(url=url, home=home, actor="maya") as reg:
        cols = ["mean_radius", "mean_texture"]
        lr = LogisticRegression(max_iter=500).fit(cancer["X_train"][cols], cancer["y_train"])
        reg.track(lr, name="churn", project="risk")
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": url, "home": home, "actor": "server"},
    }


def cookies(resp: Any) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in resp.headers.get_list("Set-Cookie"):
        jar.load(header)
    return {k: v.value for k, v in jar.items()}


@pytest.mark.parametrize("path, body", WRITES)
async def test_a_cookie_write_without_the_xsrf_token_is_refused(
    http_server_client: Any, jp_base_url: str, jp_serverapp: Any, path: str, body: Any
) -> None:
    token = jp_serverapp.identity_provider.token
    # A browser logs in once with the token; afterwards it sends cookies, not the token.
    login = await http_server_client.fetch(
        f"{jp_base_url}mmds/api/?token={token}", raise_error=False
    )
    jar = cookies(login)
    assert login.code == 200 and any(k.startswith("username-") for k in jar), jar
    jar.setdefault("_xsrf", "a-browser-xsrf-value")
    header = "; ".join(f"{k}={v}" for k, v in jar.items())
    url = f"{jp_base_url}mmds/api/" + path.format(ref=quote("risk/churn:1", safe=""))
    events_before = await http_server_client.fetch(
        f"{jp_base_url}mmds/api/changes", headers={"Cookie": header}
    )
    refused = await http_server_client.fetch(
        url, method="POST", body=json.dumps(body), headers={"Cookie": header}, raise_error=False
    )
    assert refused.code == 403, refused.body
    assert b"xsrf" in refused.body.lower()
    events_after = await http_server_client.fetch(
        f"{jp_base_url}mmds/api/changes", headers={"Cookie": header}
    )
    assert events_after.body == events_before.body  # nothing was written
    allowed = await http_server_client.fetch(
        url,
        method="POST",
        body=json.dumps(body),
        headers={"Cookie": header, "X-XSRFToken": jar["_xsrf"]},
        raise_error=False,
    )
    assert allowed.code != 403, allowed.body  # past the check: the registry answered
