"""The panel of a user's own JupyterLab against the team's `mmds server`: a viewer sees the
central registry and is offered no action the server would refuse; an owner is offered them.

A real `mmds server`, two real JupyterLabs (one per user, each forwarding with its user's
token) and Chromium.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from team.serving import Server, start_server

from .conftest import SCREENSHOTS, Lab, lab_page, running_lab
from .test_panel import open_panel
from .test_theme import THEMES, set_theme

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REF = "risk/churn:1"


def _mmds(db_url: str, *words: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mmds_jupyter.cli", "--url", db_url, *words],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _user(db_url: str, name: str) -> str:
    """A user of the server and a token of theirs."""
    _mmds(db_url, "users", "add", name)
    return _mmds(db_url, "tokens", "create", name).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, str]]]:
    """`mmds server` with risk/churn:1 tracked by olga (owner of risk) and vic, a viewer."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from mmds_jupyter.remote import RemoteRegistry

    base = tmp_path_factory.mktemp("team")
    db_url = f"sqlite:///{base / 'mmds.db'}"
    srv = start_server(db_url, base)
    try:
        tokens = {name: _user(db_url, name) for name in ("olga", "vic")}
        X, y = load_breast_cancer(return_X_y=True, as_frame=True)
        X = X.iloc[:, :4].copy()
        X.columns = [c.replace(" ", "_") for c in X.columns]
        with RemoteRegistry(srv.url, token=tokens["olga"]) as olga:
            olga.track(LogisticRegression(max_iter=2000).fit(X, y), "churn", "risk")
        _mmds(db_url, "grant", "viewer", "--project", "risk", "--user", "vic")
        yield srv, tokens
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def labs(
    team: tuple[Server, dict[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Lab]]:
    """Each user's own JupyterLab: no database, only the server's URL and the user's token."""
    srv, tokens = team
    out: dict[str, Lab] = {}
    with (
        running_lab(tmp_path_factory.mktemp("lab-vic"), _central(srv, tokens["vic"])) as vic,
        running_lab(tmp_path_factory.mktemp("lab-olga"), _central(srv, tokens["olga"])) as olga,
    ):
        out.update(vic=vic, olga=olga)
        yield out


def _central(srv: Server, token: str) -> dict[str, str]:
    # MMDS_USER says "mallory": the server takes the user from the token, not from this.
    return {"MMDS_URL": srv.url, "MMDS_TOKEN": token, "MMDS_USER": "mallory"}


def _version_page(page: Any) -> Any:
    panel = open_panel(page)
    panel.locator(f".mmds-result[data-ref='{REF}'] .mmds-ref").click()
    view = page.locator(".mmds-view:visible").last
    view.locator(".mmds-section").first.wait_for(timeout=30_000)
    return view


def _offered(view: Any) -> set[str]:
    """The action buttons the version page shows (their CSS classes, without the prefix)."""
    classes = view.locator(".mmds-actions-box button").evaluate_all(
        "bs => bs.map(b => [...b.classList].find(c => c.startsWith('mmds-action-')) || '')"
    )
    return {c.removeprefix("mmds-action-") for c in classes if c}


def test_a_viewer_is_offered_no_change_an_owner_is(browser: Any, labs: dict[str, Lab]) -> None:
    quoted = REF.replace("/", "%2F").replace(":", "%3A")
    allowed = {
        name: json.loads(lab.api(f"/mmds/api/versions/{quoted}/permissions"))
        for name, lab in labs.items()
    }
    # The answers are the server's, for the token's user (not the local MMDS_USER).
    assert allowed["vic"]["user"] == "vic" and allowed["olga"]["user"] == "olga"
    assert "tag" not in allowed["vic"]["operations"] and "tag" in allowed["olga"]["operations"]
    assert allowed["vic"]["stages"] == [] and allowed["olga"]["stages"]

    with lab_page(browser, labs["vic"]) as page:
        view = _version_page(page)
        assert REF in view.locator(".mmds-version-header").inner_text()
        assert "No metrics: the version was tracked without test data" in view.inner_text()
        offered = _offered(view)
        # No stage move, alias, tag or description for a viewer; what is left reads only.
        assert not offered & {"move", "request", "set-alias", "add-tag", "describe"}
        assert view.locator("select.mmds-action-stage").count() == 0
        for theme, name in THEMES.items():
            set_theme(page, name)
            shot = SCREENSHOTS / f"35-team-viewer-{theme}.png"
            page.screenshot(path=str(shot))
        set_theme(page, THEMES["light"])

    with lab_page(browser, labs["olga"]) as page:
        view = _version_page(page)
        offered = _offered(view)
        assert {"move", "set-alias", "add-tag", "describe"} <= offered
        page.screenshot(path=str(Path(SCREENSHOTS) / "35-team-owner.png"))
