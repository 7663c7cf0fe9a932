"""``%mmds drift`` in a real IPython shell."""

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from sklearn.ensemble import RandomForestClassifier

import mmds_jupyter
from mmds_jupyter.monitoring.drift import DriftReport

NUM = ["mean_radius", "mean_texture", "mean_area"]


@pytest.fixture
def ip(tmp_path, cancer):
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    X = cancer["X_train"][NUM]
    model = RandomForestClassifier(10, random_state=0).fit(X, cancer["y_train"])
    v = mmds_jupyter.track(model, name="churn", X_train=X, y_train=cancer["y_train"])
    mmds_jupyter.set_stage(v.ref, "production")
    batch = X.sample(1500, replace=True, random_state=0).reset_index(drop=True)
    batch["mean_area"] = batch["mean_area"] * 2
    batch.insert(0, "id", np.arange(len(batch)))
    shell.user_ns.update(batch=batch)
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_drift_of_a_variable_and_of_a_stored_score_set(ip):
    report = ip.run_line_magic("mmds", "drift churn:1 --data batch")
    assert isinstance(report, DriftReport) and report.drifting == ["mean_area"]
    assert "mean_area" in report._repr_html_()
    stored = mmds_jupyter.score("churn:1", ip.user_ns["batch"], mode="production", key="id")
    again = ip.run_line_magic("mmds", f"drift churn --score-set {stored.score_set_id}")
    assert again.to_dict() == stored.drift.to_dict()
