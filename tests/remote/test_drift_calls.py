"""Baselines and drift, the same against a local Registry and a RemoteRegistry."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier

from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.monitoring.drift import DriftReport

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


def test_baseline_and_drift(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    Xtr = cancer["X_train"][NUM]
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(Xtr, cancer["y_train"])
    v = registry.track(rf, name="drifting", project=project, X_train=Xtr, y_train=cancer["y_train"])
    base = registry.baseline(v.ref)
    assert list(base["columns"]) == [*NUM, "probability(1)"] and base["source"] == "train"
    registry.set_stage(v.ref, "production")
    batch = Xtr.sample(2000, replace=True, random_state=1).reset_index(drop=True)
    batch["mean_area"] = batch["mean_area"] * 1.5
    batch.insert(0, "id", np.arange(len(batch)))
    stored = registry.score(v.ref, batch, mode="production", key="id")
    assert isinstance(stored.drift, DriftReport) and stored.drift.drifting[0] == "mean_area"
    again = registry.drift(f"{project}/drifting", score_set=stored.score_set_id)
    assert again.to_dict() == stored.drift.to_dict()
    assert (
        registry.drift(v.ref, score_set=stored.score_set_id, min_rows=5000).share_drifting is None
    )
    on_demand = registry.drift(v.ref, batch)
    assert on_demand.drifting == ["mean_area"] and on_demand.ref == v.ref
    with pytest.raises(InvalidInput, match="not both and not neither"):
        registry.drift(v.ref)
    with pytest.raises(InvalidInput, match="min_rows"):
        registry.drift(v.ref, batch, min_rows=0)
    bare = registry.track(rf, name="bare", project=project)
    with pytest.raises(InvalidInput, match=f"stored by {project}/drifting:1"):
        registry.drift(bare.ref, score_set=stored.score_set_id)
    with pytest.raises(NotFound, match="no drift baseline"):
        registry.baseline(bare.ref)
