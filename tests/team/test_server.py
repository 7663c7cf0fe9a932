"""A real `mmds server` over SQLite and over PostgreSQL, used by two users with their tokens."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.capture.serialize import dump
from mmds_jupyter.cli import main

from .serving import ROOT, Server, env_for, mmds_command, start_server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
COLS = ["mean_radius", "mean_texture", "mean_perimeter"]


def admin(url: str, capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """Run an admin command on the server's database; its standard output."""
    code = main(["--url", url, *words])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def new_user(url: str, capsys: pytest.CaptureFixture[str], name: str) -> str:
    admin(url, capsys, "users", "add", name)
    return admin(url, capsys, "tokens", "create", name).strip().splitlines()[-1]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def team_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('team') / 'mmds.db'}"
        return
    if not request.getfixturevalue("pg_available"):
        from pg_databases import PG_URL

        pytest.skip(f"no PostgreSQL server at {PG_URL} (make test starts one)")
    from pg_databases import drop_pg_database, fresh_pg_database

    url, name = fresh_pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture(scope="module")
def server(team_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("server")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    nbformat.write(nb, notebooks / "score.ipynb")
    srv = start_server(team_db, base, f"--notebook-dir={notebooks}")
    yield srv
    srv.stop()


def track_body(server: Server, token: str, cancer: Any, name: str) -> dict[str, Any]:
    """A track request's body, its model file uploaded first (as a client does)."""
    X, y = cancer["X_train"][COLS], cancer["y_train"]
    model = LogisticRegression(max_iter=500).fit(X, y)
    X_test = cancer["X_test"][COLS]
    return {
        "model_sha256": server.upload(token, dump(model, "skops")),
        "name": name,
        "project": "risk",
        "X_test": json.loads(X_test.to_json(orient="records")),
        "y_test": [int(t) for t in cancer["y_test"]],
    }


def test_each_user_tracks_in_their_own_name(
    server: Server, team_db: str, capsys: pytest.CaptureFixture[str], cancer: Any
) -> None:
    alice, bob = new_user(team_db, capsys, "alice"), new_user(team_db, capsys, "bob")
    code, v1 = server.call(
        "POST", "mmds/api/track", alice, track_body(server, alice, cancer, "churn")
    )
    assert code == 201, v1
    # alice created the project "risk", so she owns it; bob tracks there once she lets him.
    code, _ = server.call("POST", "mmds/api/track", bob, track_body(server, bob, cancer, "churn"))
    assert code == 403
    body = {"role": "modeller", "project": "risk", "user": "bob"}
    assert server.call("POST", "mmds/api/grants", alice, body)[0] == 201
    code, v2 = server.call("POST", "mmds/api/track", bob, track_body(server, bob, cancer, "churn"))
    assert code == 201, v2
    assert (v1["ref"], v1["author"]) == ("risk/churn:1", "alice")
    assert (v2["ref"], v2["author"]) == ("risk/churn:2", "bob")
    code, v = server.call("POST", "mmds/api/versions/risk%2Fchurn%3A2/stage", alice,
                          {"stage": "validation"})  # fmt: skip
    assert code == 200, v
    code, events = server.call("GET", "mmds/api/events?ref=risk/churn", bob)
    assert code == 200, events
    seen = {(e["actor"], e["action"], e["object_ref"]) for e in events["items"]}
    assert {
        ("alice", "version.create", "risk/churn:1"),
        ("bob", "version.create", "risk/churn:2"),
        ("alice", "version.stage", "risk/churn:2"),
    } <= seen
    # MMDS_USER of the server's environment ("intruder") is ignored in team mode.
    assert all(actor in ("alice", "bob") for actor, _, _ in seen)
    # One log line per write: who, what, which reference.
    log = server.log()
    assert "MMDS write: actor=alice action=POST track ref=risk/churn:1 status=201" in log
    assert "MMDS write: actor=bob action=POST track ref=risk/churn:2 status=201" in log
    assert "actor=alice action=POST versions/risk%2Fchurn%3A2/stage ref=risk/churn:2" in log
    assert alice not in log and bob not in log  # tokens never reach the log


def test_an_import_names_no_other_author_unless_by_an_admin(
    server: Server, team_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An author edits their own versions and may not approve them: a user importing a run
    that another person made keeps that person as ``source_user``, not as the author."""
    ivan = new_user(team_db, capsys, "ivan")
    record = {
        "origin": "mlflow-run:abc123/model",
        "name": "imported",
        "project": "ivan-imports",
        "framework": "sklearn",
        "estimator_class": "sklearn.linear_model.LogisticRegression",
        "provenance": {"user": "judy"},
    }
    code, v = server.call("POST", "mmds/api/imports", ivan, {"record": record})
    assert code == 201, v
    assert v["author"] == "ivan"
    assert v["provenance"]["source_user"] == "judy"
    admin(team_db, capsys, "grant", "admin", "--user", "ivan")
    record = {**record, "origin": "mlflow-run:def456/model"}
    code, v = server.call("POST", "mmds/api/imports", ivan, {"record": record})
    assert code == 201, v
    assert v["author"] == "judy"  # a server admin may import a history under its authors


def test_a_job_created_over_rest_records_its_user(
    server: Server, team_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    carol = new_user(team_db, capsys, "carol")
    # A job whose parameters name no model belongs to no project: a server admin's.
    admin(team_db, capsys, "grant", "admin", "--user", "carol")
    body = {"name": "nightly", "notebook": "score.ipynb", "cron": "0 2 * * *"}
    code, job = server.call("POST", "mmds/api/jobs", carol, body)
    assert code == 201, job
    assert job["created_by"] == "carol"
    code, paused = server.call("POST", "mmds/api/jobs/nightly/pause", carol)
    assert code == 200, paused
    code, events = server.call("GET", "mmds/api/events?actor=carol", carol)
    assert code == 200, events
    assert {"job.create", "job.pause"} <= {e["action"] for e in events["items"]}


def test_tokens_are_checked_on_every_request(
    server: Server, team_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dave, erin = new_user(team_db, capsys, "dave"), new_user(team_db, capsys, "erin")
    assert server.call("GET", "mmds/api/projects", dave)[0] == 200
    # No token, or a wrong one: 403 with a JSON error, and nothing shown.
    for token in (None, "mmds_not-a-token", dave[:-1]):
        code, err = server.call("GET", "mmds/api/projects", token)
        assert code == 403 and err["error"] == "Forbidden", (token, err)
    # A revoked token is refused on the very next request.
    listed = json.loads(admin(team_db, capsys, "tokens", "list", "dave", "--json"))
    admin(team_db, capsys, "tokens", "revoke", str(listed[0]["id"]))
    code, err = server.call("GET", "mmds/api/projects", dave)
    assert code == 403, err
    # A disabled user too, whatever token they hold.
    assert server.call("GET", "mmds/api/projects", erin)[0] == 200
    admin(team_db, capsys, "users", "disable", "erin")
    assert server.call("GET", "mmds/api/projects", erin)[0] == 403


def test_jupyters_own_apis_are_refused(
    server: Server, team_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    frank = new_user(team_db, capsys, "frank")
    for method, path in [
        ("POST", "api/kernels"),
        ("GET", "api/kernels"),
        ("GET", "api/contents"),
        ("GET", "api/sessions"),
        ("GET", "api/kernelspecs"),
        ("GET", "files/server.log"),
        ("POST", "api/shutdown"),
    ]:
        body = {} if method == "POST" else None
        code, resp = server.call(method, path, frank, body)
        assert code == 403, (method, path, code, resp)
    assert server.call("GET", "api/terminals", frank)[0] == 404  # not even loaded
    assert server.call("GET", "mmds/api/health", frank)[0] == 200  # the server still runs


def test_health_answers_without_a_token(server: Server) -> None:
    code, health = server.call("GET", "mmds/api/health")
    assert code == 200 and health == {"ok": True, "database": True}


def test_sigterm_stops_the_server_cleanly(db_url: str, tmp_path: Path) -> None:
    srv = start_server(db_url, tmp_path / "srv")
    assert srv.call("GET", "mmds/api/health")[0] == 200
    assert srv.stop() == 0
    log = srv.log()
    assert "MMDS server shutting down" in log, log[-2000:]
    assert "Traceback" not in log, log[-3000:]


def test_help_lists_the_options(tmp_path: Path) -> None:
    done = subprocess.run(
        mmds_command("server", "--help"),
        cwd=ROOT,
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for option in ("--ip", "--port", "--certfile", "--keyfile", "--base-url", "--db-url",
                   "--artifact-root", "--processes", "MMDS.url", "MMDS.home",
                   "ServerApp.certfile"):  # fmt: skip
        assert option in done.stdout, option


def test_a_server_url_as_its_database_is_refused_clearly(tmp_path: Path) -> None:
    done = subprocess.run(
        mmds_command("--url", "http://127.0.0.1:9/", "server", "--port=0", "--allow-root"),
        cwd=tmp_path,
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "--db-url must name a database" in done.stdout + done.stderr
