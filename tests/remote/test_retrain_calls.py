"""Retrain definitions: the same against a local Registry and a RemoteRegistry (the run
itself, in a real scheduler, is tests/monitoring/test_retrain_runs.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import InvalidInput, NotFound

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
EXAMPLE = Path(__file__).parents[2] / "example_notebooks" / "05_retrain.ipynb"


def test_define_show_and_queue_a_retraining(
    registry: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = fresh_project(request)
    if hasattr(registry, "db"):  # local: jobs obey $MMDS_ROOT_DIR; the server its own folder
        root = Path(registry.home) / "notebooks"
        root.mkdir(exist_ok=True)
        monkeypatch.setenv("MMDS_ROOT_DIR", str(root))
    else:
        root = Path(request.getfixturevalue("api_server")["log"]).parent / "notebooks"
    shutil.copy(EXAMPLE, root / EXAMPLE.name)
    # The notebooks a job can run, with the parameters each declares (the panel's picker).
    listed = {n["path"]: n for n in registry.jobs.notebooks()}
    assert "target" in [p["name"] for p in listed[EXAMPLE.name]["parameters"]]
    X = pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) % 3})
    v = registry.track(
        LogisticRegression().fit(X, (X["a"] > 20).astype(int)), name="kept", project=project
    )
    model = f"{project}/kept"
    with pytest.raises(NotFound, match="no @champion"):
        registry.set_retrain(model, EXAMPLE.name)
    registry.alias(v.ref, "champion")
    with pytest.raises(InvalidInput, match="train_window"):
        registry.set_retrain(model, EXAMPLE.name, train_window="a while")
    defined = registry.set_retrain(
        model, EXAMPLE.name, trigger="manual", cooldown_days=1, parameters={"target": "y"}
    )
    assert defined["model"] == model and defined["trigger"] == "manual"
    assert defined["parameters"] == {"target": "y"} and defined["notebook"].endswith(EXAMPLE.name)
    run = registry.retrain(model, reason="fresh labels")
    assert (run.job, run.trigger, run.status) == (defined["job"], "manual", "queued")
    shown = registry.retrain_definition(model)
    assert shown["cooldown_days"] == 1 and [r["id"] for r in shown["runs"]] == [run.id]
    registry.jobs.cancel_run(run.id)
    # Defined anew (PUT): the schedule changes, the run stays.
    job = registry.jobs.get(defined["job"])
    changed = registry.jobs.create(
        job.name, EXAMPLE.name, every="1d", parameters=job.parameters, replace=True
    )
    assert changed.schedule == "every 86400s" and changed.parameters == job.parameters
    # Changed in place (PATCH, what the panel's Edit sends): the fields named, the rest kept.
    registry.jobs.update(job.name, retries=2, timeout=300)
    changed = registry.jobs.update(job.name, cron="0 3 * * *")
    assert changed.schedule == "0 3 * * *" and changed.parameters == job.parameters
    assert (changed.max_retries, changed.timeout_s) == (2, 300)
    with pytest.raises(InvalidInput, match="cannot be renamed"):
        registry.jobs.update(job.name, name="other", retries=1)
    with pytest.raises(NotFound, match="no job named"):
        registry.jobs.update("no-such-job", retries=1)
    # Deleting the job keeps its run (under its name) and frees the retraining's job name.
    assert registry.jobs.delete(defined["job"]).name == defined["job"]
    with pytest.raises(NotFound, match="no job named"):
        registry.jobs.get(defined["job"])
    assert registry.jobs.get_run(run.id).job == defined["job"]
