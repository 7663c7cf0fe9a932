"""Shared fixtures: registries on SQLite and on a real PostgreSQL, and real data sets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pg_databases import PG_URL, _pg_admin, drop_pg_database, fresh_pg_database  # noqa: F401
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.model_selection import train_test_split

from mmds_jupyter.registry import Registry

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """IPython's shell installs its own ``__main__``; put the real one back after each test.

    multiprocessing's spawn start method (used by Dask's worker processes) reads
    ``__main__.__spec__``, which IPython's stand-in module lacks.
    """
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def pg_available() -> bool:
    try:
        from sqlalchemy import text

        engine = _pg_admin()
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} under CI: {exc}")
        return False


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty registry database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mmds.db'}"
        return
    if not request.getfixturevalue("pg_available"):
        pytest.skip(f"no PostgreSQL server at {PG_URL} (make test starts one)")
    url, name = fresh_pg_database()
    yield url
    drop_pg_database(name)


@pytest.fixture
def reg(db_url: str, tmp_path: Path) -> Iterator[Registry]:
    r = Registry(url=db_url, home=str(tmp_path / "home"), actor="maya")
    yield r
    r.close()


@pytest.fixture
def sqlite_reg(tmp_path: Path) -> Iterator[Registry]:
    r = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "home"), actor="maya")
    yield r
    r.close()


@pytest.fixture(scope="session")
def cancer() -> dict[str, pd.DataFrame | pd.Series]:
    """Breast-cancer data with a categorical ``country`` and a ``zip_code`` column added."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    rng = np.random.RandomState(0)
    X = X.iloc[:, :8].copy()
    X.columns = [c.replace(" ", "_") for c in X.columns]
    X["country"] = rng.choice(["US", "DE", "FR"], len(X))
    X["zip_code"] = rng.randint(10000, 99999, len(X))
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    return {"X_train": Xtr, "X_test": Xte, "y_train": ytr, "y_test": yte}


@pytest.fixture(scope="session")
def iris() -> dict[str, pd.DataFrame | pd.Series]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0, stratify=y)
    return {"X_train": Xtr, "X_test": Xte, "y_train": ytr, "y_test": yte}


@pytest.fixture(scope="session")
def diabetes() -> dict[str, pd.DataFrame | pd.Series]:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, random_state=0)
    return {"X_train": Xtr, "X_test": Xte, "y_train": ytr, "y_test": yte}
