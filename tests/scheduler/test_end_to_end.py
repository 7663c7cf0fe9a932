"""Journey 3 with real processes: ``mmds scheduler`` daemons run a real notebook on real kernels."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import nbformat
import psutil
import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Run, Scheduler

from .conftest import fit_model
from .processes import Daemon, env_for, mmds, read_lines, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def setup(champion_reg: Registry, root: Path, tmp_path: Path):
    """(registry, scheduler service, env for the mmds command, output folder)."""
    sched = Scheduler(champion_reg, MMDSScheduler(root_dir=str(root)))
    env = env_for(champion_reg.url, str(champion_reg.home), root)
    out = tmp_path / "out"
    out.mkdir()
    return champion_reg, sched, env, out


def runs_of(sched: Scheduler, job: str) -> list[Run]:
    return sorted(sched.runs(job=job, limit=None), key=lambda r: r.id)


def raised(runs: list[Run]) -> list[Run]:
    """The failed runs whose notebook raised (not those stopped with their scheduler)."""
    return [r for r in runs if r.status == "failed" and r.error["ename"] != "SchedulerStopped"]


# Two schedulers sharing one database is a team's setup, on PostgreSQL (about 100 s of CI time
# per database); one scheduler on SQLite is driven by the other tests of this module.
@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_two_schedulers_run_each_occurrence_once_and_follow_the_champion(setup, tmp_path):
    reg, sched, env, out = setup
    mmds(
        env, "jobs", "create", "--name", "score", "--notebook", "score.ipynb",
        "--every", "4s", "--max-concurrent", "2",
        "-p", "model_ref=churn@champion", "-p", f"out_dir={out}",
    )  # fmt: skip
    mmds(
        env, "jobs", "create", "--name", "broken", "--notebook", "score.ipynb",
        "--cron", "* * * * * */4", "-p", "fail=true", "-p", f"out_dir={out}",
    )  # fmt: skip
    daemons = [Daemon(env, tmp_path / f"scheduler-{i}.log", "--lease", "20") for i in (1, 2)]
    try:

        def succeeded(model: str) -> list[Run]:
            return [
                r for r in runs_of(sched, "score")
                if r.status == "succeeded" and r.parameters["model_ref"] == model
            ]  # fmt: skip

        wait_for("a run on churn:1", lambda: succeeded("default/churn:1"), daemons)
        reg.track(fit_model(1), name="churn")
        reg.set_stage("churn:2", "production")
        promoted = reg.alias("churn:2", "champion").created_at
        wait_for("a run on churn:2", lambda: succeeded("default/churn:2"), daemons)
        wait_for(
            "two runs of the broken job failed by their notebook",
            lambda: len(raised(runs_of(sched, "broken"))) >= 2,
            daemons,
        )
        mmds(env, "jobs", "pause", "score")
        mmds(env, "jobs", "pause", "broken")
    finally:
        codes = [d.stop() for d in daemons]
    assert codes == [0, 0], [d.output()[-3000:] for d in daemons]

    # Each occurrence was claimed once and none was silently dropped.
    for job, step in (("score", 4), ("broken", 4)):
        runs = [r for r in runs_of(sched, job) if r.trigger == "schedule"]
        times = [r.scheduled_for for r in runs]
        assert len(set(times)) == len(times)
        for a, b in zip(runs, runs[1:], strict=False):
            gap = (b.scheduled_for - a.scheduled_for) / timedelta(seconds=step)
            assert gap == b.covers_missed + 1, (a, b)
    # Each run's notebook executed once: one scored line per succeeded run, none twice.
    lines = read_lines(out / "scored.jsonl")
    ids = [line["run_id"] for line in lines]
    assert len(ids) == len(set(ids))
    good = [r for r in runs_of(sched, "score") if r.status == "succeeded"]
    assert {r.id for r in good} <= set(ids)

    # The alias is resolved when each run starts and recorded with what was asked.
    for run in good:
        ref = run.resolved_refs["model_ref"]
        assert ref["requested"] == "churn@champion"
        assert ref["resolved"] == run.parameters["model_ref"]
        line = next(line for line in lines if line["run_id"] == run.id)
        assert line["model"] == ref["resolved"]
        if run.started_at > promoted + timedelta(seconds=1):
            assert ref["resolved"] == "default/churn:2"
        nb = nbformat.read(run.output_path, as_version=4)
        assert Path(run.output_path) == Path(reg.home) / "runs" / "score" / f"{run.id}.ipynb"
        assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
        [score_set] = sched.score_sets(run.id)
        assert score_set["version"] == ref["resolved"] and score_set["n_rows"] == 3

    # A raising notebook fails with its cell and error, and the next occurrence still runs.
    # (A run still in its kernel when the schedulers stop fails as SchedulerStopped instead.)
    runs = runs_of(sched, "broken")
    failed = raised(runs)
    stopped = [r for r in runs if r.status == "failed" and r not in failed]
    assert all(r.error["ename"] == "SchedulerStopped" for r in stopped)
    for run in failed[:2]:
        assert run.error["ename"] == "ValueError"
        assert run.error["evalue"] == "the input data for default/churn@champion is broken"
        assert run.error["cell_index"] == 3
        assert run.error["cell_source"].startswith("if fail:")
        assert Path(run.output_path).is_file()
    assert failed[1].scheduled_for > failed[0].scheduled_for

    shown = json.loads(mmds(env, "runs", "show", str(failed[0].id), "--json").stdout)
    assert shown["status"] == "failed" and shown["error"]["cell_index"] == 3
    listed = json.loads(mmds(env, "runs", "list", "--job", "score", "--json").stdout)
    assert {r["id"] for r in listed} >= {r.id for r in good}
    actions = set(reg.events(limit=None)["action"])
    assert {"job.create", "job.pause", "run.started", "run.succeeded", "run.failed"} <= actions
    assert reg.verify_events() is None


def test_killed_scheduler_run_is_retried_once(setup, tmp_path):
    reg, sched, env, out = setup
    marker = tmp_path / "marker"
    sched.create(
        "sleepy",
        "score.ipynb",
        parameters={"out_dir": str(out), "sleep_s": 600.0, "marker": str(marker)},
        retries=1,
        retry_delay=0.5,
    )
    first = Daemon(env, tmp_path / "first.log", "--lease", "6")
    mmds(env, "jobs", "run", "sleepy")
    wait_for("the kernel to reach the sleep", marker.exists, [first])
    run = runs_of(sched, "sleepy")[0]
    assert run.status == "running" and run.pid
    first.kill()
    # The runner notices that its scheduler is gone and takes its kernel down with it.
    wait_for("the orphaned runner to exit", lambda: not _alive(run.pid), timeout=60)

    second = Daemon(env, tmp_path / "second.log", "--lease", "6")
    try:
        done = wait_for(
            "the retry to succeed",
            lambda: (r := sched.get_run(run.id)).status in ("succeeded", "failed") and r,
            [second],
        )
    finally:
        assert second.stop() == 0, second.output()
    assert done.status == "succeeded", done.error
    assert done.attempt == 2 and done.history[0]["ename"] == "SchedulerLost"
    assert len(runs_of(sched, "sleepy")) == 1
    assert [line["run_id"] for line in read_lines(out / "scored.jsonl")] == [run.id]
    events = reg.events(limit=None)[::-1]
    actions = list(events[events["object_ref"] == f"run:{run.id}"]["action"])
    assert actions == ["run.started", "run.retrying", "run.started", "run.succeeded"], events


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_timeout_and_cancel_stop_the_kernel(setup, tmp_path):
    reg, sched, env, out = setup
    marker = tmp_path / "marker"
    params = {"out_dir": str(out), "sleep_s": 600.0}
    sched.create("slow", "score.ipynb", parameters=params, timeout=8, retries=0)
    sched.create("cancel-me", "score.ipynb", parameters={**params, "marker": str(marker)})
    daemon = Daemon(env, tmp_path / "scheduler.log")
    try:
        slow = sched.run("slow")
        victim = sched.run("cancel-me")
        wait_for("the kernel to reach the sleep", marker.exists, [daemon])
        pid = sched.get_run(victim.id).pid
        assert "Asked the scheduler" in mmds(env, "runs", "cancel", str(victim.id)).stdout
        finished = ("succeeded", "failed", "cancelled")
        cancelled = wait_for(
            "the cancel", lambda: (r := sched.get_run(victim.id)).status in finished and r, [daemon]
        )
        timed_out = wait_for(
            "the timeout", lambda: (r := sched.get_run(slow.id)).status in finished and r, [daemon]
        )
    finally:
        assert daemon.stop() == 0, daemon.output()
    assert cancelled.status == "cancelled" and cancelled.error["ename"] == "Cancelled"
    assert timed_out.status == "failed" and timed_out.error["ename"] == "Timeout"
    assert not _alive(pid)
    assert read_lines(out / "scored.jsonl") == []
    assert mmds(env, "runs", "cancel", str(victim.id), ok=False).returncode == 1


def test_dask_executor_runs_the_notebook_on_a_worker(setup, tmp_path):
    from distributed import LocalCluster

    reg, sched, env, out = setup
    sched.create("on-dask", "score.ipynb", parameters={"out_dir": str(out)})
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        daemon = Daemon(env, tmp_path / "scheduler.log", "--executor", address)
        try:
            run = sched.run("on-dask")
            done = wait_for(
                "the run on Dask",
                lambda: (r := sched.get_run(run.id)).status not in ("queued", "running") and r,
                [daemon],
            )
        finally:
            assert daemon.stop() == 0, daemon.output()
    assert done.status == "succeeded", done.error
    assert done.executor == address.replace("dask://", "dask:tcp://")
    assert done.pid != daemon.proc.pid and done.host
    assert [line["run_id"] for line in read_lines(out / "scored.jsonl")] == [run.id]
    assert Path(done.output_path).is_file()
