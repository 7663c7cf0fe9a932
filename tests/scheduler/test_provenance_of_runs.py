"""A version tracked by a scheduled notebook records the run (and job) that made it."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

from .processes import run_attempt

ROOT = Path(__file__).resolve().parents[2]
RETRAIN = """\
import numpy as np
import mmds_jupyter as mmds
from sklearn.linear_model import LogisticRegression

X = np.random.RandomState(seed).rand(40, 2)
y = (X[:, 0] > 0.5).astype(int)
mmds.track(LogisticRegression().fit(X, y), name="churn", project="risk")
"""


@pytest.mark.slow
def test_a_scheduled_run_records_its_run_id_on_the_versions_it_creates(tmp_path: Path) -> None:
    root = tmp_path / "notebooks"
    root.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(RETRAIN)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, root / "retrain.ipynb")
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    reg = Registry(url=url, home=home, actor="sam")
    try:
        sched = Scheduler(reg, MMDSScheduler(root_dir=str(root)))
        sched.create("retrain", "retrain.ipynb", parameters={"seed": 1})
        run = sched.run("retrain")
        assert reg.run_store().start_run(run.id, "me", "local", "sam") is not None
        drop = ("MMDS_NOTEBOOK", "JPY_SESSION_NAME", "MMDS_RUN_ID", "MMDS_JOB")
        proc = run_attempt(url, home, run.id, drop)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert sched.get_run(run.id).status == "succeeded"
        v = reg.get("risk/churn:1")
    finally:
        reg.close()
    assert v.provenance["run_id"] == run.id and v.provenance["job"] == "retrain"
    assert v.provenance["notebook"] == str(root / "retrain.ipynb")
    assert v.provenance["notebook_from"] == "MMDS_NOTEBOOK"
