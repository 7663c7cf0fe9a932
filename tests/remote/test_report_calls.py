"""Evaluations and reports, the same against a local Registry and a RemoteRegistry."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import ConflictError, InvalidInput

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


def test_evaluate(registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    Xtr = cancer["X_train"][NUM]
    lr = LogisticRegression(max_iter=1000).fit(Xtr, cancer["y_train"])
    v = registry.track(lr, name="holdout", project=project)
    X = cancer["X_test"][[*NUM, "country"]]
    out = registry.evaluate(v.ref, X, cancer["y_test"], name="q3-holdout", slices=["country"])
    assert out["name"] == "q3-holdout" and out["n_rows"] == len(X) and not out["sampled"]
    slices = {m["slice"] for m in out["metrics"]}
    assert {"country=US", "country=DE", "country=FR", None} == slices
    with pytest.raises(ConflictError, match="already has an evaluation"):
        registry.evaluate(v.ref, X, cancer["y_test"], name="q3-holdout")
    with pytest.raises(InvalidInput, match="not valid"):
        registry.evaluate(v.ref, X, cancer["y_test"], name="q3 holdout")
