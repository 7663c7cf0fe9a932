"""Scheduled jobs in team mode: a real `mmds server` and a real `mmds scheduler --server-url`
run a notebook as the job's owner, with a token limited to the job's project and revoked
after the run; an owner who is disabled or lost their role gets a clear run error."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mmds_jupyter.errors import PermissionDenied

from .serving import Server, env_for, mmds_command, start_server
from .test_server import COLS, admin, new_user, team_db, track_body  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
API = "mmds/api/"
# A token's secret: "mmds_" and 43 URL-safe characters.
SECRET = re.compile(r"mmds_[A-Za-z0-9_-]{43}")

PARAMETERS = """\
model_ref = "risk/churn:1"
touch = ""
"""

BODY = """\
import os

import mmds_jupyter as mmds

# The kernel talks to the server with a token, and knows nothing of the database.
assert os.environ["MMDS_URL"].startswith("http://127.0.0.1:"), os.environ["MMDS_URL"]
assert os.environ["MMDS_TOKEN"].startswith("mmds_")
assert "MMDS_HOME" not in os.environ and "MMDS_USER" not in os.environ
leaks = [k for k, v in os.environ.items() if "sqlite:" in v or "postgresql+" in v]
assert not leaks, leaks
version = mmds.get(model_ref)
mmds.tag(model_ref, scored_by=os.environ["MMDS_JOB"])
seen = mmds.events(ref=model_ref)
if touch:
    mmds.get(touch)
"""

# A notebook that scores in production: its job is a consumer of the model.
CONSUME_PARAMETERS = """\
model_ref = "shop/churn:1"
rows = []
"""

CONSUME = """\
import pandas as pd

import mmds_jupyter as mmds

scored = mmds.score(model_ref, pd.DataFrame(rows), mode="production")
assert scored.score_set_id is not None
"""


@pytest.fixture(scope="module")
def team(team_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:  # noqa: F811
    base = tmp_path_factory.mktemp("jobs")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    params = new_code_cell(PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = new_notebook(cells=[params, new_code_cell(BODY)], metadata={"kernelspec": kernelspec})
    nbformat.write(nb, notebooks / "score.ipynb")
    params = new_code_cell(CONSUME_PARAMETERS)
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_code_cell(CONSUME)], metadata={"kernelspec": kernelspec})
    nbformat.write(nb, notebooks / "consume.ipynb")
    srv = start_server(team_db, base, f"--notebook-dir={notebooks}")
    yield srv, base
    srv.stop()


def run_scheduler(db: str, base: Path, server: Server) -> str:
    """One pass of `mmds scheduler` in team mode (until its runs end); its output."""
    cmd = mmds_command(
        "--url", db, "--home", str(base / "artifacts"),
        "scheduler", "--once", "--poll", "0.5", "--server-url", server.url,
    )  # fmt: skip
    proc = subprocess.run(cmd, env=env_for(base), capture_output=True, text=True, cwd=base)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def queue(server: Server, token: str, job: str) -> int:
    code, run = server.call("POST", f"{API}jobs/{job}/run", token)
    assert code == 201, run
    return int(run["id"])


def run_of(server: Server, token: str, run_id: int) -> dict[str, Any]:
    code, run = server.call("GET", f"{API}runs/{run_id}", token)
    assert code == 200, run
    return dict(run)


def test_a_job_runs_as_its_owner_limited_to_its_project_until_the_owner_loses_access(
    team: tuple[Server, Path],
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    server, base = team
    olga, alice = new_user(team_db, capsys, "olga"), new_user(team_db, capsys, "alice")
    admin(team_db, capsys, "grant", "admin", "--user", "olga")
    for name, project in (("churn", "risk"), ("fraud", "other")):
        body = {**track_body(server, olga, cancer, name), "project": project}
        assert server.call("POST", API + "track", olga, body)[0] == 201
    admin(team_db, capsys, "grant", "modeller", "--project", "risk", "--user", "alice")
    # alice may read the other project herself; her run's token may not.
    admin(team_db, capsys, "grant", "viewer", "--project", "other", "--user", "alice")
    code, mine = server.call(
        "POST", API + "track", alice, track_body(server, alice, cancer, "churn")
    )
    assert (code, mine.get("ref")) == (201, "risk/churn:2"), mine
    for job, touch in (("nightly", ""), ("snoop", "other/fraud:1")):
        body = {
            "name": job,
            "notebook": "score.ipynb",
            "cron": "0 2 * * *",
            "parameters": {"model_ref": "risk/churn:2", "touch": touch},
        }
        code, created = server.call("POST", API + "jobs", alice, body)
        assert code == 201, created
    nightly, snoop = queue(server, alice, "nightly"), queue(server, alice, "snoop")

    output = run_scheduler(team_db, base, server)

    ran = run_of(server, alice, nightly)
    assert ran["status"] == "succeeded", ran["error"]
    # The notebook's writes are alice's, not the scheduler's (whose MMDS_USER is "intruder").
    code, events = server.call("GET", f"{API}events?ref=risk/churn:2", olga)
    assert code == 200, events
    tags = [e["actor"] for e in events["items"] if e["action"] == "version.tag"]
    assert tags == ["alice", "alice"], events["items"]  # one tag per run
    refused = run_of(server, alice, snoop)
    assert refused["status"] == "failed"
    assert refused["error"]["ename"] == PermissionDenied.__name__, refused["error"]
    assert "limited to the project(s) risk" in refused["error"]["evalue"]
    # The run tokens are alice's, limited to risk, revoked now; no secret was written anywhere.
    tokens = json.loads(admin(team_db, capsys, "tokens", "list", "alice", "--json"))
    runs = [t for t in tokens if (t["name"] or "").startswith("run ")]
    assert sorted(t["name"] for t in runs) == [f"run {nightly} of job nightly",
                                               f"run {snoop} of job snoop"]  # fmt: skip
    assert all(t["projects"] == ["risk"] and t["state"] == "revoked" for t in runs), runs
    notebook = Path(ran["output_path"]).read_text()
    for text in (notebook, Path(refused["output_path"]).read_text(), output, server.log()):
        assert not SECRET.search(text)

    # alice loses her role in risk: the next run fails at once, saying why and what to do.
    admin(team_db, capsys, "revoke", "modeller", "--project", "risk", "--user", "alice")
    lost = queue(server, olga, "nightly")
    run_scheduler(team_db, base, server)
    failed = run_of(server, olga, lost)
    assert failed["status"] == "failed"
    assert failed["error"]["ename"] == "JobOwnerRefused", failed["error"]
    assert "owner alice may no longer run jobs in project risk" in failed["error"]["evalue"]
    assert "mmds grant modeller --project risk --user alice" in failed["error"]["evalue"]
    # With her role back but her user disabled, runs fail too; the CLI shows the error.
    admin(team_db, capsys, "grant", "modeller", "--project", "risk", "--user", "alice")
    admin(team_db, capsys, "users", "disable", "alice")
    disabled = queue(server, olga, "nightly")
    run_scheduler(team_db, base, server)
    shown = json.loads(admin(team_db, capsys, "runs", "show", str(disabled), "--json"))
    assert shown["status"] == "failed"
    assert "Job nightly's owner alice is disabled" in shown["error"]["evalue"]
    # Neither refused run got a token.
    tokens = json.loads(admin(team_db, capsys, "tokens", "list", "alice", "--json"))
    assert len([t for t in tokens if (t["name"] or "").startswith("run ")]) == 2


def test_a_job_that_scores_an_alias_is_its_consumer_as_on_a_laptop(
    team: tuple[Server, Path],
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    """As tests/governance/test_consumers.py's scheduled run on a laptop: the runner gives the
    notebook the version the alias names, and the job is a consumer of the alias, so the
    version retires once the alias has moved on."""
    server, base = team
    carl, dora = new_user(team_db, capsys, "carl"), new_user(team_db, capsys, "dora")
    admin(team_db, capsys, "grant", "admin", "--user", "carl")
    refs = []
    for _ in range(2):
        body = {**track_body(server, carl, cancer, "churn"), "project": "shop"}
        code, version = server.call("POST", API + "track", carl, body)
        assert code == 201, version
        refs.append(version["ref"])
    v1, v2 = refs
    assert v1 == "shop/churn:1"

    def version_call(ref: str, what: str, body: dict[str, Any], token: str = carl) -> Any:
        code, out = server.call("POST", f"{API}versions/{quote(ref, safe='')}/{what}", token, body)
        assert code == 200, out
        return out

    version_call(v1, "stage", {"stage": "production"})
    version_call(v1, "alias", {"alias": "champion"})
    X = cancer["X_test"][COLS].head(3)
    rows = json.loads(X.to_json(orient="records"))
    job = {"model_ref": "shop/churn@champion", "rows": rows}
    body = {"name": "consume", "notebook": "consume.ipynb", "parameters": job}
    code, created = server.call("POST", API + "jobs", carl, body)
    assert code == 201, created
    run = queue(server, carl, "consume")

    run_scheduler(team_db, base, server)

    ran = run_of(server, carl, run)
    assert ran["status"] == "succeeded", ran["error"]
    assert ran["parameters"]["model_ref"] == v1  # the run was given the version, pinned
    code, found = server.call("GET", f"{API}consumers?ref=shop/churn", carl)
    assert code == 200, found
    (consumer,) = found["items"]
    assert (consumer["application"], consumer["reference"], consumer["last_version"]) == (
        "job:consume",
        "shop/churn@champion",
        v1,
    )
    assert (consumer["rows"], consumer["calls"]) == (3, 1)
    # The score set is filed under its run, as on a laptop.
    code, sets = server.call("GET", f"{API}score-sets?run_id={run}", carl)
    assert code == 200 and [s["ref"] for s in sets["items"]] == [v1], sets
    # The job uses the champion: it guards v1 while the alias names it, and no longer once
    # the alias moves on.
    code, refused = server.call(
        "POST", f"{API}versions/{quote(v1, safe='')}/stage", carl, {"stage": "retired"}
    )
    assert code == 409 and "job:consume" in refused["message"], refused
    version_call(v2, "stage", {"stage": "production"})
    version_call(v2, "alias", {"alias": "champion"})
    assert version_call(v1, "stage", {"stage": "retired"})["stage"] == "retired"

    # Only a running run of one's own job may be named when scoring.
    admin(team_db, capsys, "grant", "consumer", "--project", "shop", "--user", "dora")
    score = f"{API}versions/{quote(v2, safe='')}/score"
    for token, who in ((carl, "carl"), (dora, "dora")):
        code, out = server.call("POST", score, token, {"rows": rows, "run_id": run})
        assert code == 403, out
        assert f"{who} may not score as run {run} (job consume, succeeded)" in out["message"]
    code, out = server.call("POST", score, carl, {"rows": rows, "run_id": 99999})
    assert code == 404 and "no run 99999" in out["message"], out
