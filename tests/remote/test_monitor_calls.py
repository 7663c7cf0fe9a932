"""Performance windows, monitors and alerts: the same against a local Registry and a
RemoteRegistry."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import ConflictError, InvalidInput, NotFound

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_windows_monitor_and_alerts(registry: Any, request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    y = (X["a"] + rng.normal(size=600) > 0).astype(int)
    v = registry.track(
        LogisticRegression().fit(X, y), name="watched", project=project, X_train=X, y_train=y
    )
    registry.set_stage(v.ref, "production")
    model = f"{project}/watched"
    defined = registry.set_monitor(
        model, reference="1", metrics=[], drift=["psi"], thresholds={"psi": [0.1, 0.2]}, min_rows=50
    )
    assert defined["model"] == model and defined["thresholds"] == {"psi": [0.1, 0.2]}
    batch = X.iloc[:300].assign(a=X["a"].iloc[:300] + 2, id=range(300))
    registry.score(v.ref, batch, mode="production", key="id")
    registry.add_actuals(model, pd.DataFrame({"id": range(100), "y": y.iloc[:100]}), "id", "y")
    (week,) = registry.performance(model, window="week").to_dict("records")
    assert (week["rows"], week["labelled"], week["labelled_share"]) == (300, 100, 100 / 300)
    found = registry.alerts(model, "open")
    assert list(found["measure"]) == ["psi(a)"] and found["level"].iloc[0] == "alert"
    checked = registry.check_monitor(model)
    assert checked["alerts"] == [] and {c["measure"] for c in checked["checks"]} == {
        "psi(a)",
        "psi(b)",
    }
    view = registry.monitor(model)  # the same view, with its charts, from either side
    assert view["ref"] == v.ref and [w["rows"] for w in view["windows"]] == [300]
    assert [c["id"] for c in view["charts"]] == ["drift:psi", "scores"]
    assert [a["measure"] for a in view["alerts"]] == ["psi(a)"]
    assert "psi per input" in view._repr_html_()
    with pytest.raises(InvalidInput, match="without a version"):
        registry.monitor(v.ref)
    alert_id = int(found["id"].iloc[0])
    assert registry.acknowledge_alert(alert_id, note="seen")["status"] == "acknowledged"
    assert registry.resolve_alert(alert_id)["resolved_by"]
    with pytest.raises(ConflictError, match="resolved already"):
        registry.resolve_alert(alert_id)
    with pytest.raises(NotFound):
        registry.acknowledge_alert(10**6)
    with pytest.raises(InvalidInput, match="day, week or month"):
        registry.set_monitor(model, reference="1", window="hour")
    with pytest.raises(InvalidInput, match="day, week, month"):
        registry.performance(model, window="hour")


def test_champion_challenger_calls(registry: Any, request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (X["a"] + 0.5 * rng.normal(size=400) > 0).astype(int)
    champ = registry.track(
        LogisticRegression().fit(X, y), name="cc", project=project, X_train=X, y_train=y
    )
    Xw = X.assign(a=0.0)
    chall = registry.track(
        LogisticRegression().fit(Xw, y), name="cc", project=project, X_train=Xw, y_train=y
    )
    registry.alias(registry.set_stage(champ.ref, "production").ref, "champion")
    registry.alias(registry.set_stage(chall.ref, "validation").ref, "challenger")
    model = f"{project}/cc"
    out = registry.score(f"{model}@champion", X.assign(id=range(400)), mode="production", key="id")
    assert len(out.outputs) == 400
    registry.add_actuals(model, pd.DataFrame({"id": range(400), "y": y}), "id", "y")
    found = registry.champion_challenger(model)
    assert found["rows"] == 400 and found["metrics"][0]["better"] == "champion"
    with pytest.raises(InvalidInput, match="same version"):
        registry.champion_challenger(model, challenger="1")
