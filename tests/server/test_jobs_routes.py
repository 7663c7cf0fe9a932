"""The jobs and runs routes against a real in-process server and a real scheduler database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler
from mmds_jupyter.scheduler.outcomes import Outcome, finish_attempt

ERROR = {
    "ename": "ValueError",
    "evalue": "no rows to score",
    "cell_index": 2,
    "execution_count": 1,
    "cell_source": "score(rows)",
    "traceback": ["ValueError: no rows to score"],
}


def _notebook(path: Path, outputs: list[Any] | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"\nrows = 10')
    params.metadata["tags"] = ["parameters"]
    work = nbformat.v4.new_code_cell("print(region, rows)")
    work.outputs = outputs or []
    nb.cells = [nbformat.v4.new_markdown_cell("Scores one region."), params, work]
    nbformat.write(nb, path)
    return path


def _finish(sched: Scheduler, name: str, outcome: Outcome) -> int:
    """Queue a run of ``name`` and record ``outcome`` as its end, as the runner would."""
    run = sched.run(name)
    runs = sched.registry.run_store()
    started = runs.start_run(run.id, "test:1", "local", "sam")
    assert started is not None
    home = sched.registry.home
    assert finish_attempt(runs, run.id, started.attempt, outcome, "sam", home=home) is not None
    return run.id


@pytest.fixture
def jobs_registry(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Two jobs: 'nightly' with a succeeded, a failed and a stray run; 'weekly', paused, none."""
    root = tmp_path / "notebooks"
    root.mkdir()
    _notebook(root / "score.ipynb")
    home = tmp_path / "home"
    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(home), actor="sam")
    sched = Scheduler(reg, MMDSScheduler(root_dir=str(root)))
    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters={"rows": 5})
    sched.create("weekly", "score.ipynb", every="7d", paused=True)
    out = home / "runs" / "nightly" / "out.ipynb"
    out.parent.mkdir(parents=True)
    stream = nbformat.v4.new_output("stream", text="north 5\n")
    _notebook(out, [stream])
    ok = _finish(sched, "nightly", Outcome("succeeded", output_path=str(out)))
    failed = _finish(sched, "nightly", Outcome("failed", ERROR, retry=False))
    outside = _notebook(tmp_path / "outside.ipynb")
    stray = _finish(sched, "nightly", Outcome("succeeded", output_path=str(outside)))
    reg.close()
    yield {
        "url": f"sqlite:///{tmp_path / 'mmds.db'}",
        "home": str(home),
        "ok": ok,
        "failed": failed,
        "stray": stray,
        "out": out,
        "outside": outside,
    }


@pytest.fixture
def jp_server_config(jobs_registry: dict[str, Any]) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": jobs_registry["url"], "home": jobs_registry["home"], "actor": "server"},
    }


async def get(jp_fetch: Any, *path: str, **params: Any) -> Any:
    resp = await jp_fetch("mmds", "api", *path, params=params)
    assert resp.headers["Content-Type"].startswith("application/json")
    return json.loads(resp.body)


async def error(jp_fetch: Any, *path: str, method: str = "GET", **params: Any) -> tuple[int, Any]:
    body = b"" if method == "POST" else None
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mmds", "api", *path, method=method, body=body, params=params)
    assert info.value.response is not None
    return info.value.code, json.loads(info.value.response.body)


async def test_jobs_list_says_whether_a_scheduler_runs(
    jp_fetch: Any, jobs_registry: dict[str, Any]
) -> None:
    from datetime import datetime

    from mmds_jupyter.scheduler.dispatcher import Dispatcher

    assert (await get(jp_fetch, "jobs"))["schedulers"] == []
    reg = Registry(url=jobs_registry["url"], home=jobs_registry["home"], actor="sam")
    try:
        Dispatcher(reg, MMDSScheduler(root_dir=jobs_registry["home"])).tick()
    finally:
        reg.close()
    (seen,) = (await get(jp_fetch, "jobs"))["schedulers"]
    assert seen["alive"] is True and seen["stopped_at"] is None
    assert datetime.fromisoformat(seen["seen_at"]).tzinfo is not None


async def test_jobs_list_shows_state_schedule_and_last_run(jp_fetch: Any) -> None:
    items = (await get(jp_fetch, "jobs"))["items"]
    assert [j["name"] for j in items] == ["nightly", "weekly"]
    nightly, weekly = items
    assert (nightly["state"], nightly["schedule"], nightly["last_status"]) == (
        "active",
        "0 2 * * *",
        "succeeded",
    )
    assert nightly["next_run_at"].endswith("02:00:00+00:00")
    assert nightly["parameters"] == {"rows": 5}
    assert (weekly["state"], weekly["next_run_at"], weekly["last_status"]) == ("paused", None, None)


async def test_job_detail_holds_its_newest_runs(jp_fetch: Any, jobs_registry: Any) -> None:
    job = await get(jp_fetch, "jobs", "nightly", limit="2")
    assert (job["name"], job["state"], job["last_status"]) == ("nightly", "active", "succeeded")
    assert [r["id"] for r in job["runs"]] == [jobs_registry["stray"], jobs_registry["failed"]]


async def test_runs_filter_by_job_and_limit(jp_fetch: Any, jobs_registry: Any) -> None:
    runs = (await get(jp_fetch, "runs", job="nightly"))["items"]
    assert [r["status"] for r in runs] == ["succeeded", "failed", "succeeded"]
    assert [r["trigger"] for r in runs] == ["manual"] * 3
    assert len((await get(jp_fetch, "runs", limit="1"))["items"]) == 1
    assert (await get(jp_fetch, "runs", job="weekly"))["items"] == []


async def test_run_detail_has_error_cell_and_score_sets(jp_fetch: Any, jobs_registry: Any) -> None:
    run = await get(jp_fetch, "runs", str(jobs_registry["failed"]))
    assert run["status"] == "failed" and run["job"] == "nightly"
    assert run["error"]["cell_index"] == 2 and run["error"]["cell_source"] == "score(rows)"
    assert run["score_sets"] == [] and run["output_path"] is None
    ok = await get(jp_fetch, "runs", str(jobs_registry["ok"]))
    assert ok["duration_s"] >= 0 and ok["started_at"] and ok["finished_at"]


async def test_run_now_queues_a_run(jp_fetch: Any) -> None:
    resp = await jp_fetch("mmds", "api", "jobs", "weekly", "run", method="POST", body=b"")
    assert resp.code == 201
    run = json.loads(resp.body)
    assert (run["job"], run["status"], run["trigger"]) == ("weekly", "queued", "manual")
    runs = (await get(jp_fetch, "runs", job="weekly"))["items"]
    assert [r["id"] for r in runs] == [run["id"]]


async def test_run_notebook_is_the_executed_notebook(jp_fetch: Any, jobs_registry: Any) -> None:
    nb = await get(jp_fetch, "runs", str(jobs_registry["ok"]), "notebook")
    assert nb["nbformat"] == 4
    assert nb["cells"][2]["outputs"][0]["text"] in ("north 5\n", ["north 5\n"])


async def test_run_notebook_refuses_paths_outside_home(jp_fetch: Any, jobs_registry: Any) -> None:
    code, body = await error(jp_fetch, "runs", str(jobs_registry["stray"]), "notebook")
    assert code == 403 and "outside MMDS_HOME" in body["message"]
    # A link inside MMDS_HOME/runs that points out of it is refused too.
    jobs_registry["out"].unlink()
    jobs_registry["out"].symlink_to(jobs_registry["outside"])
    code, body = await error(jp_fetch, "runs", str(jobs_registry["ok"]), "notebook")
    assert code == 403


async def test_run_notebook_missing(jp_fetch: Any, jobs_registry: Any) -> None:
    code, body = await error(jp_fetch, "runs", str(jobs_registry["failed"]), "notebook")
    assert code == 404 and "no executed notebook" in body["message"]
    jobs_registry["out"].unlink()
    code, body = await error(jp_fetch, "runs", str(jobs_registry["ok"]), "notebook")
    assert code == 404 and "is gone" in body["message"]


@pytest.mark.parametrize(
    "path, method",
    [
        (("jobs", "nope"), "GET"),
        (("jobs", "nope", "run"), "POST"),
        (("runs", "999"), "GET"),
        (("runs", "999", "notebook"), "GET"),
        (("runs", "99999999999999999999999"), "GET"),
        (("runs", "abc"), "GET"),
        (("runs", "..%2F..%2Fetc", "notebook"), "GET"),
    ],
)
async def test_unknown_jobs_and_runs_are_404(jp_fetch: Any, path: Any, method: str) -> None:
    code, body = await error(jp_fetch, *path, method=method)
    assert code == 404 and body["message"]


async def test_runs_of_an_unknown_job_or_bad_limit(jp_fetch: Any) -> None:
    code, body = await error(jp_fetch, "runs", job="nope")
    assert code == 404 and "no job named 'nope'" in body["message"]
    code, body = await error(jp_fetch, "runs", limit="x")
    assert code == 400


# -- writing: create, pause, resume, cancel -------------------------------------------------------


async def send(jp_fetch: Any, *path: str, body: Any = None) -> tuple[int, Any]:
    """POST as the JupyterLab client does (JSON body, or none); returns the status and JSON."""
    data = b"" if body is None else body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = await jp_fetch("mmds", "api", *path, method="POST", body=data, raise_error=False)
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.code, json.loads(resp.body)


@pytest.fixture
def score_notebook(jp_root_dir: Path) -> str:
    """A notebook under the server's root declaring region, rows and a model reference."""
    folder = jp_root_dir / "reports"
    folder.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"\nrows = 10\nmodel_ref = "churn@champion"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("print(region, rows, model_ref)")]
    path = folder / "score.ipynb"
    nbformat.write(nb, path)
    return "reports/score.ipynb"


async def test_a_client_creates_pauses_resumes_runs_and_cancels_a_job(
    jp_fetch: Any, jp_root_dir: Path, score_notebook: str, jobs_registry: Any
) -> None:
    body = {
        "name": "hourly-north",
        "notebook": score_notebook,
        "cron": "0 * * * *",
        "parameters": {"region": "south", "rows": 3},
        "timezone": "Europe/Berlin",
        "max_concurrent": 2,
        "timeout": 600,
        "retries": 1,
        "retry_delay": 5.5,
        "catchup": "skip",
        "keep_outputs": 3,
        "description": "north, every hour",
    }
    code, job = await send(jp_fetch, "jobs", body=body)
    assert code == 201, job
    assert (job["name"], job["state"], job["schedule"], job["timezone"]) == (
        "hourly-north",
        "active",
        "0 * * * *",
        "Europe/Berlin",
    )
    # The notebook is shown relative to the server's root: no reader learns its folders.
    assert job["notebook"] == score_notebook and str(jp_root_dir) not in json.dumps(job)
    assert job["parameters"] == {"region": "south", "rows": 3}
    assert (job["max_concurrent"], job["timeout_s"], job["max_retries"]) == (2, 600, 1)
    assert (job["retry_delay_s"], job["catchup"], job["keep_outputs"]) == (5.5, "skip", 3)
    assert job["next_run_at"] is not None and job["created_by"] == "server"
    listed = {j["name"]: j for j in (await get(jp_fetch, "jobs"))["items"]}
    assert listed["hourly-north"]["id"] == job["id"]

    code, paused = await send(jp_fetch, "jobs", "hourly-north", "pause")
    assert code == 200
    assert (paused["state"], paused["paused"], paused["next_run_at"]) == ("paused", True, None)
    assert (await get(jp_fetch, "jobs", "hourly-north"))["state"] == "paused"

    code, resumed = await send(jp_fetch, "jobs", "hourly-north", "resume")
    assert code == 200
    assert (resumed["state"], resumed["paused"]) == ("active", False)
    assert resumed["next_run_at"] is not None

    code, queued = await send(jp_fetch, "jobs", "hourly-north", "run")
    assert code == 201 and queued["status"] == "queued"
    code, cancelled = await send(jp_fetch, "runs", str(queued["id"]), "cancel")
    assert code == 200 and cancelled["status"] == "cancelled" and cancelled["finished_at"]

    # A running run is asked to stop: the scheduler that runs it sees the request at its next
    # heartbeat and stops the kernel.
    code, second = await send(jp_fetch, "jobs", "hourly-north", "run")
    reg = Registry(url=jobs_registry["url"], home=jobs_registry["home"], actor="sam")
    try:
        started = reg.run_store().start_run(second["id"], "test:1", "local", "sam")
        assert started is not None
        assert reg.run_store().heartbeat(second["id"], started.attempt) == (True, False)
        code, asked = await send(jp_fetch, "runs", str(second["id"]), "cancel")
        assert code == 202
        assert (asked["status"], asked["cancel_requested"]) == ("running", True)
        assert reg.run_store().heartbeat(second["id"], started.attempt) == (True, True)
        log = reg.events(actor="server", limit=None)
    finally:
        reg.close()
    # Each write is audited under the server's actor.
    assert list(log["action"])[::-1] == [
        "job.create",
        "job.pause",
        "job.resume",
        "job.run",
        "run.cancelled",
        "job.run",
        "run.cancel_requested",
    ]
    runs = (await get(jp_fetch, "runs", job="hourly-north"))["items"]
    assert [(r["id"], r["status"]) for r in runs] == [
        (second["id"], "running"),
        (queued["id"], "cancelled"),
    ]
    # A finished run cannot be cancelled again.
    code, body = await send(jp_fetch, "runs", str(queued["id"]), "cancel")
    assert code == 409 and "already cancelled" in body["message"]


async def delete(jp_fetch: Any, *path: str) -> tuple[int, Any]:
    resp = await jp_fetch("mmds", "api", *path, method="DELETE", raise_error=False)
    return resp.code, json.loads(resp.body)


async def test_delete_a_job_keeps_its_runs_and_refuses_one_with_a_run_queued(
    jp_fetch: Any, jobs_registry: Any
) -> None:
    code, queued = await send(jp_fetch, "jobs", "weekly", "run")
    code, body = await delete(jp_fetch, "jobs", "weekly")
    assert code == 409 and body["error"] == "JobBusy"
    assert f"run {queued['id']} queued; cancel it first" in body["message"]
    assert (await send(jp_fetch, "runs", str(queued["id"]), "cancel"))[0] == 200
    code, gone = await delete(jp_fetch, "jobs", "weekly")
    assert code == 200 and gone["name"] == "weekly"
    code, deleted = await delete(jp_fetch, "jobs", "nightly")
    assert code == 200 and deleted["schedule"] == "0 2 * * *"
    assert (await get(jp_fetch, "jobs"))["items"] == []
    assert (await error(jp_fetch, "jobs", "nightly"))[0] == 404
    code, body = await delete(jp_fetch, "jobs", "nightly")
    assert code == 404 and "no job named 'nightly'" in body["message"]
    # The past runs and their notebooks stay, under the job's name (the audit trail).
    run = await get(jp_fetch, "runs", str(jobs_registry["ok"]))
    assert run["job"] == "nightly" and run["status"] == "succeeded"
    assert (await get(jp_fetch, "runs", str(jobs_registry["ok"]), "notebook"))["cells"]
    reg = Registry(url=jobs_registry["url"], home=jobs_registry["home"], actor="sam")
    try:
        log = reg.events(action="job.delete", limit=None)
    finally:
        reg.close()
    assert sorted(log["object_ref"]) == ["job:nightly", "job:weekly"]
    assert set(log["actor"]) == {"server"}


async def test_put_defines_a_job_anew_and_refuses_a_rename(
    jp_fetch: Any, score_notebook: str
) -> None:
    body = {"name": "nightly", "notebook": score_notebook, "cron": "0 4 * * *", "paused": True}
    resp = await jp_fetch(
        "mmds", "api", "jobs", "nightly", method="PUT", body=json.dumps(body), raise_error=False
    )
    job = json.loads(resp.body)
    assert resp.code == 200 and (job["schedule"], job["state"]) == ("0 4 * * *", "paused")
    assert job["parameters"] == {}  # the new definition replaces the old one's parameters
    # The old runs stay with it.
    assert len((await get(jp_fetch, "runs", job="nightly"))["items"]) == 3
    resp = await jp_fetch(
        "mmds", "api", "jobs", "weekly", method="PUT", body=json.dumps(body), raise_error=False
    )
    refused = json.loads(resp.body)
    assert resp.code == 400 and "cannot be renamed" in refused["message"]
    assert (await get(jp_fetch, "jobs", "weekly"))["schedule"] == "every 604800s"


async def patch(jp_fetch: Any, name: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = await jp_fetch("mmds", "api", "jobs", name, method="PATCH", body=data, raise_error=False)
    return resp.code, json.loads(resp.body)


async def test_patch_changes_only_the_fields_it_names(
    jp_fetch: Any, score_notebook: str, jobs_registry: Any
) -> None:
    body = {
        "name": "hourly", "notebook": score_notebook, "cron": "0 * * * *",
        "parameters": {"region": "south"}, "timezone": "Europe/Berlin", "max_concurrent": 2,
        "timeout": 600, "retries": 4, "retry_delay": 5.5, "catchup": "skip", "keep_outputs": 3,
        "description": "south", "spark_master": "local[2]",
    }  # fmt: skip
    code, created = await send(jp_fetch, "jobs", body=body)
    assert code == 201, created
    code, job = await patch(jp_fetch, "hourly", {"every": "2h"})
    assert code == 200, job
    # The schedule changed (every replaces cron); every other field is as it was.
    assert job["schedule"] == "every 7200s"
    same = {k: v for k, v in created.items() if k not in ("schedule", "next_run_at")}
    assert {k: job[k] for k in same} == same
    assert await get(jp_fetch, "jobs", "hourly", limit="1") == {
        **job, "runs": [], "last_status": None
    }  # fmt: skip
    # What a reader is shown goes back as it came: the notebook relative to the root.
    code, job = await patch(jp_fetch, "hourly", {"notebook": job["notebook"], "paused": True})
    assert code == 200 and (job["state"], job["max_retries"]) == ("paused", 4)
    code, job = await patch(jp_fetch, "hourly", {"cron": None, "every": None})
    assert code == 200 and job["schedule"] is None and job["timeout_s"] == 600
    # Audited as edits.
    reg = Registry(url=jobs_registry["url"], home=jobs_registry["home"], actor="sam")
    try:
        log = reg.events(action="job.update", limit=None)
    finally:
        reg.close()
    assert list(log["object_ref"]) == ["job:hourly"] * 3


@pytest.mark.parametrize(
    "body, status, message",
    [
        ({}, 400, "Name the fields to change"),
        ({"name": "hourly"}, 400, "Name the fields to change"),
        ({"name": "other", "retries": 1}, 400, "cannot be renamed"),
        ({"colour": "red"}, 400, "Unknown field"),
        ({"retries": "two"}, 400, "'retries' must be a whole number"),
        ({"retries": -1}, 400, "retries must be"),
        ({"cron": "61 * * * *"}, 400, "not a valid cron"),
        ({"cron": "0 * * * *", "every": "1h"}, 400, "not both"),
        ({"notebook": "../x.ipynb"}, 400, "outside the allowed folder"),
        ({"parameters": {"regoin": "x"}}, 400, "regoin"),
        (b"[1]", 400, "JSON object"),
        (b"{", 400, "JSON object"),
    ],
)
async def test_patch_refusals_name_the_problem_and_change_nothing(
    jp_fetch: Any, score_notebook: str, body: Any, status: int, message: str
) -> None:
    job = {"name": "hourly", "notebook": score_notebook, "cron": "0 * * * *", "retries": 2}
    code, created = await send(jp_fetch, "jobs", body=job)
    assert code == 201, created
    code, refused = await patch(jp_fetch, "hourly", body)
    assert code == status and message in refused["message"], refused
    kept = await get(jp_fetch, "jobs", "hourly")
    assert (kept["schedule"], kept["max_retries"], kept["notebook"]) == (
        "0 * * * *", 2, score_notebook
    )  # fmt: skip


async def test_patch_of_an_unknown_or_deleted_job_is_a_404_and_creates_nothing(
    jp_fetch: Any, score_notebook: str
) -> None:
    code, refused = await patch(jp_fetch, "nope", {"retries": 1})
    assert code == 404 and "no job named 'nope'" in refused["message"]
    code, _ = await send(jp_fetch, "jobs", body={"name": "gone", "notebook": score_notebook})
    assert code == 201
    assert (await delete(jp_fetch, "jobs", "gone"))[0] == 200
    code, refused = await patch(jp_fetch, "gone", {"retries": 1})
    assert code == 404 and "no job named 'gone'" in refused["message"]
    names = {j["name"] for j in (await get(jp_fetch, "jobs"))["items"]}
    assert not names & {"nope", "gone"}


async def test_notebooks_lists_what_a_job_can_run_with_its_parameters(
    jp_fetch: Any, jp_root_dir: Path, score_notebook: str
) -> None:
    nbformat.write(nbformat.v4.new_notebook(), jp_root_dir / "plain.ipynb")
    hidden = jp_root_dir / ".ipynb_checkpoints"
    hidden.mkdir()
    nbformat.write(nbformat.v4.new_notebook(), hidden / "plain-checkpoint.ipynb")
    (jp_root_dir / "broken.ipynb").write_text("{ not json")
    listing = await get(jp_fetch, "notebooks")
    # Paths relative to the root; the root itself (a folder of the server's) is not shown.
    assert set(listing) == {"items"}
    assert str(jp_root_dir.resolve()) not in json.dumps(listing)
    assert (
        "broken.ipynb could not be read"
        in {n["path"]: n for n in listing["items"]}["broken.ipynb"]["problem"]
    )
    found = {n["path"]: n for n in listing["items"]}
    assert sorted(found) == ["broken.ipynb", "plain.ipynb", score_notebook]
    assert found[score_notebook]["problem"] is None
    assert found[score_notebook]["parameters"] == [
        {"name": "region", "default": "north", "has_default": True},
        {"name": "rows", "default": 10, "has_default": True},
        {"name": "model_ref", "default": "churn@champion", "has_default": True},
    ]
    assert found["plain.ipynb"]["parameters"] is None
    assert "no cell tagged 'parameters'" in found["plain.ipynb"]["problem"]


async def test_pausing_twice_and_resuming_an_active_job_are_harmless(jp_fetch: Any) -> None:
    for _ in range(2):
        code, job = await send(jp_fetch, "jobs", "nightly", "pause")
        assert code == 200 and job["state"] == "paused"
    code, job = await send(jp_fetch, "jobs", "weekly", "resume")
    assert code == 200 and job["state"] == "active"
    code, job = await send(jp_fetch, "jobs", "weekly", "resume")
    assert code == 200 and job["state"] == "active"


async def test_a_job_with_only_a_name_and_notebook_runs_on_demand(
    jp_fetch: Any, score_notebook: str
) -> None:
    code, job = await send(jp_fetch, "jobs", body={"name": "adhoc", "notebook": score_notebook})
    assert code == 201
    assert (job["schedule"], job["next_run_at"], job["timezone"]) == (None, None, "UTC")
    assert (job["max_concurrent"], job["max_retries"], job["keep_outputs"]) == (1, 0, None)
    code, paused = await send(
        jp_fetch, "jobs", body={"name": "later", "notebook": score_notebook, "paused": True}
    )
    assert code == 201 and paused["state"] == "paused"
    assert job["spark_master"] is None
    body = {"name": "on_spark", "notebook": score_notebook, "spark_master": "spark://h:7077"}
    code, job = await send(jp_fetch, "jobs", body=body)
    assert code == 201 and job["spark_master"] == "spark://h:7077"
    listed = {j["name"]: j for j in (await get(jp_fetch, "jobs"))["items"]}
    assert listed["on_spark"]["spark_master"] == "spark://h:7077"


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"notebook": "../notebooks/score.ipynb"}, 400, "outside the allowed folder"),
        ({"notebook": "/etc/passwd"}, 400, "outside the allowed folder"),
        ({"notebook": "reports/missing.ipynb"}, 400, "There is no notebook"),
        ({"notebook": "plain.ipynb"}, 400, "no cell tagged 'parameters'"),
        ({"notebook": "x" * 5000 + ".ipynb"}, 400, "cannot be used"),
        ({"cron": "61 * * * *"}, 400, "not a valid cron expression"),
        ({"cron": "0 2 * * *", "every": "1h"}, 400, "not both"),
        ({"every": "soon"}, 400, "is not an interval"),
        ({"timezone": "Mars/Olympus"}, 400, "Unknown time zone"),
        ({"parameters": {"regoin": "x"}}, 400, "does not declare the parameter(s) regoin"),
        ({"parameters": {"model_ref": "nope:1"}}, 400, "does not name a model version"),
        ({"parameters": {"model_ref": "churn:" + "9" * 20}}, 400, "version numbers run from 1"),
        ({"catchup": "all"}, 400, "catchup must be one of"),
        ({"max_concurrent": 0}, 400, "max_concurrent"),
        ({"max_concurrent": 2**40}, 400, "max_concurrent"),
        ({"retries": -1}, 400, "retries"),
        ({"timeout": 0}, 400, "timeout"),
        ({"retry_delay": 1e300}, 400, "retry_delay"),
        ({"keep_outputs": 0}, 400, "keep_outputs"),
        ({"name": "no spaces"}, 400, "Job name 'no spaces' is not valid"),
        ({"name": "n" * 201}, 400, "name is 201 characters; at most 150 fit"),
        ({"description": "d" * 8001}, 400, "description is 8001 characters long"),
        ({"name": "nightly"}, 409, "already exists"),
        ({"spark_master": "spark://nowhere"}, 400, "is not a Spark master URL"),
    ],
)
async def test_create_refusals_name_the_problem(
    jp_fetch: Any,
    jp_root_dir: Path,
    score_notebook: str,
    change: dict[str, Any],
    status: int,
    words: str,
) -> None:
    plain = nbformat.v4.new_notebook()
    plain.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(plain, jp_root_dir / "plain.ipynb")
    # The jobs_registry's own notebooks lie next to the server root, not under it.
    assert (jp_root_dir.parent / "notebooks" / "score.ipynb").is_file()
    body = {"name": "fresh", "notebook": score_notebook, **change}
    code, answer = await send(jp_fetch, "jobs", body=body)
    assert code == status, answer
    assert words in answer["message"], answer
    names = [j["name"] for j in (await get(jp_fetch, "jobs"))["items"]]
    assert names == ["nightly", "weekly"], "a refused job must not be stored"


async def test_deeply_nested_parameters_are_refused_not_a_crash(
    jp_fetch: Any, score_notebook: str
) -> None:
    deep = b"[" * 900 + b"]" * 900
    body = b'{"name": "deep", "notebook": "%s", "parameters": {"region": %s}}' % (
        score_notebook.encode(),
        deep,
    )
    code, answer = await send(jp_fetch, "jobs", body=body)
    assert code == 400 and "nest lists and dicts at most 32 levels" in answer["message"]


@pytest.mark.parametrize(
    "body, words",
    [
        (b"", "must be a JSON object"),
        (b"not json", "must be a JSON object"),
        (b"\xff\xfe", "must be a JSON object"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"name": "a", "notebook": "b.ipynb", "timeout": NaN}', "NaN is not a JSON number"),
        (b"[" * 100_000 + b"]" * 100_000, "must be a JSON object"),
        ({"notebook": "x.ipynb"}, "name are required"),
        (
            {"name": "a", "notebook": "b.ipynb", "schedule": "0 2 * * *"},
            "Unknown field(s) 'schedule'",
        ),
        ({"name": 7, "notebook": "b.ipynb"}, "'name' must be text"),
        ({"name": "a", "notebook": "b\x00.ipynb"}, "'notebook' must be text"),
        ({"name": "a", "notebook": "b.ipynb", "parameters": [1]}, "'parameters' must be an object"),
        ({"name": "a", "notebook": "b.ipynb", "retries": 1.5}, "'retries' must be a whole number"),
        ({"name": "a", "notebook": "b.ipynb", "retries": True}, "'retries' must be a whole number"),
        (
            {"name": "a", "notebook": "b.ipynb", "timeout": "10"},
            "'timeout' must be a number or null",
        ),
        ({"name": "a", "notebook": "b.ipynb", "paused": "yes"}, "'paused' must be true or false"),
        ({"name": "a", "notebook": "b.ipynb", "timezone": None}, "'timezone' must be text,"),
    ],
)
async def test_a_malformed_body_is_a_400_naming_the_field(
    jp_fetch: Any, body: Any, words: str
) -> None:
    code, answer = await send(jp_fetch, "jobs", body=body)
    assert code == 400, answer
    assert answer["error"] == "BodyRefused" and words in answer["message"], answer


@pytest.mark.parametrize(
    "path, status",
    [
        (("jobs", "nope", "pause"), 404),
        (("jobs", "nope", "resume"), 404),
        (("runs", "999", "cancel"), 404),
        (("runs", "99999999999999999999999", "cancel"), 404),
        (("runs", "abc", "cancel"), 404),
        (("runs", "1", "cancel", "now"), 404),
    ],
)
async def test_writes_to_unknown_jobs_and_runs(jp_fetch: Any, path: Any, status: int) -> None:
    code, body = await send(jp_fetch, *path)
    assert code == status and body["message"]


async def test_server_root_is_the_default_notebook_folder(jp_serverapp: Any) -> None:
    ext = jp_serverapp.extension_manager.extension_apps["mmds_jupyter.server"]
    app = next(iter(ext))
    sched = app.settings["mmds_scheduler"]
    assert Path(sched.config.root_dir) == Path(jp_serverapp.root_dir)
