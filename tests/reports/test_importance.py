"""Issue 16, features: permutation importance on the stored test set, side by side in a report."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.registry import Registry
from mmds_jupyter.reports import importance
from mmds_jupyter.reports.predictions import schema_meta

COLS = ["noise_a", "signal", "noise_b", "noise_c"]


def _synthetic(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """Only ``signal`` decides the class; the other columns are noise."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(COLS))), columns=COLS)
    X["region"] = rng.choice(["north", "south"], n)
    y = pd.Series((X["signal"] + 0.3 * rng.normal(size=n) > 0).astype(int), name="y")
    return X, y


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    base = tmp_path_factory.mktemp("importance")
    r = Registry(url=f"sqlite:///{base / 'm.db'}", home=str(base), actor="maya")
    Xtr, ytr = _synthetic(400, 0)
    Xte, yte = _synthetic(300, 1)
    forest = RandomForestClassifier(n_estimators=15, random_state=0).fit(Xtr[COLS], ytr)
    r.track(forest, "syn", X_train=Xtr[COLS], y_train=ytr, X_test=Xte, y_test=yte)
    lr = LogisticRegression().fit(Xtr[COLS], ytr)
    r.track(lr, "syn", X_train=Xtr[COLS], y_train=ytr, X_test=Xte, y_test=yte)
    r.track(lr, "syn", X_train=Xtr[COLS], y_train=ytr)  # no test data: no importance
    # a file that loads only with trusted=True: the report never trusts one
    r.track(lr, "syn", X_test=Xte, y_test=yte, serializer="pickle")
    yield r, forest, Xte, yte
    r.close()


def _sklearn(model, X, y, scoring):
    return permutation_importance(
        model, X, y, scoring=scoring, n_repeats=importance.REPEATS, random_state=importance.SEED
    )


def _kept(r, ref, name="test"):
    """The bytes of the test inputs kept with evaluation ``name`` of ``ref``."""
    for f in r.store.versions.version_files(r.get(ref).id):
        blob = r.artifacts.get(f["artifact_sha256"])
        if f["kind"] == importance.KIND and schema_meta(blob)["name"] == name:
            return blob
    raise AssertionError(f"no test inputs kept for {ref} {name}")


def test_importance_on_the_kept_test_inputs_agrees_with_scikit_learn_on_the_same_rows_and_seed(
    reg,
):
    r, forest, Xte, yte = reg
    # capture kept the test inputs the model takes (not the slice column), every row here
    kept = importance.compute(r.load("syn:1"), "binary", _kept(r, "syn:1"), "syn:1")
    assert (kept["metric"], kept["rows"], kept["of_rows"]) == ("roc_auc", 300, 300)
    assert kept["sample"] == "every row"
    ref = _sklearn(forest, Xte[COLS], yte, "roc_auc")
    assert [f["name"] for f in kept["features"]] == COLS
    np.testing.assert_allclose(
        [f["mean"] for f in kept["features"]], ref.importances_mean, atol=1e-12
    )
    np.testing.assert_allclose(
        [f["std"] for f in kept["features"]], ref.importances_std, atol=1e-12
    )
    # and the report shows those numbers
    html = r.report("syn:1", "syn:2").to_html()
    for name, mean, std in zip(COLS, ref.importances_mean, ref.importances_std, strict=True):
        assert f"<td>{name}</td><td>{mean:.4f} ± {std:.4f}</td>" in html


def test_regression_and_multiclass_scores_agree_with_scikit_learn(diabetes, iris):
    X, y = diabetes["X_test"], diabetes["y_test"].to_numpy()
    model = RandomForestRegressor(n_estimators=5, random_state=0)
    model.fit(diabetes["X_train"], diabetes["y_train"])
    got = importance.permutation(model, "regression", X, y, [])
    ref = _sklearn(model, X, y, None)  # the default score: R²
    assert got["metric"] == "r2"
    np.testing.assert_allclose(
        [f["mean"] for f in got["features"]], ref.importances_mean, atol=1e-12
    )
    lr = LogisticRegression(max_iter=500).fit(iris["X_train"].to_numpy(), iris["y_train"])
    Xi, yi = iris["X_test"].to_numpy(), iris["y_test"].to_numpy()
    got = importance.permutation(lr, "multiclass", Xi, yi, [])
    ref = _sklearn(lr, Xi, yi, "accuracy")
    assert got["metric"] == "accuracy"
    assert [f["name"] for f in got["features"]] == ["x0", "x1", "x2", "x3"]
    np.testing.assert_allclose(
        [f["mean"] for f in got["features"]], ref.importances_mean, atol=1e-12
    )


def test_the_report_ranks_the_one_input_that_matters_first_for_each_version(reg):
    r = reg[0]
    html = r.report("syn:1", "syn:2", "syn:3", "syn:4").to_html()
    part = html[html.index("Permutation importance on the test set") :]
    # one bar chart per version with importance, the inputs in one order, signal first
    charts = re.findall(r"<svg class='mmds-chart mmds-bars'.*?</svg>", part, re.S)
    assert len(charts) == 2
    for svg in charts:
        labels = re.findall(r"<text x='0' y='\d+'>([^<]+)</text>", svg)
        assert labels[0] == "signal" and set(labels) == set(COLS)
    table = part[part.index("<table") :]
    first_row = re.search(r"<tr><td>([^<]+)</td>", table)
    assert first_row is not None and first_row.group(1) == "signal"
    # the version without test data says so plainly
    assert "default/syn:3: no importance: it has no stored test predictions" in part
    assert "default/syn:4: no importance: its model file does not load (" in part
    assert "drop of roc_auc" in part and "on every 300 of the 300 rows" in part
    # the report's fingerprint names how it was computed
    fp = html[html.index("sha256 <code>") :]
    assert "roc_auc, 300 of 300 rows (every row), 5 shuffles, seed 0" in fp


def test_a_large_test_set_keeps_a_sample_and_evaluate_keeps_its_inputs(reg, monkeypatch):
    r, forest, _, _ = reg
    monkeypatch.setattr(importance, "ROWS", 120)
    X, y = _synthetic(500, 2)
    r.evaluate("syn:1", X, y, name="holdout")
    kept = importance.compute(forest, "binary", _kept(r, "syn:1", "holdout"), "syn:1")
    assert kept["rows"] == 120 and kept["of_rows"] == 500
    assert kept["sample"] == "stratified by true class"
    rows, _ = importance.sample_rows("binary", y.to_numpy(), len(COLS))
    ref = _sklearn(forest, X[COLS].iloc[rows], y.iloc[rows], "roc_auc")
    np.testing.assert_allclose(
        [f["mean"] for f in kept["features"]], ref.importances_mean, atol=1e-12
    )
    assert max(kept["features"], key=lambda f: f["mean"])["name"] == "signal"


def test_a_version_kept_without_test_inputs_is_said_plainly(reg, monkeypatch):
    """As a version captured before MMDS kept them (or by a model that measures itself)."""
    import mmds_jupyter.capture.pipeline as pipeline

    r, forest, Xte, yte = reg
    monkeypatch.setattr(pipeline.importance, "inputs_file", lambda *a, **k: None)
    old = r.track(forest, "syn", X_test=Xte, y_test=yte)
    kinds = [f["kind"] for f in r.store.versions.version_files(old.id)]
    assert kinds == ["baseline", "predictions"]
    html = r.report("syn:1", old.ref).to_html()
    assert f"{old.ref}: no importance: no test inputs were kept with its predictions" in html
    assert html.count("mmds-bars") == 1  # only syn:1's chart
