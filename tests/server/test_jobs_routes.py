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
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler, claims
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
    run = sched.run_now(name)
    started = claims.start_run(sched.db, run.id, "test:1", "local", "sam")
    assert started is not None
    assert finish_attempt(sched.db, run.id, started.attempt, outcome, "sam") is not None
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
