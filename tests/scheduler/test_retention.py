"""The retention rule on real files: old runs lose their output notebook and their runner log."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import Scheduler
from mmds_jupyter.scheduler.dispatcher import Dispatcher
from mmds_jupyter.scheduler.outcomes import Outcome, finish_attempt
from mmds_jupyter.store.tables import RunRow

PARAMS = {"model_ref": "default/churn@champion", "out_dir": "/tmp"}


def _files(home: Path, job: str, run_id: int) -> tuple[Path, Path]:
    """Where the runner writes a run's notebook and the local executor its log (literally)."""
    return home / "runs" / job / f"{run_id}.ipynb", home / "runs" / "_logs" / f"run-{run_id}.log"


def _run(sched: Scheduler, job: str, outcome: str, with_output: bool = True) -> int:
    """One run of ``job`` that leaves a real notebook and log behind, ended as ``outcome``."""
    reg = sched.registry
    run = sched.run(job)
    started = reg.run_store().start_run(run.id, "me", "local", "sam")
    assert started is not None
    out, log = _files(Path(reg.home), job, run.id)
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(f"run {run.id} starting\n")
    output = None
    if with_output:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("{}")
        output = str(out)
    error = None if outcome == "succeeded" else {"ename": "ValueError", "evalue": "x"}
    end = Outcome(outcome, error, output, retry=False)
    assert finish_attempt(reg.run_store(), run.id, 1, end, "sam", home=reg.home) == outcome
    return run.id


def _output_paths(reg: Registry) -> dict[int, str | None]:
    with reg.db.session() as s:
        return dict(s.execute(select(RunRow.id, RunRow.output_path)).all())


def test_old_runs_lose_their_notebook_and_log(sched: Scheduler, champion_reg: Registry) -> None:
    home = Path(champion_reg.home)
    sched.create("r", "score.ipynb", parameters=PARAMS, keep_outputs=2, max_concurrent=2)
    sched.create("other", "score.ipynb", parameters=PARAMS)  # keeps everything
    other = _run(sched, "other", "succeeded")
    ids = [_run(sched, "r", "succeeded"), _run(sched, "r", "failed")]
    # A run that wrote no notebook does not count towards keep_outputs; it keeps its log until
    # two newer runs have finished.
    old_bare = _run(sched, "r", "failed", with_output=False)
    ids += [_run(sched, "r", "succeeded"), _run(sched, "r", "succeeded")]
    # A run still going keeps its log whatever its age among the runs.
    live = sched.run("r")
    assert champion_reg.run_store().start_run(live.id, "me", "local", "sam") is not None
    live_log = _files(home, "r", live.id)[1]
    live_log.write_text("running\n")
    ids.append(_run(sched, "r", "succeeded"))
    bare = _run(sched, "r", "failed", with_output=False)

    kept, pruned = ids[-2:], ids[:-2]
    for run_id in pruned:
        out, log = _files(home, "r", run_id)
        assert not out.exists() and not log.exists(), run_id
    for run_id in kept:
        out, log = _files(home, "r", run_id)
        assert out.is_file() and log.read_text() == f"run {run_id} starting\n"
    assert _files(home, "r", bare)[1].is_file()
    assert not _files(home, "r", old_bare)[1].exists()
    assert live_log.is_file()
    assert all(p.is_file() for p in _files(home, "other", other))
    paths = _output_paths(champion_reg)
    assert [paths[i] for i in pruned] == [None] * len(pruned)
    assert [paths[i] for i in kept] == [str(_files(home, "r", i)[0]) for i in kept]
    assert paths[other] is not None


def test_files_go_only_after_the_rows_commit(
    sched: Scheduler, champion_reg: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is deleted when its run no longer points at it, and a file that cannot be
    deleted is skipped without undoing the rows or stopping the other deletions."""
    home = Path(champion_reg.home)
    sched.create("r", "score.ipynb", parameters=PARAMS, keep_outputs=1)
    first = _run(sched, "r", "succeeded")
    second = _run(sched, "r", "succeeded")
    # The first run's files are gone already; give the second run a log that cannot be deleted.
    stuck = _files(home, "r", second)[1]
    stuck.unlink()
    stuck.mkdir()
    seen: list[tuple[str, str | None]] = []
    unlink = Path.unlink

    def watching_unlink(path: Path, missing_ok: bool = False) -> None:
        # Another connection sees what is committed: the run must already have let go.
        seen.append((path.name, _output_paths(champion_reg)[second]))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", watching_unlink)
    third = _run(sched, "r", "succeeded")
    assert seen == [(f"{second}.ipynb", None), (f"run-{second}.log", None)]
    assert stuck.is_dir()  # could not be deleted: logged, not raised
    assert not _files(home, "r", second)[0].exists()
    assert _output_paths(champion_reg)[third] is not None
    assert not any(p.exists() for p in _files(home, "r", first))


def test_the_local_executor_logs_where_retention_looks(
    sched: Scheduler, champion_reg: Registry
) -> None:
    """The scheduler's own executor writes the runner log that retention later removes."""
    dispatcher = Dispatcher(champion_reg)
    env = {"MMDS_URL": champion_reg.url, "MMDS_HOME": champion_reg.home}
    # No such run: the runner starts, finds nothing to do and exits, leaving its log file.
    execution = dispatcher.executor.submit(987654, 1, env, 1.0, "")
    deadline = time.monotonic() + 60
    while execution.poll() is None:
        assert time.monotonic() < deadline, "the runner did not exit"
        time.sleep(0.1)
    assert execution.poll() == 3  # the runner's "not my run" exit
    log = _files(Path(champion_reg.home), "r", 987654)[1]
    assert log.is_file()
