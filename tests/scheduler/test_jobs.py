"""Jobs and run bookkeeping against SQLite and PostgreSQL: refusals, claims, leases, retention."""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sqlalchemy import select, update

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import (
    Job,
    JobBusy,
    JobExists,
    JobNotFound,
    JobRefused,
    NotebookRefused,
    ParameterRefused,
    RunStateError,
    ScheduleInvalid,
    Scheduler,
    claims,
    service,
)
from mmds_jupyter.scheduler.outcomes import Outcome, backoff_s, finish_attempt, now_utc
from mmds_jupyter.scheduler.runner import retryable
from mmds_jupyter.store.tables import JobRow, RunRow

from .conftest import fit_model
from .processes import run_attempt

PARAMS = {"model_ref": "default/churn@champion", "out_dir": "/tmp"}


def job_events(reg: Registry) -> list[str]:
    frame = reg.events(limit=None)  # newest first
    return [a for a in reversed(list(frame["action"])) if a.startswith(("job.", "run."))]


def test_create_stores_a_checked_job(sched: Scheduler, champion_reg: Registry) -> None:
    job = sched.create(
        "nightly-churn",
        "score.ipynb",
        cron="0 2 * * *",
        parameters={"model_ref": "churn@champion", "sleep_s": "1.5", "fail": "false"},
        parameters_as_text=True,
        timeout=600,
        retries=2,
    )
    assert job.notebook == str(Path(sched.config.root_dir) / "score.ipynb")
    # Text from -p is typed like the notebook's defaults.
    assert job.parameters == {"model_ref": "churn@champion", "sleep_s": 1.5, "fail": False}
    assert job.next_run_at is not None and job.next_run_at > now_utc()
    assert (job.next_run_at.hour, job.next_run_at.minute) == (2, 0)
    assert [j.name for j in sched.list()] == ["nightly-churn"]
    assert job_events(champion_reg) == ["job.create"]


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"notebook": "/etc/passwd.ipynb"}, NotebookRefused, "outside the allowed folder"),
        ({"notebook": "../outside.ipynb"}, NotebookRefused, "outside the allowed folder"),
        ({"notebook": "link.ipynb"}, NotebookRefused, "outside the allowed folder"),
        ({"notebook": "missing.ipynb"}, NotebookRefused, "no notebook"),
        ({"notebook": "no_parameters.ipynb"}, NotebookRefused, "tagged 'parameters'"),
        ({"cron": "61 * * * *"}, ScheduleInvalid, "not a valid cron"),
        ({"cron": "every day"}, ScheduleInvalid, "not a valid cron"),
        ({"cron": None, "every": "5 parsecs"}, ScheduleInvalid, "not an interval"),
        ({"every": "5s"}, ScheduleInvalid, "not both"),
        ({"timezone": "Mars/Olympus"}, ScheduleInvalid, "time zone"),
        ({"parameters": {"modle_ref": "churn"}}, ParameterRefused, "modle_ref"),
        ({"parameters": {"model_ref": "nope@champion"}}, ParameterRefused, "no model named"),
        ({"parameters": {"model_ref": "churn@prod"}}, ParameterRefused, "no alias 'prod'"),
        ({"parameters": {"model_ref": "churn:7"}}, ParameterRefused, "no version 7"),
        ({"catchup": "all"}, Exception, "catchup"),
        ({"max_concurrent": 0}, Exception, "max_concurrent"),
        # Past the widths and ranges the tables and date arithmetic hold (PostgreSQL included).
        ({"cron": "0 0 31 2 *"}, ScheduleInvalid, "never falls on a real date"),
        ({"cron": None, "every": "400d"}, ScheduleInvalid, "longer than a year"),
        ({"notebook": "score\x00.ipynb"}, NotebookRefused, "cannot be used"),
        ({"notebook": "n" * 300 + ".ipynb"}, NotebookRefused, "cannot be used"),
        ({"name": "j" * 201}, Exception, "201 characters; at most 150"),
        ({"description": "d" * 8001}, Exception, "8001 characters long; at most 8000"),
        ({"max_concurrent": 2**31}, JobRefused, "max_concurrent"),
        ({"retries": 2**31}, JobRefused, "retries"),
        ({"keep_outputs": 2**40}, JobRefused, "keep_outputs"),
        ({"timeout": float("nan")}, JobRefused, "timeout"),
        ({"timeout": 1e300}, JobRefused, "timeout"),
        ({"retry_delay": float("inf")}, JobRefused, "retry_delay"),
        ({"retries": True}, JobRefused, "retries"),
        ({"parameters": {"out_dir": json.loads("[" * 40 + "]" * 40)}}, ParameterRefused, "nest"),
    ],
)
def test_create_refuses_bad_jobs(sched, champion_reg, root, kwargs, error, match) -> None:
    (root.parent / "outside.ipynb").write_bytes((root / "score.ipynb").read_bytes())
    os.symlink(root.parent / "outside.ipynb", root / "link.ipynb")
    args = {"notebook": "score.ipynb", "cron": "*/5 * * * *", "parameters": PARAMS, **kwargs}
    args.setdefault("name", "bad")
    with pytest.raises(error, match=match):
        sched.create(**args)
    assert sched.list() == [] and job_events(champion_reg) == []


def test_duplicate_name_is_refused(sched: Scheduler) -> None:
    sched.create("a", "score.ipynb", every="1h")
    with pytest.raises(JobExists, match="already exists"):
        sched.create("a", "score.ipynb", every="1h")


def test_update_changes_only_the_named_fields(sched: Scheduler, champion_reg: Registry) -> None:
    from mmds_jupyter.scheduler.spec import JOB_FIELDS, definition_of

    sched.create(
        "nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS, timezone="Europe/Paris",
        max_concurrent=2, timeout=600, retries=3, retry_delay=5, catchup="skip", keep_outputs=4,
        description="scores churn", spark_master="local[2]",
    )  # fmt: skip
    before = definition_of(sched.get("nightly"))
    job = sched.update("nightly", every="2h")
    after = definition_of(job)
    # The schedule is one setting: every replaces the cron; nothing else moved.
    assert (after["cron"], after["every"]) == (None, "7200s")
    assert {k: v for k, v in after.items() if k not in ("cron", "every")} == {
        k: v for k, v in before.items() if k not in ("cron", "every")
    }
    assert (job.max_retries, job.timeout_s, job.spark_master) == (3, 600, "local[2]")
    # Every field of a job is kept by a change that does not name it (a field added to
    # JOB_FIELDS later too: definition_of reads each one back from the stored job).
    assert set(after) == {f.name for f in JOB_FIELDS}
    # Audited as an edit, with the field before and after.
    events = champion_reg.events(limit=None)
    assert job_events(champion_reg) == ["job.create", "job.update"]
    assert "7200" in str(events.iloc[0].to_dict())
    # On demand: both schedule fields named without a value.
    assert sched.update("nightly", cron=None).schedule is None
    # Parameters given replace the mapping, typed like create's -p text when asked.
    job = sched.update("nightly", parameters={"out_dir": "/srv"}, parameters_as_text=True)
    assert job.parameters == {"out_dir": "/srv"} and job.max_retries == 3


def test_update_is_checked_as_a_create_and_stores_nothing_refused(sched: Scheduler) -> None:
    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS, retries=2)
    stored = sched.get("nightly")
    cases = [
        ({"cron": "61 * * * *"}, ScheduleInvalid, "not a valid cron"),
        ({"cron": "0 2 * * *", "every": "1h"}, ScheduleInvalid, "not both"),
        ({"retries": -1}, JobRefused, "retries"),
        ({"notebook": "../outside.ipynb"}, NotebookRefused, "outside the allowed folder"),
        ({"parameters": {"modle_ref": "x"}}, ParameterRefused, "modle_ref"),
        ({"name": "other"}, JobRefused, "cannot be renamed"),
        ({"colour": "red"}, JobRefused, "Unknown field"),
        ({}, JobRefused, "Name what to change"),
    ]
    for changes, error, match in cases:
        with pytest.raises(error, match=match):
            sched.update("nightly", **changes)
    assert sched.get("nightly") == stored
    with pytest.raises(JobNotFound):
        sched.update("nope", retries=1)
    assert [j.name for j in sched.list()] == ["nightly"]


def _update_while(sched, monkeypatch, meanwhile, **changes) -> dict:
    """The outcomes (value or error) of ``sched.update("nightly", **changes)`` and of
    ``meanwhile()``, which another thread starts once the update has read the job, while it
    checks the notebook; the update gives it 2 s to finish (it cannot while the job is held)."""
    real, outcomes, threads = service.notebook_parameters, {}, []
    done = threading.Event()

    def outcome(key, call) -> None:
        try:
            outcomes[key] = call()
        except Exception as exc:
            outcomes[key] = exc
        if key == "meanwhile":
            done.set()

    def check(path):
        if threading.current_thread() is threads[0] and len(threads) == 1:
            threads.append(threading.Thread(target=outcome, args=("meanwhile", meanwhile)))
            threads[1].start()
            done.wait(2)
        return real(path)

    monkeypatch.setattr(service, "notebook_parameters", check)
    threads.append(
        threading.Thread(
            target=outcome, args=("update", lambda: sched.update("nightly", **changes))
        )
    )
    threads[0].start()
    threads[0].join(60)
    threads[1].join(60)
    return outcomes


def test_two_changes_at_once_both_land(sched: Scheduler, monkeypatch) -> None:
    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS)
    outcomes = _update_while(
        sched, monkeypatch, lambda: sched.update("nightly", description="scores churn"), retries=2
    )
    assert all(isinstance(o, Job) for o in outcomes.values()), outcomes
    # Neither change is lost: the second waited for the first and merged into its result.
    job = sched.get("nightly")
    assert (job.max_retries, job.description) == (2, "scores churn")


def test_a_job_deleted_during_a_change_stays_deleted(sched: Scheduler, monkeypatch) -> None:
    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS)
    outcomes = _update_while(sched, monkeypatch, lambda: sched.delete("nightly"), retries=2)
    assert isinstance(outcomes["meanwhile"], Job), outcomes
    # The change either landed before the delete or found no job; it never brings it back.
    assert isinstance(outcomes["update"], (Job, JobNotFound)), outcomes
    assert sched.list() == []
    with pytest.raises(JobNotFound, match="no job named 'nightly'"):
        sched.update("nightly", retries=3)
    assert sched.list() == []


def test_a_change_is_authorised_on_the_job_as_it_is_when_written(
    sched: Scheduler, champion_reg: Registry, root: Path, db_url: str, monkeypatch
) -> None:
    """Team mode: alice may change jobs in the project default only. While her change is on
    its way, an admin moves the job to the project other. Her change is judged on the job as
    it is under the update's lock: it lands before the move, or it is refused; it never
    changes a job of the project other."""
    from mmds_jupyter import cli
    from mmds_jupyter.auth import guard
    from mmds_jupyter.auth.guard import GuardedRegistry
    from mmds_jupyter.auth.permissions import Principal
    from mmds_jupyter.errors import PermissionDenied
    from mmds_jupyter.scheduler import MMDSScheduler

    champion_reg.track(fit_model(0), name="churn", project="other")
    champion_reg.set_stage("other/churn:1", "production")
    champion_reg.alias("other/churn:1", "champion")
    for words in (
        ("users", "add", "alice"),
        ("users", "add", "root"),
        ("grant", "modeller", "--project", "default", "--user", "alice"),
        ("grant", "admin", "--user", "root"),
    ):
        assert cli.main(["--url", db_url, *words]) == 0
    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS)
    config = MMDSScheduler(root_dir=str(root))

    def jobs_of(user: str):
        return GuardedRegistry(champion_reg.acting_as(user), Principal(name=user), config).jobs

    real, outcomes, moved = guard.job_projects, {}, threading.Event()
    elsewhere = {**PARAMS, "model_ref": "other/churn@champion"}

    def move() -> None:
        try:
            outcomes["move"] = jobs_of("root").update("nightly", parameters=elsewhere)
        except Exception as exc:
            outcomes["move"] = exc
        moved.set()

    def judged(registry, keys, parameters):
        # alice's first check has seen the job; the admin's move starts now, and gets 2 s
        found = real(registry, keys, parameters)
        if threading.current_thread().name == "alice" and "move" not in outcomes:
            outcomes["move"] = None
            threading.Thread(target=move).start()
            moved.wait(2)
        return found

    monkeypatch.setattr(guard, "job_projects", judged)

    def alice() -> None:
        try:
            outcomes["alice"] = jobs_of("alice").update("nightly", retries=3)
        except Exception as exc:
            outcomes["alice"] = exc

    worker = threading.Thread(target=alice, name="alice")
    worker.start()
    worker.join(60)
    assert moved.wait(60)
    assert isinstance(outcomes["move"], Job), outcomes
    assert isinstance(outcomes["alice"], (Job, PermissionDenied)), outcomes
    changes = champion_reg.events(action="job.update", limit=None)
    by_alice = changes[changes["actor"] == "alice"]
    assert len(by_alice) == (1 if isinstance(outcomes["alice"], Job) else 0)
    for before in by_alice["before"]:
        assert before["parameters"]["model_ref"] == "default/churn@champion", before
    assert sched.get("nightly").parameters["model_ref"] == "other/churn@champion"


def test_cli_edit_changes_only_the_options_given(sched, db_url, tmp_path, root, capsys) -> None:
    from mmds_jupyter import cli

    sched.create(
        "nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS, retries=3, timeout=600,
        description="scores churn", spark_master="local[2]",
    )  # fmt: skip
    argv = ["--url", db_url, "--home", str(tmp_path / "home"), "jobs", "edit", "nightly"]
    where = ["--root-dir", str(root)]
    assert cli.main([*argv, *where, "--every", "2h", "--no-paused", "--timeout", ""]) == 0
    assert "Changed job nightly" in capsys.readouterr().out
    job = sched.get("nightly")
    assert (job.schedule, job.timeout_s, job.paused) == ("every 7200s", None, False)
    assert (job.max_retries, job.description, job.spark_master) == (3, "scores churn", "local[2]")
    assert job.parameters == PARAMS
    # '' clears a field that may be empty: no schedule is on demand.
    assert cli.main([*argv, *where, "--cron", "", "--paused", "-p", "out_dir=/srv"]) == 0
    job = sched.get("nightly")
    assert (job.schedule, job.paused, job.parameters) == (None, True, {"out_dir": "/srv"})
    # Nothing given, or a bad value: one clear error, nothing changed.
    capsys.readouterr()
    assert cli.main([*argv, *where]) == 1
    assert "Name what to change" in capsys.readouterr().err
    assert cli.main([*argv, *where, "--retries", "-1"]) == 1
    assert "retries must be" in capsys.readouterr().err
    assert sched.get("nightly") == job


def test_a_long_interval_is_stored_in_full_and_kept_by_an_edit(sched: Scheduler) -> None:
    # Stored as "every 1.23457e+06s" before: digits lost, and refused when sent back.
    job = sched.create("slow", "score.ipynb", every="1234567s")
    assert job.schedule == "every 1234567s"
    assert sched.update("slow", retries=1).schedule == "every 1234567s"


def _parameters_notebook(path: Path, source: str) -> None:
    import nbformat

    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell]
    nbformat.write(nb, path)


def test_listing_notebooks_again_reads_only_those_that_changed(sched: Scheduler, root) -> None:
    from mmds_jupyter.scheduler.notebooks import cache_info

    _parameters_notebook(root / "a.ipynb", "alpha = 1")
    _parameters_notebook(root / "b.ipynb", "beta = 1")
    first = sched.notebooks()
    listed = len(first)
    assert listed >= 3
    before = cache_info()
    assert sched.notebooks() == first
    after = cache_info()
    assert after["reads"] == before["reads"]  # nothing read again
    assert after["hits"] == before["hits"] + listed
    # a.ipynb changes size; b.ipynb keeps its size (same length of text) but not its time.
    _parameters_notebook(root / "a.ipynb", "alpha = 1\ngamma = 'new'")
    b = root / "b.ipynb"
    stat = b.stat()
    b.write_text(b.read_text().replace("beta = 1", "beta = 2"))
    assert b.stat().st_size == stat.st_size
    os.utime(b, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    third = {n["path"]: n for n in sched.notebooks()}
    assert cache_info()["reads"] == after["reads"] + 2  # those two, and only those
    assert [p["name"] for p in third["a.ipynb"]["parameters"]] == ["alpha", "gamma"]
    assert third["b.ipynb"]["parameters"][0]["default"] == 2
    # A refusal is remembered too (and given again, whole).
    assert (
        third["no_parameters.ipynb"]["problem"]
        == {n["path"]: n for n in first}["no_parameters.ipynb"]["problem"]
    )


def _backdate(reg: Registry, name: str, seconds: float) -> None:
    """Pretend the job was created (and last scheduled) ``seconds`` ago."""
    then = now_utc() - timedelta(seconds=seconds)
    with reg.db.session(write=True) as s:
        s.execute(
            update(JobRow).where(JobRow.name == name).values(created_at=then, scheduled_until=then)
        )


def test_two_schedulers_claim_an_occurrence_once(sched, champion_reg, db_url, tmp_path) -> None:
    sched.create("often", "score.ipynb", every="10s", parameters=PARAMS)
    _backdate(champion_reg, "often", 15)
    other = Registry(url=db_url, home=str(tmp_path / "home"), actor="other")
    try:
        now = now_utc()
        first = claims.claim_due(champion_reg.run_store(), 60, "a", now)
        second = claims.claim_due(other.run_store(), 60, "b", now)
    finally:
        other.close()
    assert len(first) == 1 and second == []
    run = sched.get_run(first[0])
    assert run.status == "queued" and run.trigger == "schedule" and run.covers_missed == 0
    # The occurrence is 10 s after creation, not the time of the look.
    assert abs((now - run.scheduled_for).total_seconds() - 5) < 2


@pytest.mark.parametrize("catchup, runs, missed", [("once", 1, 4), ("skip", 0, 4)])
def test_missed_occurrences_follow_the_catchup_policy(sched, champion_reg, catchup, runs, missed):
    sched.create("hourly", "score.ipynb", every="1h", catchup=catchup, parameters=PARAMS)
    _backdate(champion_reg, "hourly", 4.5 * 3600)  # four occurrences passed with no scheduler
    claimed = claims.claim_due(champion_reg.run_store(), 60, "a")
    assert len(claimed) == runs
    if runs:
        assert sched.get_run(claimed[0]).covers_missed == missed
    missed_events = champion_reg.events(action="job.missed")
    assert list(missed_events["after"].map(lambda a: a["missed"])) == [missed]
    assert claims.claim_due(champion_reg.run_store(), 60, "a") == []  # nothing is claimed twice


def test_paused_job_is_not_claimed_and_resume_skips_the_pause(sched, champion_reg) -> None:
    sched.create("p", "score.ipynb", every="1h", parameters=PARAMS)
    _backdate(champion_reg, "p", 2.5 * 3600)
    sched.pause("p")
    assert claims.claim_due(champion_reg.run_store(), 60, "a") == []
    sched.resume("p")
    assert claims.claim_due(champion_reg.run_store(), 60, "a") == []
    assert sched.get("p").next_run_at is not None
    assert job_events(champion_reg) == ["job.create", "job.pause", "job.resume"]


def test_delete_keeps_past_runs_and_refuses_a_job_with_a_run_in_progress(
    sched, champion_reg
) -> None:
    sched.create("d", "score.ipynb", every="1h", parameters=PARAMS)
    _backdate(champion_reg, "d", 1.5 * 3600)
    running = sched.run("d")
    champion_reg.run_store().start_run(running.id, "me", "local", "sam")
    with pytest.raises(JobBusy, match=f"run {running.id} running; cancel it first"):
        sched.delete("d")
    assert [j.name for j in sched.list()] == ["d"]  # nothing half done
    sched.cancel_run(running.id)
    home = champion_reg.home
    finish_attempt(champion_reg.run_store(), running.id, 1, Outcome("cancelled"), "me", home=home)
    assert sched.delete("d").name == "d"
    # Gone from the jobs, never claimed again; its past run keeps the job's name.
    assert sched.list() == []
    with pytest.raises(JobNotFound, match="no job named 'd'"):
        sched.get("d")
    with pytest.raises(JobNotFound):
        sched.delete("d")
    with pytest.raises(JobNotFound):
        sched.run("d")
    assert claims.claim_due(champion_reg.run_store(), 60, "a") == []
    assert sched.get_run(running.id).job == "d"
    assert [r.id for r in sched.runs()] == [running.id]
    deleted = champion_reg.events(action="job.delete")
    assert list(deleted["before"].map(lambda b: b["schedule"])) == ["every 3600s"]
    # The name is free again: the new job continues the old one's history.
    sched.create("d", "score.ipynb", cron="0 3 * * *", parameters=PARAMS)
    assert sched.get("d").schedule == "0 3 * * *"
    assert sched.get_run(running.id).job == "d"
    assert job_events(champion_reg)[-2:] == ["job.delete", "job.create"]


def test_concurrency_limit_holds_runs_back(sched, champion_reg) -> None:
    sched.create("solo", "score.ipynb", parameters=PARAMS)
    r1, r2 = sched.run("solo"), sched.run("solo")
    runs = champion_reg.run_store()
    assert runs.start_run(r1.id, "me", "local", "sam") is not None
    assert runs.start_run(r2.id, "me", "local", "sam") is None
    assert runs.start_run(r1.id, "other", "local", "sam") is None  # already running
    assert sched.get_run(r2.id).status == "queued"


def test_orphaned_run_is_retried_then_failed(sched, champion_reg) -> None:
    sched.create("flaky", "score.ipynb", parameters=PARAMS, retries=1, retry_delay=0)
    run = sched.run("flaky")
    db = champion_reg.db
    runs = champion_reg.run_store()
    started = runs.start_run(run.id, "dead-host:1", "local", "sam")
    assert started is not None
    stale = now_utc() - timedelta(seconds=120)
    with db.session(write=True) as s:
        s.execute(update(RunRow).where(RunRow.id == run.id).values(heartbeat_at=stale))
    home = champion_reg.home
    assert claims.reap_orphans(runs, 60, "sam", home=home) == [run.id]
    again = sched.get_run(run.id)
    assert (again.status, again.attempt) == ("queued", 2)
    assert again.history[0]["ename"] == "SchedulerLost"
    # A runner of the first attempt that wakes up late cannot overwrite anything.
    assert finish_attempt(runs, run.id, 1, Outcome("succeeded"), "sam", home=home) is None
    assert runs.start_run(run.id, "me", "local", "sam") is not None
    with db.session(write=True) as s:
        s.execute(update(RunRow).where(RunRow.id == run.id).values(heartbeat_at=stale))
    assert claims.reap_orphans(runs, 60, "sam", home=home) == [run.id]
    final = sched.get_run(run.id)
    assert (final.status, final.attempt, final.error["ename"]) == ("failed", 2, "SchedulerLost")
    assert job_events(champion_reg)[-3:] == ["run.retrying", "run.started", "run.failed"]


def test_a_run_refused_by_the_contract_is_not_retried(sched, champion_reg) -> None:
    # The champion is forced onto a version that needs a column the job's data lacks.
    rng = np.random.RandomState(1)
    X = pd.DataFrame({"a": rng.rand(60), "b": rng.rand(60), "c": rng.rand(60)})
    model = LogisticRegression().fit(X, (X["a"] > 0.5).astype(int))
    champion_reg.track(model, name="churn", X_train=X, y_train=(X["a"] > 0.5).astype(int))
    champion_reg.set_stage("churn:2", "production")
    champion_reg.alias("churn:2", "champion", force=True)
    sched.create("nightly", "score.ipynb", parameters=PARAMS, retries=2, retry_delay=0)
    run = sched.run("nightly")
    assert champion_reg.run_store().start_run(run.id, "me", "local", "sam") is not None
    # The runner process every executor starts, on a real kernel.
    proc = run_attempt(champion_reg.url, str(champion_reg.home), run.id)
    assert proc.returncode == 1, proc.stderr[-3000:]
    done = sched.get_run(run.id)
    assert (done.status, done.attempt, done.error["ename"]) == ("failed", 1, "ContractViolation")
    assert "missing column 'c'" in done.error["evalue"]
    assert job_events(champion_reg)[-2:] == ["run.started", "run.failed"]


@pytest.mark.parametrize(
    "ename, again",
    [
        ("ValueError", True),  # anything MMDS did not refuse may pass next time
        ("ConnectionError", True),
        ("ConflictError", True),  # a lost race
        ("MMDSError", True),
        ("ContractViolation", False),
        ("InvalidInput", False),
        ("ParameterRefused", False),
        ("DuplicateScoreSet", False),
        ("UntrustedArtifact", False),
        ("AliasRefused", False),
    ],
)
def test_only_errors_that_may_pass_next_time_are_retried(ename: str, again: bool) -> None:
    from papermill.exceptions import PapermillExecutionError

    error = PapermillExecutionError(2, 1, "x = 1", ename, "boom", [])
    assert retryable(error) is again
    assert retryable(ParameterRefused("no such alias")) is False
    assert retryable(OSError("disk full")) is True


def test_retry_back_off_doubles(sched, champion_reg) -> None:
    sched.create("b", "score.ipynb", parameters=PARAMS, retries=3, retry_delay=10)
    run = sched.run("b")
    db, home = champion_reg.db, champion_reg.home
    runs = champion_reg.run_store()
    for attempt, delay in ((1, 10), (2, 20)):
        with db.session(write=True) as s:
            s.execute(update(RunRow).where(RunRow.id == run.id).values(not_before=now_utc()))
        assert runs.start_run(run.id, "me", "local", "sam") is not None
        before = now_utc()
        error = {"ename": "ValueError", "evalue": "x"}
        outcome = Outcome("failed", error)
        assert finish_attempt(runs, run.id, attempt, outcome, "sam", home=home) == "queued"
        after = now_utc()
        # the next attempt waits the doubled delay from when this one was recorded failed,
        # some moment between before and after (however long the recording took)
        not_before = sched.get_run(run.id).not_before
        slack = timedelta(milliseconds=1)  # the database keeps microseconds
        assert before + timedelta(seconds=delay) - slack <= not_before, (
            attempt,
            before,
            not_before,
        )
        assert not_before <= after + timedelta(seconds=delay) + slack, (attempt, after, not_before)


def test_retry_back_off_stops_growing_at_a_year() -> None:
    year = 366 * 86400
    assert [backoff_s(60, n) for n in (1, 2, 3)] == [60, 120, 240]
    # Doubling 60 s a thousand times would overflow a timedelta and crash the scheduler.
    assert backoff_s(60, 1000) == backoff_s(60, 10**9) == year
    assert now_utc() + timedelta(seconds=backoff_s(60, 1000)) > now_utc()


def test_cancel(sched, champion_reg) -> None:
    sched.create("c", "score.ipynb", parameters=PARAMS)
    queued = sched.run("c")
    assert sched.cancel_run(queued.id).status == "cancelled"
    with pytest.raises(RunStateError, match="already cancelled"):
        sched.cancel_run(queued.id)
    running = sched.run("c")
    champion_reg.run_store().start_run(running.id, "me", "local", "sam")
    assert sched.cancel_run(running.id).cancel_requested
    assert champion_reg.run_store().heartbeat(running.id, 1) == (True, True)


def test_retention_keeps_the_newest_outputs(sched, champion_reg, tmp_path) -> None:
    sched.create("r", "score.ipynb", parameters=PARAMS, keep_outputs=2)
    db = champion_reg.db
    runs = champion_reg.run_store()
    files = []
    for i in range(3):
        run = sched.run("r")
        runs.start_run(run.id, "me", "local", "sam")
        out = tmp_path / f"{i}.ipynb"
        out.write_text("{}")
        files.append(out)
        outcome = Outcome("succeeded", output_path=str(out))
        finish_attempt(runs, run.id, 1, outcome, "sam", home=champion_reg.home)
    assert [f.exists() for f in files] == [False, True, True]
    with db.session() as s:
        paths = s.execute(select(RunRow.output_path).order_by(RunRow.id)).scalars().all()
    assert paths == [None, str(files[1]), str(files[2])]


def test_people_see_whether_a_scheduler_is_running(
    sched, champion_reg, db_url, tmp_path, capsys
) -> None:
    from mmds_jupyter import cli
    from mmds_jupyter.scheduler import MMDSScheduler
    from mmds_jupyter.scheduler.dispatcher import Dispatcher
    from mmds_jupyter.store.scheduler_tables import SchedulerRow

    sched.create("nightly", "score.ipynb", cron="0 2 * * *", parameters=PARAMS)
    argv = ["--url", db_url, "--home", str(tmp_path / "home")]
    assert sched.schedulers() == []
    cli.main([*argv, "jobs", "run", "nightly"])
    assert "No scheduler is running" in capsys.readouterr().out
    # A scheduler checks in on every pass; people see it alive, with where it runs.
    dispatcher = Dispatcher(champion_reg, MMDSScheduler(root_dir=str(tmp_path), poll_interval=1))
    dispatcher.tick()
    (seen,) = sched.schedulers()
    assert seen["alive"] and seen["pid"] == os.getpid() and seen["owner"] == dispatcher.owner
    cli.main([*argv, "jobs", "list"])
    assert f"1 scheduler running: {seen['host']} (pid {os.getpid()})" in capsys.readouterr().out
    # Silent for longer than three poll intervals (and 15 s): gone, killed or its machine down.
    with champion_reg.db.session(write=True) as s:
        s.execute(update(SchedulerRow).values(seen_at=now_utc() - timedelta(seconds=16)))
    assert not sched.schedulers()[0]["alive"]
    dispatcher.tick()
    assert sched.schedulers()[0]["alive"]
    # Stopped on purpose: not alive from that moment.
    dispatcher.shutdown()
    (seen,) = sched.schedulers()
    assert not seen["alive"] and seen["stopped_at"] is not None
