"""A small monitored classifier: production batches stored weeks apart, labels arriving late."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry

WEEK0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)  # a Monday


def population(n: int, seed: int, shift: float = 0.0) -> tuple[pd.DataFrame, pd.Series]:
    """Two features; the label follows x1 and x2 as at training, so a shift of x1 both
    drifts the input and (the model having learnt the old relation) costs accuracy."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x1": rng.normal(size=n) + shift, "x2": rng.normal(size=n)})
    X["region"] = np.where(rng.random(n) < 0.5, "north", "south")
    logit = 2.0 * (X["x1"] - shift) + X["x2"]
    if shift:
        logit = -logit  # the relation turned: what the model learnt no longer holds
    y = pd.Series((rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int), name="y")
    return X, y


@pytest.fixture
def monitored(tmp_path: Path) -> Iterator[Registry]:
    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "h"), actor="maya")
    X, y = population(2000, 0)
    model = LogisticRegression().fit(X[["x1", "x2"]], y)
    Xt, yt = population(1000, 1)
    v = reg.track(
        model,
        name="churn",
        project="risk",
        X_train=X[["x1", "x2"]],
        y_train=y,
        X_test=Xt[["x1", "x2"]],
        y_test=yt,
    )
    reg.alias(reg.set_stage(v.ref, "production").ref, "champion")
    yield reg
    reg.close()


def store_batch(
    reg: Registry, week: int, n: int, shift: float = 0.0, ref: str = "risk/churn@champion"
) -> tuple[pd.DataFrame, pd.Series, int]:
    """Score one production batch as if it were stored ``week`` weeks after WEEK0 (the score
    set store's clock is set back, so the checks that storing runs see that time too)."""
    import mmds_jupyter.store.score_sets as ss

    X, y = population(n, 100 + week, shift)
    X.insert(0, "customer_id", np.arange(week * 100_000, week * 100_000 + n))
    clock = ss.utc_now
    ss.utc_now = lambda: WEEK0 + timedelta(weeks=week)  # type: ignore[assignment]
    try:
        result = reg.score(ref, X, mode="production", key="customer_id", passthrough=["region"])
    finally:
        ss.utc_now = clock
    return X, y, result.score_set_id


def label(reg: Registry, X: pd.DataFrame, y: pd.Series, model: str = "risk/churn") -> None:
    reg.add_actuals(
        model, pd.DataFrame({"customer_id": X["customer_id"], "y": y}), "customer_id", "y"
    )
