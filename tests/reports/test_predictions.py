"""Item 1 of issue 16: a version keeps its test predictions, and can be evaluated again."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmds_jupyter.errors import ConflictError, InvalidInput, NotFound
from mmds_jupyter.reports import predictions as stored

NUMERIC = [
    "mean_radius",
    "mean_texture",
    "mean_perimeter",
    "mean_area",
    "mean_smoothness",
    "mean_compactness",
    "mean_concavity",
    "mean_concave_points",
]


def _clf(cancer):
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(
        cancer["X_train"][NUMERIC], cancer["y_train"]
    )


def test_capture_keeps_every_test_prediction_with_slices_and_the_fingerprint(sqlite_reg, cancer):
    reg = sqlite_reg
    model = _clf(cancer)
    X = cancer["X_test"]
    v = reg.track(model, "churn", X_test=X, y_test=cancer["y_test"], slices=["country"])
    kinds = [f["kind"] for f in reg.store.versions.version_files(v.id)]
    assert kinds == ["baseline", "predictions", "test_inputs"]
    p = reg.predictions(v.ref)
    assert p.name == "test" and not p.meta["sampled"] and len(p.frame) == len(X)
    assert p.dataset_hash == v.metrics[0].dataset_hash
    # the rows are the model's answers, in the test set's order, with the frame's index as key
    np.testing.assert_allclose(p.probabilities(), model.predict_proba(X[NUMERIC]))
    assert list(p.frame["y_pred"]) == list(model.predict(X[NUMERIC]))
    assert list(p.frame["y_true"]) == list(cancer["y_test"])
    assert list(p.frame["key"]) == [str(i) for i in X.index]
    assert list(p.frame["slice:country"]) == list(X["country"])
    assert p.slice_columns() == ["country"]
    # the metrics in the file are the version's
    auc = [m for m in p.meta["metrics"] if m["name"] == "roc_auc" and m["slice"] is None]
    assert auc[0]["value"] == pytest.approx(v.metric("roc_auc"))
    # content-addressed: the file is named by its sha256
    sha = reg.store.versions.version_files(v.id)[1]["artifact_sha256"]
    assert p.sha256 == sha


def test_a_large_test_set_keeps_a_stratified_sample_said_as_such(tmp_path, cancer):
    from mmds_jupyter.config import MMDS
    from mmds_jupyter.registry import Registry

    cfg = MMDS(prediction_rows=60)
    reg = Registry(url=f"sqlite:///{tmp_path / 'm.db'}", home=str(tmp_path), config=cfg)
    try:
        v = reg.track(_clf(cancer), "churn", X_test=cancer["X_test"], y_test=cancer["y_test"])
        p = reg.predictions(v)
    finally:
        reg.close()
    n = len(cancer["X_test"])
    assert p.meta["sampled"] and p.meta["n_rows"] == n
    assert p.meta["sample"] == "stratified by true class"
    assert abs(len(p.frame) - 60) <= 2
    share = cancer["y_test"].mean()
    assert p.frame["y_true"].mean() == pytest.approx(share, abs=0.03)
    assert p.frame["row"].is_monotonic_increasing  # row numbers point into the test set


def test_stratified_rows_of_a_regression_keep_each_decile():
    y = np.arange(1000.0)
    strata, how = stored._strata("regression", y)
    rows = stored.stratified_rows(strata, 100)
    assert how == "stratified by decile of the true value" and len(rows) == 100
    assert np.bincount((y[rows] // 100).astype(int)).tolist() == [10] * 10


def test_evaluate_stores_metrics_and_predictions_under_a_name(sqlite_reg, diabetes):
    reg = sqlite_reg
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(
        diabetes["X_train"], diabetes["y_train"]
    )
    v = reg.track(model, "dia", X_test=diabetes["X_test"], y_test=diabetes["y_test"])
    X, y = diabetes["X_train"], diabetes["y_train"]
    out = reg.evaluate(v.ref, X, y, name="q3-holdout")
    assert out["name"] == "q3-holdout" and out["n_rows"] == len(X) and not out["sampled"]
    rmse = [m["value"] for m in out["metrics"] if m["name"] == "rmse"][0]
    assert rmse == pytest.approx(float(np.sqrt(np.mean((model.predict(X) - y) ** 2))))
    p = reg.predictions(v.ref, "q3-holdout")
    np.testing.assert_allclose(p.frame["y_pred"], model.predict(X))
    assert reg.predictions(v.ref).name == "test"  # the capture's stays the default
    event = reg.events(action="version.evaluate").iloc[0]
    assert event["object_ref"] == v.ref and event["after"]["name"] == "q3-holdout"
    with pytest.raises(ConflictError, match="already has an evaluation named 'q3-holdout'"):
        reg.evaluate(v.ref, X, y, name="q3-holdout")
    with pytest.raises(InvalidInput, match="lacks the column"):
        reg.evaluate(v.ref, X.drop(columns=["bmi"]), y, name="other")
    with pytest.raises(NotFound, match="no evaluation named 'nope'"):
        reg.predictions(v.ref, "nope")


def test_a_version_without_test_data_says_how_to_get_predictions(sqlite_reg, iris):
    v = sqlite_reg.track(
        LogisticRegression(max_iter=500).fit(iris["X_train"], iris["y_train"]), "iris"
    )
    with pytest.raises(NotFound, match="mmds.evaluate"):
        sqlite_reg.predictions(v.ref)
    out = sqlite_reg.evaluate(v.ref, iris["X_test"], iris["y_test"], name="holdout")
    p = sqlite_reg.predictions(v.ref)
    assert p.name == "holdout" and p.classes == [0, 1, 2]
    assert p.probabilities().shape == (len(iris["X_test"]), 3)
    assert {m["name"] for m in out["metrics"]} >= {"accuracy", "roc_auc"}


def test_a_pmml_import_given_test_data_keeps_its_predictions(sqlite_reg, cancer):
    reg = sqlite_reg
    v = reg.track(_clf(cancer), "churn")
    imported = reg.import_pmml(
        reg.export_pmml(v.ref),
        "partner",
        X_test=cancer["X_test"][NUMERIC + ["country"]],
        y_test=cancer["y_test"],
        slices=["country"],
    )
    p = reg.predictions(imported.ref)
    assert len(p.frame) == len(cancer["X_test"]) and p.slice_columns() == ["country"]
    assert pd.Series(p.frame["probability(1)"]).between(0, 1).all()


def test_the_cli_evaluates_a_data_file(tmp_path, monkeypatch, capsys, diabetes):
    from mmds_jupyter import cli
    from mmds_jupyter.registry import Registry

    url, home = f"sqlite:///{tmp_path / 'm.db'}", str(tmp_path)
    monkeypatch.setenv("MMDS_URL", url)
    monkeypatch.setenv("MMDS_HOME", home)
    reg = Registry(url=url, home=home)
    model = RandomForestRegressor(n_estimators=3, random_state=0)
    v = reg.track(model.fit(diabetes["X_train"], diabetes["y_train"]), "dia")
    reg.close()
    data = diabetes["X_test"].assign(progression=diabetes["y_test"])
    data.to_parquet(tmp_path / "q3.parquet")
    args = ["evaluate", v.ref, "--data", str(tmp_path / "q3.parquet"), "--target"]
    assert cli.main([*args, "progression", "--name", "q3"]) == 0
    out = capsys.readouterr().out
    assert "evaluation 'q3' on 111 rows (kept every row)" in out and "rmse" in out
    assert cli.main([*args, "nope", "--name", "q4"]) == 1
    assert "--target 'nope' is not a column" in capsys.readouterr().err
