"""A real SQLite registry of tracked scikit-learn models, served by the MMDS extension."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# pytest-jupyter's fixtures (jp_fetch, jp_serverapp, ...), for these tests only: loaded as a
# plugin for the whole suite, its event-loop fixtures clash with Playwright's in tests/ui.
from pytest_jupyter.jupyter_server import *  # noqa: F403
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmds_jupyter.registry import Registry

XSS = "<img src=x onerror=alert(1)>"


def build_registry(root: Path, cancer: dict[str, Any], diabetes: dict[str, Any]) -> dict[str, str]:
    """Track a handful of real models; return the registry's url and home."""
    url, home = f"sqlite:///{root / 'mmds.db'}", str(root / "home")
    reg = Registry(url=url, home=home, actor="maya")
    num = [c for c in cancer["X_train"].columns if c not in ("country", "zip_code")]
    Xtr, Xte = cancer["X_train"], cancer["X_test"]
    common = dict(
        project="risk",
        X_test=Xte[num + ["country"]],
        y_test=cancer["y_test"],
        slices=["country"],
        X_train=Xtr[num],
        y_train=cancer["y_train"],
    )
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(
        Xtr[num], cancer["y_train"]
    )
    reg.track(lr, name="churn", tags={"team": "credit"}, **common)
    rf = RandomForestClassifier(n_estimators=20, random_state=0).fit(Xtr[num], cancer["y_train"])
    reg.track(rf, name="churn", parent="risk/churn:1", tags={"team": "credit"}, **common)
    few = num[:3]
    lr2 = LogisticRegression(max_iter=500).fit(Xtr[few], cancer["y_train"])
    reg.track(
        lr2,
        name="churn_small",
        project="risk",
        X_test=Xte[few],
        y_test=cancer["y_test"],
        X_train=Xtr[few],
        y_train=cancer["y_train"],
        tags={"note": XSS},
        description=f"described as {XSS}",
    )
    # A feature whose name is markup: it must come back as text everywhere.
    odd = Xtr[few].rename(columns={few[0]: XSS})
    lr3 = LogisticRegression(max_iter=500).fit(odd, cancer["y_train"])
    reg.track(
        lr3,
        name="odd",
        project="risk",
        X_test=Xte[few].rename(columns={few[0]: XSS}),
        y_test=cancer["y_test"],
    )
    ridge = Ridge().fit(diabetes["X_train"], diabetes["y_train"])
    reg.track(
        ridge,
        name="progress",
        project="health",
        X_test=diabetes["X_test"],
        y_test=diabetes["y_test"],
        X_train=diabetes["X_train"],
        y_train=diabetes["y_train"],
    )
    reg.set_stage("risk/churn:2", "validation", reason="beats v1")
    reg.alias("risk/churn:2", "challenger")
    reg.close()
    return {"url": url, "home": home}


@pytest.fixture(scope="session")
def mmds_registry(
    tmp_path_factory: pytest.TempPathFactory, cancer: Any, diabetes: Any
) -> dict[str, str]:
    return build_registry(tmp_path_factory.mktemp("mmds"), cancer, diabetes)


@pytest.fixture
def jp_server_config(mmds_registry: dict[str, str]) -> dict[str, Any]:
    return {
        "ServerApp": {
            # Only MMDS: other extensions (terminals) are not ours to hold to the auth check.
            "jpserver_extensions": {"mmds_jupyter.server": True},
            "allow_unauthenticated_access": False,
        },
        "MMDS": {"url": mmds_registry["url"], "home": mmds_registry["home"], "actor": "server"},
    }


@pytest.fixture
def writer(mmds_registry: dict[str, str]) -> Iterator[Registry]:
    """A second registry on the same database, as a kernel would have."""
    reg = Registry(url=mmds_registry["url"], home=mmds_registry["home"], actor="kernel")
    yield reg
    reg.close()
