"""Roles per project on a real `mmds server`: deny by default, one permission table, and
listings that show only the projects a user may read (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pytest

from mmds_jupyter.auth.permissions import (
    ADMIN,
    ADMIN_ROLE,
    ROLES,
    required,
    smallest_role,
)
from mmds_jupyter.errors import PermissionDenied
from mmds_jupyter.registry import Registry
from mmds_jupyter.server.routes import handlers

from .serving import Server, start_server
from .test_server import COLS, admin, new_user, team_db, track_body  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
OPENAPI = Path(__file__).parents[2] / "mmds_jupyter" / "server" / "openapi.json"
API = "mmds/api/"


@pytest.fixture(scope="module")
def server(team_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    base = tmp_path_factory.mktemp("roles")
    notebooks = base / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('model_ref = "alpha/churn:1"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    nbformat.write(nb, notebooks / "score.ipynb")
    srv = start_server(team_db, base, f"--notebook-dir={notebooks}")
    yield srv
    srv.stop()


def body_for(server: Server, token: str, cancer: Any, name: str, project: str) -> dict[str, Any]:
    """A track body (its model file uploaded with ``token``) for ``project``."""
    return {**track_body(server, token, cancer, name), "project": project}


def latest(url: str) -> int:
    """The newest event's id, read straight from the database (what nothing may change)."""
    with Registry(url=url, home=tempfile.gettempdir(), actor="check") as reg:
        return reg.latest_event_id()


def score_rows(cancer: Any, n: int = 3) -> list[dict[str, Any]]:
    X = cancer["X_test"][COLS].head(n)
    return [{**r, "id": i} for i, r in enumerate(json.loads(X.to_json(orient="records")))]


def test_viewers_modellers_and_approvers_in_two_projects(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
    tmp_path: Path,
) -> None:
    owner_a, owner_b = new_user(team_db, capsys, "ann"), new_user(team_db, capsys, "ben")
    vic, mo, apo = (new_user(team_db, capsys, n) for n in ("vic", "mo", "apo"))
    code, v = server.call(
        "POST", API + "track", owner_a, body_for(server, owner_a, cancer, "churn", "proj-a")
    )
    assert code == 201, v
    code, v = server.call(
        "POST", API + "track", owner_b, body_for(server, owner_b, cancer, "fraud", "proj-b")
    )
    assert code == 201, v
    # The creators own their projects; the CLI grants roles (as the server's admin).
    out = admin(team_db, capsys, "grants", "--project", "proj-a", "--json")
    assert [(g["role"], g["principal"]) for g in json.loads(out)] == [("owner", "ann")]
    admin(team_db, capsys, "grant", "viewer", "--project", "proj-a", "--user", "vic")
    # ... and so does an owner over REST.
    for role, user in (("modeller", "mo"), ("approver", "apo")):
        body = {"role": role, "project": "proj-a", "user": user}
        assert server.call("POST", API + "grants", owner_a, body)[0] == 201
    # A viewer cannot track: 403, a JSON error naming the fix, and nothing written.
    before = latest(team_db)
    code, err = server.call(
        "POST", API + "track", vic, body_for(server, vic, cancer, "churn", "proj-a")
    )
    assert code == 403 and err["error"] == "PermissionDenied", err
    assert "mmds grant modeller --project proj-a --user vic" in err["message"]
    assert latest(team_db) == before
    # The same error class reaches a kernel's remote registry.
    from mmds_jupyter.remote import RemoteRegistry

    remote = RemoteRegistry(server.url, token=vic, home=str(tmp_path / "cache"), retries=0)
    try:
        model = __import__("sklearn.linear_model").linear_model.LogisticRegression()
        model.fit(cancer["X_train"][COLS], cancer["y_train"])
        with pytest.raises(PermissionDenied, match="modeller"):
            remote.track(model, name="churn", project="proj-a")
        assert remote.find()["project"].unique().tolist() == ["proj-a"]
    finally:
        remote.close()
    # A modeller tracks, but cannot promote to production; an approver can.
    code, v2 = server.call(
        "POST", API + "track", mo, body_for(server, mo, cancer, "churn", "proj-a")
    )
    assert code == 201 and v2["ref"] == "proj-a/churn:2", v2
    stage = API + "versions/" + quote("proj-a/churn:2", safe="") + "/stage"
    code, err = server.call("POST", stage, mo, {"stage": "production"})
    assert code == 403 and "approver" in err["message"], err
    code, v = server.call("POST", stage, apo, {"stage": "production"})
    assert code == 200 and v["stage"] == "production", v
    # A viewer of proj-a sees nothing of proj-b: no name, no count.
    code, projects = server.call("GET", API + "projects", vic)
    assert [p["name"] for p in projects["items"]] == ["proj-a"], projects
    code, models = server.call("GET", API + "models", vic)
    assert {m["project"] for m in models["items"]} == {"proj-a"}
    code, page = server.call("GET", API + "versions", vic)
    assert {r["project"] for r in page["items"]} == {"proj-a"} and page["total"] == 2, page
    code, page = server.call("GET", API + "versions?name_contains=fraud", vic)
    assert page["items"] == [] and page["total"] == 0, page
    for path in ("versions?project=proj-b", "models?project=proj-b", "events?ref=proj-b/fraud",
                 "compare?refs=proj-a/churn:1&refs=proj-b/fraud:1",
                 "versions/proj-b%2Ffraud%3A1", "versions/proj-b%2Fnothing%3A9"):  # fmt: skip
        code, err = server.call("GET", API + path, vic)
        assert code == 403 and err["error"] == "PermissionDenied", (path, err)
    code, events = server.call("GET", API + "events?limit=500", vic)
    assert events["items"] and "proj-b" not in json.dumps(events), events
    code, changes = server.call("GET", API + "changes", vic)
    assert changes["latest_event_id"] == events["items"][0]["id"]
    # Work in proj-b moves the log, not what vic's panel polls.
    code, _ = server.call(
        "POST", API + "track", owner_b, body_for(server, owner_b, cancer, "fraud", "proj-b")
    )
    assert code == 201
    assert server.call("GET", API + "changes", vic)[1] == changes
    assert latest(team_db) > changes["latest_event_id"]


def test_groups_and_revoking(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    owner = new_user(team_db, capsys, "gina")
    admin(team_db, capsys, "users", "add", "carl", "--group", "scorers")
    carl = admin(team_db, capsys, "tokens", "create", "carl").strip().splitlines()[-1]
    code, v = server.call(
        "POST", API + "track", owner, body_for(server, owner, cancer, "churn", "proj-g")
    )
    assert code == 201, v
    score = API + "versions/proj-g%2Fchurn%3A1/score"
    body = {"rows": score_rows(cancer)}
    assert server.call("POST", score, carl, body)[0] == 403
    admin(team_db, capsys, "grant", "consumer", "--project", "proj-g", "--group", "scorers")
    code, scored = server.call("POST", score, carl, body)
    assert code == 200 and len(scored["rows"]) == 3, scored
    # A member added later holds the group's roles too; one removed, no longer.
    dora = new_user(team_db, capsys, "dora")
    admin(team_db, capsys, "groups", "add-member", "scorers", "dora")
    assert server.call("POST", score, dora, body)[0] == 200
    admin(team_db, capsys, "groups", "remove-member", "scorers", "dora")
    assert server.call("POST", score, dora, body)[0] == 403
    # Revoking takes effect on the next request, and the audit log says who did it.
    admin(team_db, capsys, "revoke", "consumer", "--project", "proj-g", "--group", "scorers")
    code, err = server.call("POST", score, carl, body)
    assert code == 403 and "consumer" in err["message"], err
    code, events = server.call("GET", API + "events?action=grant.revoke", owner)
    assert [e["before"] for e in events["items"]] == [
        {"role": "consumer", "project": "proj-g", "group": "scorers"}
    ], events
    # Only an owner grants; a bad grant is one clear error.
    code, err = server.call(
        "POST", API + "grants", carl, {"role": "owner", "project": "proj-g", "user": "carl"}
    )
    assert code == 403, err
    code, err = server.call(
        "POST", API + "grants", owner, {"role": "boss", "project": "proj-g", "user": "carl"}
    )
    assert code == 400 and "Unknown role 'boss'" in err["message"], err


def test_changing_a_job_needs_jobs_where_it_is_and_where_it_goes(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    hana = new_user(team_db, capsys, "hana")
    ivan = new_user(team_db, capsys, "ivan")
    for token, project in ((hana, "proj-h1"), (ivan, "proj-h2")):
        code, v = server.call(
            "POST", API + "track", token, body_for(server, token, cancer, "churn", project)
        )
        assert code == 201, v
    job = {"name": "hop", "notebook": "score.ipynb", "parameters": {"model_ref": "proj-h1/churn:1"}}
    assert server.call("POST", API + "jobs", hana, job)[0] == 201
    # Not ivan's project: he may not change it, not even a field that names no project.
    code, err = server.call("PATCH", API + "jobs/hop", ivan, {"retries": 1})
    assert code == 403 and err["error"] == "PermissionDenied", err
    # Nor may hana move it to a project where she may not run jobs.
    moved = {"parameters": {"model_ref": "proj-h2/churn:1"}}
    code, err = server.call("PATCH", API + "jobs/hop", hana, moved)
    assert code == 403 and "proj-h2" in err["message"], err
    # In her own project she changes what she names; the rest stays.
    code, changed = server.call("PATCH", API + "jobs/hop", hana, {"retries": 2})
    assert code == 200 and changed["max_retries"] == 2, changed
    assert changed["parameters"] == job["parameters"] and changed["notebook"] == "score.ipynb"


# -- every route, refused without its role and allowed with it ---------------------------------

REF1, REF2 = "alpha/churn:1", "alpha/churn:2"
# A blob to upload: the JSON body Server.call sends, named by its sha256.
BLOB = {"blob": "walk"}
BLOB_SHA = hashlib.sha256(json.dumps(BLOB).encode()).hexdigest()


def _v(ref: str, tail: str = "") -> str:
    return "versions/" + quote(ref, safe="") + (f"/{tail}" if tail else "")


def samples(
    server: Server, uploader: str, cancer: Any, pmml: str, ids: dict[str, int]
) -> dict[tuple[str, str], Any]:
    """One request per documented route and method: (concrete path, body, context)."""
    rows = score_rows(cancer)
    outs = [{"prediction": 0}] * len(rows)
    actual = [{"id": r["id"], "churned": 1} for r in rows]
    grant = {"role": "viewer", "project": "alpha", "user": "nobody"}
    job = {"name": "walk2", "notebook": "score.ipynb", "parameters": {"model_ref": REF1}}
    code, lineage = server.call("GET", API + _v(REF1, "lineage"), uploader)
    assert code == 200, lineage
    dataset = next(n for n in lineage["nodes"] if n["kind"] == "dataset")["detail"]
    return {
        ("GET", "/"): ("", None, {}),
        ("GET", "/openapi.json"): ("openapi.json", None, {}),
        ("GET", "/projects"): ("projects", None, {"listing": True}),
        ("GET", "/models"): ("models?project=alpha", None, {}),
        ("GET", "/versions"): ("versions?project=alpha", None, {}),
        ("GET", "/vocabulary"): ("vocabulary?project=alpha", None, {}),
        ("GET", "/versions/{ref}"): (_v(REF1), None, {}),
        ("GET", "/versions/{ref}/lineage"): (_v(REF1, "lineage"), None, {}),
        ("GET", "/versions/{ref}/events"): (_v(REF1, "events"), None, {}),
        ("POST", "/versions/{ref}/tag"): (_v(REF1, "tag"), {"tags": {"k": "v"}}, {}),
        ("POST", "/versions/{ref}/untag"): (_v(REF1, "untag"), {"keys": ["k"]}, {}),
        ("POST", "/versions/{ref}/describe"): (_v(REF1, "describe"), {"description": "d"}, {}),
        ("POST", "/pmml/import"): (
            "pmml/import",
            {"pmml": pmml, "name": "imported", "project": "alpha"},
            {},
        ),
        ("GET", "/datasets/{content_hash}"): (f"datasets/{dataset['content_hash']}", None, {}),
        ("GET", "/compare"): (f"compare?refs={REF1}&refs={REF2}", None, {}),
        ("GET", "/report"): (f"report?refs={REF1}&refs={REF2}", None, {}),
        ("GET", "/events"): ("events?ref=alpha/churn", None, {}),
        ("GET", "/changes"): ("changes", None, {"listing": True}),
        ("GET", "/jobs"): ("jobs", None, {"listing": True}),
        ("POST", "/jobs"): ("jobs", job, {}),
        ("GET", "/jobs/{name}"): ("jobs/walk", None, {}),
        ("POST", "/jobs/{name}/run"): ("jobs/walk/run", None, {}),
        ("POST", "/jobs/{name}/pause"): ("jobs/walk/pause", None, {}),
        ("POST", "/jobs/{name}/resume"): ("jobs/walk/resume", None, {}),
        # walk2 is the job that POST /jobs made (documented before this route).
        ("PUT", "/jobs/{name}"): ("jobs/walk2", {**job, "cron": "0 3 * * *"}, {}),
        ("PATCH", "/jobs/{name}"): ("jobs/walk2", {"cron": "0 4 * * *"}, {}),
        ("DELETE", "/jobs/{name}"): ("jobs/walk2", None, {}),
        ("GET", "/notebooks"): ("notebooks", None, {}),
        ("GET", "/runs"): ("runs", None, {"listing": True}),
        ("GET", "/runs/{id}"): (f"runs/{ids['run']}", None, {}),
        ("GET", "/runs/{id}/notebook"): (f"runs/{ids['run']}/notebook", None, {}),
        ("POST", "/runs/{id}/cancel"): (f"runs/{ids['run']}/cancel", None, {}),
        ("POST", "/versions/{ref}/stage"): (
            _v(REF1, "stage"),
            {"stage": "validation"},
            {"stage": ("development", "validation")},
        ),
        ("POST", "/versions/{ref}/alias"): (
            _v(REF1, "alias"),
            {"alias": "champion"},
            {"alias": "champion"},
        ),
        ("GET", "/aliases/{ref}"): ("aliases/alpha%2Fchurn", None, {}),
        ("GET", "/aliases/{ref}/at"): ("aliases/alpha%2Fchurn@champion/at?at=2026-03-01", None, {}),
        ("POST", "/aliases/{ref}/rollback"): (
            "aliases/alpha%2Fchurn@champion/rollback",
            {"reason": "walk"},
            {"alias": "champion"},
        ),
        ("POST", "/aliases"): ("aliases", {"moves": {"alpha/churn@walk": REF1}}, {"alias": "walk"}),
        ("GET", "/versions/{ref}/contract"): (_v(REF1, "contract"), None, {}),
        ("POST", "/versions/{ref}/contract"): (
            _v(REF1, "contract"),
            {"policy": "flag"},
            {"editing": True},
        ),
        ("POST", "/versions/{ref}/score"): (_v(REF1, "score"), {"rows": rows}, {}),
        ("POST", "/versions/{ref}/actuals"): (
            _v("alpha/churn", "actuals"),
            {"rows": actual, "key": "id", "target": "churned"},
            {},
        ),
        ("GET", "/versions/{ref}/performance"): (_v("alpha/churn", "performance"), None, {}),
        ("GET", "/versions/{ref}/baseline"): (_v(REF2, "baseline"), None, {}),
        ("GET", "/versions/{ref}/permissions"): (_v(REF1, "permissions"), None, {}),
        ("POST", "/versions/{ref}/evaluate"): (
            _v(REF1, "evaluate"),
            {"X": [{c: r[c] for c in COLS} for r in rows], "y": [0, 1, 1], "name": "walk"},
            {},
        ),
        ("GET", "/versions/{ref}/drift"): (
            _v("alpha/churn", "drift") + f"?score_set={ids['score_set']}",
            None,
            {},
        ),
        ("GET", "/versions/{ref}/monitor"): (_v("alpha/churn", "monitor"), None, {}),
        ("POST", "/versions/{ref}/monitor"): (
            _v("alpha/churn", "monitor"),
            {"reference": "2", "window": "week", "min_rows": 1},
            {},
        ),
        ("POST", "/versions/{ref}/monitor/check"): (_v("alpha/churn", "monitor/check"), None, {}),
        ("POST", "/versions/{ref}/retrain-definition"): (
            _v("alpha/churn", "retrain-definition"),
            {"notebook": "score.ipynb", "trigger": "manual"},
            {},
        ),
        ("GET", "/versions/{ref}/retrain-definition"): (
            _v("alpha/churn", "retrain-definition"),
            None,
            {},
        ),
        ("POST", "/versions/{ref}/retrain"): (_v("alpha/churn", "retrain"), {"reason": "r"}, {}),
        ("GET", "/alerts"): ("alerts?status=open", None, {"listing": True}),
        ("GET", "/versions/{ref}/champion-challenger"): (
            _v("alpha/churn", "champion-challenger") + "?champion=1&challenger=2",
            None,
            {},
        ),
        ("POST", "/alerts/{id}/acknowledge"): (f"alerts/{ids['alert']}/acknowledge", {}, {}),
        ("POST", "/alerts/{id}/resolve"): (f"alerts/{ids['alert']}/resolve", {"note": "ok"}, {}),
        ("GET", "/versions/{ref}/scoring-tests"): (_v(REF1, "scoring-tests"), None, {}),
        ("POST", "/versions/{ref}/scoring-tests"): (
            _v(REF1, "scoring-tests"),
            {"inputs": rows, "expected": outs, "name": "t"},
            {},
        ),
        ("POST", "/versions/{ref}/scoring-tests/run"): (_v(REF1, "scoring-tests/run"), {}, {}),
        ("GET", "/versions/{ref}/pmml"): (_v(REF1, "pmml"), None, {}),
        ("GET", "/versions/{ref}/file"): (_v(REF1, "file"), None, {}),
        ("POST", "/track"): ("track", body_for(server, uploader, cancer, "churn", "alpha"), {}),
        # Any user may upload a blob (track checks the project of the version it makes).
        ("HEAD", "/artifacts/{sha256}"): (f"artifacts/{BLOB_SHA}", None, {}),
        ("PUT", "/artifacts/{sha256}"): (f"artifacts/{BLOB_SHA}", BLOB, {}),
        ("GET", "/score-sets"): ("score-sets?ref=alpha/churn", None, {}),
        ("GET", "/score-sets/{id}"): (f"score-sets/{ids['score_set']}", None, {}),
        ("GET", "/events/verify"): ("events/verify", None, {}),
        ("GET", "/audit/verify"): ("audit/verify", None, {}),
        ("GET", "/consumers"): ("consumers?ref=alpha/churn", None, {}),
        ("POST", "/consumers"): ("consumers", {"ref": REF1, "application": "walk"}, {}),
        ("POST", "/consumers/{id}/end"): ("consumers/1/end", {"reason": "walk"}, {}),
        ("POST", "/audit/checkpoint"): ("audit/checkpoint", {}, {}),
        ("GET", "/audit/export"): ("audit/export?project=alpha", None, {}),
        ("POST", "/gc"): ("gc", {}, {}),
        ("POST", "/versions/{ref}/archive"): (_v(REF1, "archive"), {"reason": "walk"}, {}),
        ("POST", "/versions/{ref}/restore"): (_v(REF1, "restore"), {}, {}),
        ("POST", "/versions/{ref}/hold"): (_v(REF1, "hold"), {"reason": "walk"}, {}),
        ("POST", "/versions/{ref}/release"): (_v(REF1, "release"), {}, {}),
        ("POST", "/versions/{ref}/purge"): (_v(REF1, "purge"), {"reason": "walk"}, {}),
        ("POST", "/archive/due"): ("archive/due", {}, {}),
        ("GET", "/webhooks"): ("webhooks?project=alpha", None, {}),
        ("POST", "/webhooks"): (
            "webhooks",
            {"project": "alpha", "url": "http://127.0.0.1:9/hook", "events": ["request"]},
            {},
        ),
        ("POST", "/webhooks/{webhook_id}/remove"): ("webhooks/1/remove", {}, {}),
        ("GET", "/webhooks/{webhook_id}/deliveries"): ("webhooks/1/deliveries", None, {}),
        ("POST", "/webhooks/deliver"): ("webhooks/deliver", {}, {}),
        ("GET", "/tasks"): ("tasks?ref=alpha", None, {}),
        ("POST", "/tasks"): ("tasks", {"ref": "alpha/churn", "title": "walk"}, {}),
        ("POST", "/tasks/{task_id}/complete"): ("tasks/1/complete", {}, {}),
        ("GET", "/grants"): ("grants?project=alpha", None, {}),
        ("POST", "/imports"): ("imports", {"record": IMPORT_RECORD}, {}),
        ("POST", "/imports/lookup"): ("imports/lookup", {"origins": ["mlflow-run:r1"]}, {}),
        ("POST", "/imports/batch"): ("imports/batch", {"records": [IMPORT_RECORD]}, {}),
        ("POST", "/grants"): ("grants", grant, {}),
        ("POST", "/grants/revoke"): ("grants/revoke", grant, {}),
        ("POST", "/versions/{ref}/request"): (_v(REF1, "request"), {"stage": "production"}, {}),
        ("POST", "/versions/{ref}/evidence"): (
            _v(REF1, "evidence"),
            {"kind": "comparison", "text": "<html></html>"},
            {},
        ),
        ("GET", "/versions/{ref}/evidence/{evidence_id}"): (_v(REF1, "evidence/1"), None, {}),
        ("GET", "/requests"): ("requests", None, {"listing": True}),
        # A closed request: the walk checks the guard; whose approval counts (the template's
        # gate) is tests/governance/test_server_roles.py's.
        ("POST", "/requests/{request_id}/approve"): (f"requests/{ids['request']}/approve", {}, {}),
        ("POST", "/requests/{request_id}/reject"): (f"requests/{ids['request']}/reject", {}, {}),
        ("GET", "/templates"): ("templates", None, {}),
        ("POST", "/templates"): (
            "templates",
            {"source": "name: walk\nstages: [development]\ntransitions: []\n"},
            {},
        ),
        ("POST", "/projects/{project}/template"): ("projects/alpha/template", {}, {}),
    }


# A model made elsewhere, described (what `mmds import mlflow` sends), with no file.
IMPORT_RECORD = {
    "origin": "mlflow-run:r1",
    "name": "imported",
    "project": "alpha",
    "framework": "mlflow",
    "estimator_class": "unknown",
    "metrics": [{"name": "rmse", "value": 0.5}],
}


def test_every_operation_has_one_entry_in_the_table_and_a_guard() -> None:
    from mmds_jupyter.auth.guard import GuardedRegistry
    from mmds_jupyter.auth.permissions import OPERATIONS
    from mmds_jupyter.service import operations

    assert set(OPERATIONS) == set(operations()), set(OPERATIONS) ^ set(operations())
    routed = {op for ops in documented().values() for op in ops}
    assert routed <= set(OPERATIONS)
    # The guard implements each operation itself: nothing reaches the registry unchecked.
    for op in operations():
        assert op in vars(GuardedRegistry), op
    assert not hasattr(GuardedRegistry, "identities") and not hasattr(GuardedRegistry, "store")


def documented() -> dict[tuple[str, str], list[str]]:
    spec = json.loads(OPENAPI.read_text())
    return {
        (method.upper(), path): op.get("x-mmds-operation", [])
        for path, methods in spec["paths"].items()
        for method, op in methods.items()
    }


def test_every_served_method_is_documented() -> None:
    docs = documented()
    served = [(re.compile(p.rstrip("/?") + "/?$"), cls) for p, cls in handlers()]
    for method, path in docs:
        concrete = "/mmds/api" + re.sub(r"\{[^}]+\}", "1", path).rstrip("/")
        handler = next(c for rx, c in served if rx.match(concrete))
        assert method.lower() in vars(handler), (method, path)
    n_methods = sum(
        1
        for _, cls in handlers()
        if cls.__name__ != "NotFoundHandler"
        for m in ("get", "head", "post", "put", "patch", "delete")
        if m in vars(cls)
    )
    assert n_methods == len(docs), "a handler method without an openapi entry (or the reverse)"


def test_every_route_refuses_a_user_lacking_its_role_and_allows_one_holding_it(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    # One user per role in "alpha"; r-owner creates it.
    users = {role: new_user(team_db, capsys, f"r-{role}") for role in [*ROLES, ADMIN_ROLE]}
    owner = users["owner"]
    assert (
        server.call("POST", API + "track", owner, body_for(server, owner, cancer, "seed", "alpha"))[
            0
        ]
        == 201
    )
    for role in ROLES:
        if role != "owner":
            admin(team_db, capsys, "grant", role, "--project", "alpha", "--user", f"r-{role}")
    admin(team_db, capsys, "grant", "admin", "--user", "r-admin")
    # The modeller's versions (edits of one's own versions are a modeller's).
    modeller = users["modeller"]
    for _ in range(2):
        code, v = server.call(
            "POST", API + "track", modeller, body_for(server, modeller, cancer, "churn", "alpha")
        )
        assert code == 201, v
    # A score set (churn:2 in production, scored there), a PMML document, a job and a run.
    assert server.call("POST", API + _v(REF2, "stage"), owner, {"stage": "production"})[0] == 200
    code, scored = server.call(
        "POST", API + _v(REF2, "score"), owner,
        {"rows": score_rows(cancer), "mode": "production", "key": ["id"]},
    )  # fmt: skip
    assert code == 200 and scored["score_set_id"], scored
    code, pmml = server.call("GET", API + _v(REF1, "pmml"), owner)
    assert code == 200 and "<PMML" in pmml
    job = {"name": "walk", "notebook": "score.ipynb", "parameters": {"model_ref": REF1}}
    assert server.call("POST", API + "jobs", owner, job)[0] == 201
    code, run = server.call("POST", API + "jobs/walk/run", owner)
    assert code == 201, run
    # A request of alpha (bound to the default template), withdrawn by its author.
    assert server.call("POST", API + "projects/alpha/template", owner, {})[0] == 200
    code, req = server.call("POST", API + _v(REF2, "request"), owner, {"stage": "production"})
    assert code == 200 and req["status"] == "open", req
    code, req = server.call("POST", API + f"requests/{req['id']}/reject", owner, {})
    assert code == 200 and req["status"] == "rejected", req
    # An alert of alpha/churn (thresholds of 0: any drift of the scored rows raises it).
    watch = {"reference": "2", "metrics": [], "drift": ["psi"], "thresholds": {"psi": [0, 0]}}
    code, _ = server.call(
        "POST", API + _v("alpha/churn", "monitor"), owner, {**watch, "min_rows": 1}
    )
    assert code == 200, _
    code, checked = server.call("POST", API + _v("alpha/churn", "monitor/check"), owner)
    assert code == 200 and checked["alerts"], checked
    ids = {"run": run["id"], "score_set": scored["score_set_id"], "request": req["id"]}
    ids["alert"] = checked["alerts"][0]["id"]

    # Lacking a permission: holding every role of alpha that does not give it (none for READ).
    lacking_cache: dict[frozenset[str], str] = {}

    def lacking(perms: frozenset[str]) -> str:
        if perms not in lacking_cache:
            name = "lack-" + "-".join(sorted(perms)).replace("_", "")
            token = new_user(team_db, capsys, name)
            for role, held in ROLES.items():
                if not perms & held:
                    admin(team_db, capsys, "grant", role, "--project", "alpha", "--user", name)
            lacking_cache[perms] = token
        return lacking_cache[perms]

    docs = documented()
    requests = samples(server, owner, cancer, pmml, ids)
    assert set(requests) == set(docs), set(docs) ^ set(requests)
    checked = 0
    for (method, path), operations in docs.items():
        concrete, body, context = requests[(method, path)]
        perms = frozenset().union(
            *(
                required(op, method, **{k: v for k, v in context.items() if k != "listing"})
                for op in operations
            )  # fmt: skip
        )
        url = API + concrete
        if perms and not context.get("listing"):
            token = lacking(perms)
            before = latest(team_db)
            code, err = server.call(method, url, token, body)
            assert code == 403, (method, path, perms, code, err)
            assert err["error"] == "PermissionDenied" and err["message"], err
            assert latest(team_db) == before, (method, path, "changed something")
        elif perms:
            # A listing: the user who may not read alpha gets an answer without alpha in it.
            code, answer = server.call(method, url, lacking(perms), body)
            assert code == 200 and "alpha" not in json.dumps(answer), (method, path, answer)
        if not perms:
            holder = users["viewer"]
        elif ADMIN in perms:
            holder = users[ADMIN_ROLE]
        elif len(perms) == 1:
            holder = users[smallest_role(next(iter(perms)))]
        else:
            holder = users["owner"]
        code, answer = server.call(method, url, holder, body)
        assert code != 403 and code < 500, (method, path, perms, code, answer)
        checked += 1
    assert checked == len(docs)
    # Health needs no token at all.
    assert server.call("GET", API + "health")[0] == 200


def test_what_a_user_may_do_to_a_version_is_what_the_guard_lets_them_do(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
    tmp_path: Path,
) -> None:
    from mmds_jupyter.auth.permissions import LOGIN, OPERATIONS, READ
    from mmds_jupyter.remote import RemoteRegistry

    own, vic, mo, apo, nobody = (
        new_user(team_db, capsys, n) for n in ("p-own", "p-vic", "p-mo", "p-apo", "p-none")
    )
    code, v = server.call(
        "POST", API + "track", own, body_for(server, own, cancer, "churn", "perm")
    )
    assert code == 201, v
    for role, user in (("viewer", "p-vic"), ("modeller", "p-mo"), ("approver", "p-apo")):
        admin(team_db, capsys, "grant", role, "--project", "perm", "--user", user)
    code, mine = server.call(
        "POST", API + "track", mo, body_for(server, mo, cancer, "churn", "perm")
    )
    assert code == 201 and mine["ref"] == "perm/churn:2", mine

    def may(token: str, ref: str = "perm/churn:1") -> dict[str, Any]:
        code, answer = server.call("GET", API + _v(ref, "permissions"), token)
        assert code == 200, answer
        return answer

    # A viewer: the reading operations only, no stage, no champion.
    seen = may(vic)
    assert (seen["ref"], seen["user"]) == ("perm/churn:1", "p-vic")
    assert seen["operations"] == sorted(
        op for op, perm in OPERATIONS.items() if perm in (READ, LOGIN)
    ), seen
    assert (seen["stages"], seen["aliases"]) == ([], {"champion": False})
    # A modeller scores, exports and runs jobs on anyone's version, edits only their own.
    other, theirs = may(mo), may(mo, "perm/churn:2")
    assert {"export_pmml", "load", "score", "jobs", "track"} <= set(other["operations"])
    assert not {"tag", "describe", "alias", "set_stage", "run_scoring_tests"} & set(
        other["operations"]
    )
    assert {"tag", "untag", "describe", "alias", "set_stage"} <= set(theirs["operations"])
    assert "run_scoring_tests" not in theirs["operations"]
    assert theirs["stages"] == [] and theirs["aliases"] == {"champion": False}
    # An approver moves to and out of production and sets @champion; the owner does anything.
    approving = may(apo)
    assert (approving["stages"], approving["aliases"]) == (
        ["production", "retired"],
        {"champion": True},
    )
    assert "tag" not in approving["operations"]
    owning = may(own)
    assert owning["stages"] == ["validation", "production", "retired", "archived"]
    assert {"tag", "run_scoring_tests", "purge", "grant"} <= set(owning["operations"])
    assert "gc" not in owning["operations"]  # server-wide: the admin's
    # What it says is what the guard does.
    tag = API + _v("perm/churn:1", "tag")
    assert server.call("POST", tag, vic, {"tags": {"k": "v"}})[0] == 403
    assert server.call("POST", tag, mo, {"tags": {"k": "v"}})[0] == 403
    assert server.call("POST", API + _v("perm/churn:2", "tag"), mo, {"tags": {"k": "v"}})[0] == 200
    stage = API + _v("perm/churn:1", "stage")
    assert server.call("POST", stage, mo, {"stage": "production"})[0] == 403
    assert server.call("POST", stage, apo, {"stage": "production"})[0] == 200
    assert may(apo)["stages"] == ["retired"]  # now in production: it may leave to retired
    # No role in the project: refused, as reading the version is.
    code, err = server.call("GET", API + _v("perm/churn:1", "permissions"), nobody)
    assert code == 403 and err["error"] == "PermissionDenied", err
    # A kernel's remote registry asks the same route.
    with RemoteRegistry(server.url, token=vic, home=str(tmp_path / "cache"), retries=0) as r:
        assert r.permissions("perm/churn:1") == seen


def test_a_data_set_page_lists_only_the_versions_the_caller_may_read(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
) -> None:
    ox, oy, nobody, boss = (new_user(team_db, capsys, n) for n in ("d-x", "d-y", "d-no", "d-adm"))
    admin(team_db, capsys, "grant", "admin", "--user", "d-adm")
    for token, project in ((ox, "dsx"), (oy, "dsy")):
        code, v = server.call(
            "POST", API + "track", token, body_for(server, token, cancer, "m", project)
        )
        assert code == 201, v
    code, lineage = server.call("GET", API + _v("dsx/m:1", "lineage"), ox)
    assert code == 200, lineage
    content_hash = next(n for n in lineage["nodes"] if n["kind"] == "dataset")["detail"][
        "content_hash"
    ]

    def refs(token: str) -> tuple[int, set[str]]:
        code, page = server.call("GET", API + f"datasets/{content_hash[:10]}", token)
        if code != 200:
            return code, set()
        assert page["content_hash"] == content_hash
        return code, {v["ref"] for v in page["trained_on"] + page["tested_on"]}

    assert refs(ox) == (200, {"dsx/m:1"})
    assert refs(oy) == (200, {"dsy/m:1"})
    code, seen = refs(boss)
    assert code == 200 and {"dsx/m:1", "dsy/m:1"} <= seen
    # Used only by versions the caller may not read: as if it did not exist.
    code, err = server.call("GET", API + f"datasets/{content_hash[:10]}", nobody)
    assert code == 404 and err["error"] == "NotFound", err
