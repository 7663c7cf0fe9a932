"""The panel in a user's own JupyterLab, when MMDS_URL names the team's `mmds server`.

The user's Jupyter server forwards the panel's calls to the central server with its user's
token: the panel sees the central registry, and every change it makes is recorded in the name
of the token's user, whatever MMDS_USER the user's server has.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_servers import jupyter_server
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.cli import main
from mmds_jupyter.remote import RemoteRegistry

from .serving import Server, start_server
from .test_server import COLS, new_user

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    base = tmp_path_factory.mktemp("central")
    db_url = f"sqlite:///{base / 'mmds.db'}"
    notebooks = base / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('model_ref = "risk/churn:1"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    nbformat.write(nb, notebooks / "score.ipynb")
    srv = start_server(db_url, base, f"--notebook-dir={notebooks}")
    yield srv, db_url
    srv.stop()


def call(server: dict[str, str], method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"token {server['token']}"}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server["url"] + path, data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_panel_of_a_users_jupyterlab_shows_and_changes_the_central_registry(
    central: tuple[Server, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    srv, db_url = central
    alice = new_user(db_url, capsys, "alice")
    model = LogisticRegression(max_iter=500).fit(cancer["X_train"][COLS], cancer["y_train"])
    with RemoteRegistry(srv.url, token=alice) as remote:
        remote.track(model, "churn", "risk", X_test=cancer["X_test"][COLS],
                     y_test=cancer["y_test"])  # fmt: skip
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    # The user's own Jupyter server: no database of its own, only the central server's URL.
    with jupyter_server(
        tmp_path, srv.url, tmp_path / "local-files", notebooks,
        MMDS_TOKEN=alice, MMDS_USER="mallory",
    ) as lab:  # fmt: skip
        code, info = call(lab, "GET", "mmds/api/")
        assert code == 200, info
        assert info["registry"] == f"MMDS server {srv.url}/"
        code, found = call(lab, "GET", "mmds/api/versions?project=risk")
        assert code == 200, found
        assert [v["ref"] for v in found["items"]] == ["risk/churn:1"]
        code, detail = call(lab, "GET", "mmds/api/versions/risk%2Fchurn%3A1")
        assert code == 200, detail
        assert (detail["ref"], detail["author"]) == ("risk/churn:1", "alice")
        # What the version page offers is what alice (the token's user) may do centrally.
        code, allowed = call(lab, "GET", "mmds/api/versions/risk%2Fchurn%3A1/permissions")
        assert code == 200 and allowed["user"] == "alice", allowed
        assert {"tag", "set_stage", "run_scoring_tests"} <= set(allowed["operations"])
        # A change made in the panel is made on the central server, in alice's name.
        code, tagged = call(lab, "POST", "mmds/api/versions/risk%2Fchurn%3A1/tag",
                            {"tags": {"reviewed": "yes"}})  # fmt: skip
        assert code == 200, tagged
        # The Jobs tab offers a job's buttons only to those whose role lets them use them.
        job = {"name": "nightly", "notebook": "score.ipynb", "cron": "0 2 * * *",
               "parameters": {"model_ref": "risk/churn:1"}}  # fmt: skip
        code, created = call(lab, "POST", "mmds/api/jobs", job)
        assert code == 201, created
        # The panel's Edit (PATCH) reaches the central server: the fields named, the rest kept.
        code, edited = call(lab, "PATCH", "mmds/api/jobs/nightly", {"retries": 2})
        assert code == 200 and edited["max_retries"] == 2, edited
        assert (edited["schedule"], edited["notebook"]) == ("0 2 * * *", "score.ipynb")
        code, jobs = call(lab, "GET", "mmds/api/jobs")
        assert code == 200, jobs
        assert [(j["name"], j["may_change"]) for j in jobs["items"]] == [("nightly", True)]
        # Errors keep their status and message through the forwarding.
        code, missing = call(lab, "GET", "mmds/api/versions/risk%2Fnope%3A1")
        assert code == 404, missing
        assert "nope" in missing["message"]
    assert not (tmp_path / "local-files").exists()  # nothing was written beside the user
    code, events = srv.call("GET", "mmds/api/events?ref=risk/churn", alice)
    assert code == 200, events
    tags = [e for e in events["items"] if e["action"] == "version.tag"]
    assert [e["actor"] for e in tags] == ["alice"]
    assert "reviewed" in json.dumps(tags[0]["after"])
    # bob may read project risk but not run its jobs: he sees the job without its buttons.
    bob = new_user(db_url, capsys, "bob")
    code, refused = srv.call("GET", "mmds/api/jobs", bob)
    assert (code, refused["items"]) == (200, [])  # no role in risk: not even its jobs' names
    assert main(["--url", db_url, "grant", "viewer", "--project", "risk", "--user", "bob"]) == 0
    code, jobs = srv.call("GET", "mmds/api/jobs", bob)
    assert code == 200, jobs
    assert [(j["name"], j["may_change"]) for j in jobs["items"]] == [("nightly", False)]
    code, denied = srv.call("POST", "mmds/api/jobs/nightly/run", bob)
    assert (code, denied["error"]) == (403, "PermissionDenied")
