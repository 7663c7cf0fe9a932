"""Every MMDS route refuses requests that carry no Jupyter token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tornado.routing import PathMatches, Rule
from tornado.web import RequestHandler

from mmds_jupyter.server.action_routes import (
    GCHandler,
    ScoreHandler,
    StageHandler,
    TrackHandler,
)
from mmds_jupyter.server.routes import (
    JobPauseHandler,
    JobResumeHandler,
    JobRunHandler,
    JobsHandler,
    MMDSHandler,
    RunCancelHandler,
)

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE")


@pytest.fixture
def jp_server_config(mmds_registry: dict[str, str], tmp_path: Any) -> dict[str, Any]:
    """A copy of the shared registry: the walk calls every write route with a token."""
    import shutil
    import sqlite3

    src = sqlite3.connect(mmds_registry["url"].removeprefix("sqlite:///"))
    dst = sqlite3.connect(tmp_path / "mmds.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    shutil.copytree(mmds_registry["home"], tmp_path / "home")
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": f"sqlite:///{tmp_path / 'mmds.db'}", "home": str(tmp_path / "home")},
    }


SAMPLES = {
    "ref": "risk%2Fchurn%3A1",
    "path": "anything",
    "name": "nightly",
    "run_id": "1",
    "score_set_id": "1",
    "sha256": "0" * 64,
    "consumer_id": "1",
    "webhook_id": "1",
    "task_id": "1",
    "alert_id": "1",
    "request_id": "1",
    "evidence_id": "1",
    "project": "risk",
    "content_hash": "0" * 64,
}


def _fill(pattern: str) -> str:
    """A concrete path for a route regex: each named group replaced by a sample value."""
    out, i = [], 0
    while i < len(pattern):
        m = re.match(r"\(\?P<(\w+)>", pattern[i:])
        if m:
            depth, j = 1, i + m.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(pattern[j], 0) if pattern[j - 1] != "\\" else 0
                j += 1
            out.append(SAMPLES[m.group(1)])
            i = j
            continue
        out.append(pattern[i])
        i += 1
    path = "".join(out).rstrip("$")
    return path.replace("/?", "/").replace("\\", "")


def _methods(cls: type) -> list[str]:
    """The HTTP methods a handler implements (tornado's base class answers 405 to the rest)."""
    return [m for m in METHODS if getattr(cls, m.lower()) is not getattr(RequestHandler, m.lower())]


def _mmds_rules(rules: list[Rule]) -> list[tuple[str, type]]:
    found = []
    for rule in rules:
        target = rule.target
        nested = getattr(target, "rules", None)
        if nested is not None:
            found += _mmds_rules(nested)
        elif isinstance(target, type) and issubclass(target, MMDSHandler):
            assert isinstance(rule.matcher, PathMatches)
            found.append((rule.matcher.regex.pattern, target))
    return found


async def test_every_route_needs_a_token(
    jp_serverapp: Any, http_server_client: Any, jp_auth_header: dict[str, str]
) -> None:
    app = jp_serverapp.web_app
    assert app.settings["allow_unauthenticated_access"] is False
    routes = _mmds_rules(app.wildcard_router.rules) + _mmds_rules(app.default_router.rules)
    from mmds_jupyter.server.routes import handlers

    assert {cls for _, cls in routes} == {cls for _, cls in handlers()}
    checked: set[tuple[type, str]] = set()
    for pattern, cls in routes:
        path = _fill(pattern)
        for method in METHODS:
            body = b"{}" if method in ("POST", "PUT") else None
            resp = await http_server_client.fetch(path, method=method, body=body, raise_error=False)
            assert resp.code in (401, 403, 405), f"{method} {path} ({cls.__name__}) -> {resp.code}"
            assert b"risk" not in resp.body, f"{method} {path} leaked data without a token"
        served = _methods(cls)
        assert served, f"{cls.__name__} serves no method"
        for method in served:
            body = b"{}" if method in ("POST", "PUT") else None
            ok = await http_server_client.fetch(
                path, method=method, body=body, headers=jp_auth_header, raise_error=False
            )
            assert ok.code not in (401, 403, 405), f"{method} {path} with a token: {ok.code}"
            checked.add((cls, method))
    # The writing routes are among those walked (a new verb cannot slip past this test).
    assert {
        (JobsHandler, "POST"),
        (JobPauseHandler, "POST"),
        (JobResumeHandler, "POST"),
        (JobRunHandler, "POST"),
        (RunCancelHandler, "POST"),
        (TrackHandler, "POST"),
        (StageHandler, "POST"),
        (ScoreHandler, "POST"),
        (GCHandler, "POST"),
    } <= checked


@pytest.mark.parametrize("token", ["wrong", ""])
async def test_a_wrong_token_is_refused(
    http_server_client: Any, jp_base_url: str, token: str
) -> None:
    resp = await http_server_client.fetch(
        f"{jp_base_url}mmds/api/versions",
        headers={"Authorization": f"token {token}"},
        raise_error=False,
    )
    assert resp.code == 403
