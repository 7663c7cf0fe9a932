"""Performance over time: windows of production rows, late labels, the confidence estimate."""

import json

import numpy as np
import pytest
from sklearn import metrics as m

from mmds_jupyter import cli
from mmds_jupyter.errors import InvalidInput

from .conftest import label, store_batch


def test_late_labels_change_a_windows_metrics_and_labelled_share(monitored):
    reg = monitored
    X0, y0, _ = store_batch(reg, 0, 400)
    X1, y1, _ = store_batch(reg, 1, 300)
    label(reg, X0.iloc[:100], y0.iloc[:100])  # a quarter of week 0 is labelled so far

    weeks = reg.performance("risk/churn", window="week")
    assert list(weeks["window"]) == ["2026-01-05/2026-01-11", "2026-01-12/2026-01-18"]
    assert list(weeks["rows"]) == [400, 300] and list(weeks["labelled"]) == [100, 0]
    assert weeks["labelled_share"].iloc[0] == 0.25
    first = weeks.iloc[0]
    assert not first["estimated"]
    # the metrics are the task's own, computed on the labelled rows only
    scored = reg.load_scores(int(reg.scores("risk/churn")["id"].iloc[-1])).iloc[:100]
    p = scored["probability(1)"].to_numpy()
    assert first["roc_auc"] == pytest.approx(m.roc_auc_score(y0.iloc[:100], p))
    assert first["gini"] == pytest.approx(2 * first["roc_auc"] - 1)
    fpr, tpr, _ = m.roc_curve(y0.iloc[:100], p)
    assert first["ks"] == pytest.approx(max(tpr - fpr))
    assert first["accuracy"] == pytest.approx(m.accuracy_score(y0.iloc[:100], scored["prediction"]))
    assert first["log_loss"] == pytest.approx(m.log_loss(y0.iloc[:100], p))

    # week 1 has no label: its accuracy is the confidence-based estimate, marked so
    second = weeks.iloc[1]
    assert second["estimated"] and np.isnan(second["roc_auc"])
    later = reg.load_scores(int(reg.scores("risk/churn")["id"].iloc[0]))
    expected = np.maximum(later["probability(1)"], later["probability(0)"]).mean()
    assert second["accuracy"] == pytest.approx(expected)

    # the rest of the labels arrive: the same call now measures both windows
    label(reg, X0.iloc[100:], y0.iloc[100:])
    label(reg, X1, y1)
    weeks = reg.performance("risk/churn", window="week")
    assert list(weeks["labelled_share"]) == [1.0, 1.0] and not weeks["estimated"].any()
    assert weeks.iloc[0]["roc_auc"] != pytest.approx(first["roc_auc"])
    assert weeks.iloc[1]["accuracy"] == pytest.approx(m.accuracy_score(y1, later["prediction"]))


def test_windows_of_rows_and_slices(monitored):
    reg = monitored
    X0, y0, _ = store_batch(reg, 0, 250)
    store_batch(reg, 1, 250)
    label(reg, X0, y0)
    rows = reg.performance("risk/churn", window=200)
    assert list(rows["rows"]) == [200, 200, 100]
    assert list(rows["labelled"]) == [200, 50, 0]
    sliced = reg.performance("risk/churn", window="month", slice="region")
    assert sliced["slice"].isna().iloc[0]
    assert list(sliced["slice"].iloc[1:]) == ["region=north", "region=south"]
    overall, north, south = sliced.to_dict("records")
    assert north["rows"] + south["rows"] == overall["rows"] == 500
    assert north["labelled"] == (X0["region"] == "north").sum()


def test_regression_windows(tmp_path):
    from sklearn.linear_model import LinearRegression

    from mmds_jupyter.registry import Registry

    reg = Registry(url=f"sqlite:///{tmp_path / 'r.db'}", home=str(tmp_path / "h"), actor="maya")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    import pandas as pd

    X = pd.DataFrame(X, columns=["a", "b"])
    y = X["a"] * 3 + rng.normal(size=300)
    v = reg.track(LinearRegression().fit(X, y), name="price", X_train=X, y_train=y)
    reg.set_stage(v.ref, "production")
    X["id"] = range(300)
    out = reg.score("price", X, mode="production", key="id").outputs
    reg.add_actuals("price", pd.DataFrame({"id": X["id"], "y": y}), "id", "y")
    (row,) = reg.performance("price", window="day").to_dict("records")
    assert row["rmse"] == pytest.approx(np.sqrt(m.mean_squared_error(y, out["prediction"])))
    assert row["r2"] == pytest.approx(m.r2_score(y, out["prediction"]))
    assert not row["estimated"] and "expected_accuracy" not in row
    reg.close()


def test_bad_windows_get_one_clear_error(monitored, capsys):
    reg = monitored
    store_batch(reg, 0, 50)
    with pytest.raises(InvalidInput, match="day, week, month or a number of rows"):
        reg.performance("risk/churn", window="fortnight")
    with pytest.raises(InvalidInput, match="at least 1 row"):
        reg.performance("risk/churn", window=0)
    with pytest.raises(InvalidInput, match="no column 'shop'.*passthrough"):
        reg.performance("risk/churn", window="week", slice="shop")
    with pytest.raises(InvalidInput, match="give a window too"):
        reg.performance("risk/churn", slice="region")


def test_the_cli_shows_windows(monitored, capsys, monkeypatch):
    reg = monitored
    X0, y0, _ = store_batch(reg, 0, 50)
    label(reg, X0.iloc[:10], y0.iloc[:10])
    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    assert cli.main(["performance", "risk/churn", "--window", "week", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["rows"] == 50 and row["labelled"] == 10 and row["labelled_share"] == 0.2
    assert cli.main(["performance", "risk/churn", "--window", "fortnight"]) != 0
    assert "fortnight" in capsys.readouterr().err
