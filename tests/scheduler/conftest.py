"""Fixtures of the scheduler tests: a registry with a champion model and a notebook root."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

NOTEBOOKS = Path(__file__).parent / "notebooks"


def fit_model(seed: int) -> LogisticRegression:
    """A small classifier on columns a and b (what the test notebook scores)."""
    rng = np.random.RandomState(seed)
    X = pd.DataFrame({"a": rng.rand(60), "b": rng.randint(0, 2, 60).astype(float)})
    y = (X["a"] + 0.3 * X["b"] + rng.rand(60) * 0.2 > 0.7).astype(int)
    return LogisticRegression().fit(X, y)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The allowed notebook folder, holding copies of the test notebooks."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    return folder


@pytest.fixture
def champion_reg(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    """A registry (SQLite or PostgreSQL) where default/churn@champion is churn:1, in production."""
    reg = Registry(url=db_url, home=str(tmp_path / "home"), actor="sam")
    reg.track(fit_model(0), name="churn")
    reg.set_stage("churn:1", "production")  # the notebook scores it in production mode
    reg.alias("churn:1", "champion")
    yield reg
    reg.close()


@pytest.fixture
def sched(champion_reg: Registry, root: Path) -> Scheduler:
    return Scheduler(champion_reg, MMDSScheduler(root_dir=str(root)))
