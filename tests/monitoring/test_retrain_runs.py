"""Automated retraining end to end: an alert that persists makes a real ``mmds scheduler``
process run the retraining notebook (example_notebooks/05_retrain.ipynb) with papermill; the
notebook registers the challenger with the champion as its parent and the alert in its tags,
compares it with the champion and opens a promotion request; the cool-down stops a second run."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scheduler.processes import Daemon, env_for, wait_for

from mmds_jupyter import cli
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.monitoring.retrain_runs import job_name

from .conftest import label, population, store_batch

EXAMPLE = Path(__file__).parents[2] / "example_notebooks" / "05_retrain.ipynb"
JOB = job_name("risk/churn")


def recent_rows(path: Path, n: int = 1200) -> None:
    """Labelled rows of the drifted population the model now meets, to retrain on."""
    X, y = population(n, 500, shift=1.5)
    frame = X[["x1", "x2"]].assign(y=y, customer_id=np.arange(900_000, 900_000 + n))
    frame.to_parquet(path, index=False)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / EXAMPLE.name)
    recent_rows(folder / "recent.parquet")
    monkeypatch.setenv("MMDS_ROOT_DIR", str(folder))
    return folder


@pytest.mark.slow
def test_an_alert_that_persists_runs_the_retraining_once(monitored, root, tmp_path):
    reg = monitored
    reg.bind_template("risk")  # promotion to production is a request another person approves
    reg.set_monitor("risk/churn", min_rows=200, min_positives=20)
    defined = reg.set_retrain(
        "risk/churn",
        str(root / EXAMPLE.name),
        windows=2,
        cooldown_days=7,
        train_window="8w",
        parameters={"data_path": str(root / "recent.parquet"), "target": "y"},
    )
    assert defined["job"] == JOB and defined["trigger"] == "alert"
    assert reg.retrain_definition("risk/churn")["runs"] == []
    for week, shift in ((0, 0.0), (1, 1.5), (2, 1.5)):
        X, y, _ = store_batch(reg, week, 600, shift=shift)
        label(reg, X, y)
    persisting = reg.alerts("risk/churn")
    last_week = "2026-01-19/2026-01-25"
    assert set(persisting["window"]) == {"2026-01-12/2026-01-18", last_week}, persisting

    daemon = Daemon(env_for(reg.url, str(reg.home), root), tmp_path / "scheduler.log")
    try:
        run = wait_for(
            "the retraining run",
            lambda: [r for r in reg.jobs.runs(job=JOB) if r.status in ("succeeded", "failed")],
            [daemon],
        )[0]
        assert run.status == "succeeded", (run.error, daemon.output()[-3000:])
        assert run.trigger == "alert"
        alert_id = run.parameters["alert_id"]
        alert = persisting.set_index("id").loc[alert_id]
        assert alert["window"] == last_week and alert["level"] == "alert"
        assert run.parameters["model_ref"] == "risk/churn:1"  # the champion, pinned
        assert "2 window(s)" in run.parameters["reason"]

        champion, challenger = reg.get("risk/churn@champion"), reg.get("risk/churn@challenger")
        assert champion.ref == "risk/churn:1" and challenger.stage == "validation"
        assert challenger.parent_ref == champion.ref
        assert challenger.tags["retrain.alert"] == str(alert_id)
        assert reg.scores(challenger)["mode"].tolist() == ["shadow"]  # compared on the holdout
        (request,) = reg.requests("risk/churn", status="open")
        assert request.ref == challenger.ref and request.to_stage == "production"
        assert f"alert {alert_id}" in request.comment and "challenger is better" in request.comment

        # The cool-down: the scheduler keeps ticking (the holdout scored a new window) but
        # queues no second run; by hand, a person still can.
        seen = reg.jobs.schedulers()[0]["seen_at"]
        wait_for(
            "three more ticks",
            lambda: (reg.jobs.schedulers()[0]["seen_at"] - seen).total_seconds() > 1.5,
            [daemon],
        )
        time.sleep(1.0)
        assert [r.id for r in reg.jobs.runs(job=JOB)] == [run.id]
    finally:
        assert daemon.stop() == 0, daemon.output()[-3000:]
    manual = reg.retrain("risk/churn", reason="new data arrived")
    assert manual.trigger == "manual" and manual.status == "queued"
    shown = reg.retrain_definition("risk/churn")
    assert [r["id"] for r in shown["runs"]] == [manual.id, run.id]


def test_bad_retrain_definitions_are_refused_whole(monitored, root, capsys):
    reg = monitored
    nb = str(root / EXAMPLE.name)
    with pytest.raises(InvalidInput, match="without a version"):
        reg.set_retrain("risk/churn@champion", nb)
    with pytest.raises(InvalidInput, match="train_window"):
        reg.set_retrain("risk/churn", nb, train_window="soon")
    with pytest.raises(InvalidInput, match="may not set alert_id"):
        reg.set_retrain("risk/churn", nb, parameters={"alert_id": 3})
    other = root / "plain.ipynb"
    shutil.copy(Path(__file__).parents[1] / "scheduler" / "notebooks" / "score.ipynb", other)
    with pytest.raises(InvalidInput, match="must declare"):
        reg.set_retrain("risk/churn", str(other))
    with pytest.raises(NotFound, match="no retrain definition"):
        reg.retrain("risk/churn")
    assert reg.jobs.list() == []  # nothing half written
    # Replacing a definition changes its job in place; the CLI shows and queues it.
    reg.set_retrain("risk/churn", nb, trigger="manual", parameters={"data_path": "x.parquet"})
    reg.set_retrain("risk/churn", nb, trigger="schedule", schedule="0 6 * * 1")
    (job,) = reg.jobs.list()
    assert job.schedule == "0 6 * * 1" and job.parameters["model_ref"] == "risk/churn@champion"
    assert "data_path" not in job.parameters
    env = ["--url", reg.url, "--home", str(reg.home)]
    cli.main([*env, "retrain", "risk/churn", "--reason", "by hand"])
    assert "Queued retraining run" in capsys.readouterr().out
    assert pd.Series([r.trigger for r in reg.jobs.runs(job=JOB)]).tolist() == ["manual"]
    # What is not said takes the definition's defaults, from every front end alike.
    assert cli.main([*env, "retrain-set", "risk/churn", nb, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["trigger"], shown["windows"], shown["cooldown_days"], shown["train_window"]) == (
        "alert",
        2,
        7.0,
        "90d",
    )
