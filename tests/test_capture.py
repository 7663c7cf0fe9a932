"""Capture of real scikit-learn estimators: what a version records without being told."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


def _fit(model, data, cols):
    return model.fit(data["X_train"][cols], data["y_train"])


@pytest.mark.parametrize(
    "make",
    [
        lambda: LogisticRegression(C=0.5, max_iter=2000),
        lambda: RandomForestClassifier(n_estimators=15, random_state=0),
        lambda: GradientBoostingClassifier(n_estimators=20, random_state=0),
    ],
    ids=["logistic", "random_forest", "gradient_boosting"],
)
def test_binary_classifier_metrics_match_sklearn(sqlite_reg, cancer, make):
    model = _fit(make(), cancer, NUMERIC)
    v = sqlite_reg.track(
        model,
        name="churn",
        project="risk",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        slices=["country"],
        X_train=cancer["X_train"][NUMERIC],
        y_train=cancer["y_train"],
    )
    X, y = cancer["X_test"][NUMERIC], cancer["y_test"]
    proba = model.predict_proba(X)[:, 1]
    assert v.task == "binary"
    assert v.framework == "sklearn"
    assert (
        v.estimator_class == f"sklearn.{type(model).__module__.split('.')[1]}."
        f"{type(model).__name__}"
    )
    assert v.metric("accuracy") == pytest.approx(skm.accuracy_score(y, model.predict(X)))
    assert v.metric("roc_auc") == pytest.approx(skm.roc_auc_score(y, proba))
    assert v.metric("f1") == pytest.approx(skm.f1_score(y, model.predict(X)))
    assert v.metric("log_loss") == pytest.approx(skm.log_loss(y, model.predict_proba(X)))
    us = (cancer["X_test"]["country"] == "US").to_numpy()
    assert v.metric("roc_auc", "country=US") == pytest.approx(skm.roc_auc_score(y[us], proba[us]))
    assert {m.slice for m in v.metrics} == {None, "country=US", "country=DE", "country=FR"}
    # Each line's metrics say how many test rows they were measured on.
    assert v.metric("rows") == len(y)
    counts = cancer["X_test"]["country"].value_counts()
    for country in ("US", "DE", "FR"):
        assert v.metric("rows", f"country={country}") == counts[country]
    # Every hyper-parameter, as get_params reports it.
    for key, value in model.get_params().items():
        if isinstance(value, (int, float, str, bool)) or value is None:
            stored = v.params[key]
            assert stored == value or (isinstance(value, float) and math.isnan(value))
    # Features: names and dtypes from the DataFrame the model was fitted on.
    assert [f.name for f in v.features] == NUMERIC
    assert all(f.dtype == "float64" for f in v.features)
    assert [o["name"] for o in v.outputs] == ["prediction", "probability(0)", "probability(1)"]
    # The artifact round-trips to an estimator that predicts the same.
    loaded = sqlite_reg.load(v)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert v.artifact_format == "skops" and len(v.artifact_sha256) == 64
    assert v.environment["libraries"]["scikit-learn"]
    assert v.provenance["user"] == "maya" and v.provenance["hostname"]


def test_pipeline_with_column_transformer(sqlite_reg, cancer):
    cols = [*NUMERIC, "country", "zip_code"]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), NUMERIC),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["country"]),
        ],
        remainder="drop",
    )
    pipe = Pipeline([("pre", pre), ("clf", LogisticRegression(C=2.0, max_iter=2000))])
    pipe.fit(cancer["X_train"][cols], cancer["y_train"])
    v = sqlite_reg.track(
        pipe,
        name="pipe",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        X_train=cancer["X_train"][cols],
        y_train=cancer["y_train"],
    )
    assert v.estimator_class == "sklearn.pipeline.Pipeline"
    assert v.params["clf__C"] == 2.0
    assert v.params["pre__cat__handle_unknown"] == "ignore"
    assert v.params["pre__num"] == "sklearn.preprocessing.StandardScaler"
    tree = v.steps
    assert [c["name"] for c in tree["children"]] == ["pre", "clf"]
    pre_node = tree["children"][0]
    assert [(c["name"], c["class"]) for c in pre_node["children"]][:2] == [
        ("num", "sklearn.preprocessing.StandardScaler"),
        ("cat", "sklearn.preprocessing.OneHotEncoder"),
    ]
    assert pre_node["children"][1]["columns"] == ["country"]
    used = {f.name: f.used for f in v.features}
    # zip_code reaches the model's input but the ColumnTransformer drops it.
    assert used == {**dict.fromkeys(NUMERIC, True), "country": True, "zip_code": False}
    dtypes = {f.name: f.dtype for f in v.features}
    assert dtypes["country"] in ("object", "str") and dtypes["zip_code"] == "int64"
    assert v.metric("roc_auc") == pytest.approx(
        skm.roc_auc_score(cancer["y_test"], pipe.predict_proba(cancer["X_test"][cols])[:, 1])
    )


def test_regressor(sqlite_reg, diabetes):
    model = RandomForestRegressor(n_estimators=10, random_state=0).fit(
        diabetes["X_train"], diabetes["y_train"]
    )
    v = sqlite_reg.track(
        model, name="progression", X_test=diabetes["X_test"], y_test=diabetes["y_test"]
    )
    pred = model.predict(diabetes["X_test"])
    assert v.task == "regression"
    assert set(v.overall_metrics) == {"rows", "rmse", "mae", "r2"}
    assert v.metric("rows") == len(diabetes["X_test"])
    assert v.metric("rmse") == pytest.approx(
        math.sqrt(skm.mean_squared_error(diabetes["y_test"], pred))
    )
    assert v.metric("r2") == pytest.approx(skm.r2_score(diabetes["y_test"], pred))
    assert v.outputs == [{"name": "prediction", "kind": "value", "dtype": "float64"}]
    importances = {f.name: f.importance for f in v.features}
    assert importances["bmi"] == pytest.approx(model.feature_importances_[2])


def test_multiclass(sqlite_reg, iris):
    model = LogisticRegression(max_iter=1000).fit(iris["X_train"], iris["y_train"])
    v = sqlite_reg.track(model, name="species", X_test=iris["X_test"], y_test=iris["y_test"])
    assert v.task == "multiclass"
    proba = model.predict_proba(iris["X_test"])
    assert v.metric("roc_auc") == pytest.approx(
        skm.roc_auc_score(iris["y_test"], proba, multi_class="ovr")
    )
    assert v.metric("f1") == pytest.approx(
        skm.f1_score(iris["y_test"], model.predict(iris["X_test"]), average="macro")
    )
    assert len([o for o in v.outputs if o["kind"] == "probability"]) == 3


def test_test_target_with_gaps_or_unknown_labels_is_refused(sqlite_reg, cancer, diabetes):
    from mmds_jupyter.errors import InvalidInput

    model = _fit(LogisticRegression(max_iter=2000), cancer, NUMERIC)
    X, y = cancer["X_test"][NUMERIC], cancer["y_test"]
    gaps = y.astype("float64").copy()
    gaps.iloc[[3, 7]] = np.nan
    with pytest.raises(InvalidInput, match=r"churn has no value in 2 row\(s\) \(positions 3, 7\)"):
        sqlite_reg.track(model, name="churn", X_test=X, y_test=gaps)
    words = y.map({0: "no", 1: "yes"})
    with pytest.raises(InvalidInput, match=r"label\(s\) 'yes', 'no' in .* classes: 0, 1"):
        sqlite_reg.track(model, name="churn", X_test=X, y_test=words)
    three = y.copy()
    three.iloc[0] = 2
    with pytest.raises(InvalidInput, match=r"label\(s\) 2 in 1 row\(s\) \(positions 0\)"):
        sqlite_reg.track(model, name="churn", X_test=X, y_test=three)
    reg_model = RandomForestRegressor(n_estimators=5, random_state=0).fit(
        diabetes["X_train"], diabetes["y_train"]
    )
    target = diabetes["y_test"].astype("float64").copy()
    target.iloc[1] = np.inf
    with pytest.raises(InvalidInput, match="progression has no value in 1 row"):
        sqlite_reg.track(reg_model, name="progression", X_test=diabetes["X_test"], y_test=target)
    assert sqlite_reg.find().empty  # nothing was written


def test_numpy_inputs_get_positional_names(sqlite_reg, cancer):
    X = cancer["X_train"][NUMERIC].to_numpy()
    model = LogisticRegression(max_iter=2000).fit(X, cancer["y_train"])
    v = sqlite_reg.track(
        model,
        name="np",
        X_test=cancer["X_test"][NUMERIC].to_numpy(),
        y_test=cancer["y_test"].to_numpy(),
    )
    assert [f.name for f in v.features] == ["x0", "x1", "x2", "x3"]
    assert v.metric("accuracy") is not None


def test_datasets_fingerprinted_and_linked(sqlite_reg, cancer):
    model = _fit(LogisticRegression(max_iter=2000), cancer, NUMERIC)
    v1 = sqlite_reg.track(
        model,
        name="a",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        X_train=cancer["X_train"][NUMERIC],
        y_train=cancer["y_train"],
    )
    v2 = sqlite_reg.track(
        model,
        name="b",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        X_train=cancer["X_train"][NUMERIC],
        y_train=cancer["y_train"],
    )
    lin1, lin2 = sqlite_reg.lineage(v1.ref), sqlite_reg.lineage(v2.ref)
    ds1 = {n.detail["content_hash"]: n for n in lin1.nodes.values() if n.kind == "dataset"}
    ds2 = {n.detail["content_hash"]: n for n in lin2.nodes.values() if n.kind == "dataset"}
    assert len(ds1) == 2 and set(ds1) == set(ds2)  # same data, same Dataset records
    train = sqlite_reg.store.lineage.datasets([n.id for n in ds1.values()])
    by_name = {d.name: d for d in train}
    assert by_name["train"].n_rows == len(cancer["X_train"])
    assert by_name["train"].schema["mean_radius"] == "float64"
    stats = by_name["train"].stats["mean_radius"]
    assert stats["mean"] == pytest.approx(cancer["X_train"]["mean_radius"].mean())
    assert by_name["test"].stats["country"]["kind"] == "categorical"
    relations = {e.relation for e in lin1.edges}
    assert relations == {"trained_on", "evaluated_on"}


def test_changed_data_gets_a_new_fingerprint(sqlite_reg, cancer):
    from mmds_jupyter.capture.datasets import as_frame, content_hash

    X = cancer["X_test"].copy()
    h1 = content_hash(as_frame(X, cancer["y_test"]))
    X.iloc[3, 0] += 1e-9
    assert content_hash(as_frame(X, cancer["y_test"])) != h1
    # The index does not matter, only the content.
    assert (
        content_hash(
            as_frame(
                cancer["X_test"].reset_index(drop=True), cancer["y_test"].reset_index(drop=True)
            )
        )
        == h1
    )


def test_column_statistics_match_numpy_and_pandas():
    from mmds_jupyter.capture.datasets import QUANTILE_SAMPLE, column_stats, quantiles

    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 4, 7, 1000):
        values = rng.normal(size=n)
        assert quantiles(values) == pytest.approx(np.quantile(values, [0.25, 0.5, 0.75]), rel=1e-15)
    frame = pd.DataFrame(
        {
            "x": [1.5, np.nan, 3.0, -2.0, np.inf],
            "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "flag": [True, False, True, True, False],
            "empty": [np.nan] * 5,
            "mixed": [1, "1", "a", None, "a"],  # 1 and "1" print alike: one category
        }
    )
    stats = column_stats(frame)
    finite = frame["n"].dropna().astype(float)
    assert stats["n"]["nulls"] == 1 and stats["n"]["p50"] == finite.median()
    assert stats["n"]["std"] == pytest.approx(finite.std(ddof=0))
    assert stats["x"]["nulls"] == 1 and stats["x"]["max"] is None  # inf is not a number to keep
    assert stats["flag"]["mean"] == pytest.approx(0.6)
    assert stats["empty"] == {"dtype": "float64", "nulls": 5, "kind": "numeric"}
    assert stats["mixed"]["top"] == {"1": 2, "a": 2} and stats["mixed"]["n_unique"] == 2
    # Past twice the sample size, quartiles come from a fixed sample: close, and repeatable.
    big = pd.DataFrame({"v": rng.uniform(0, 1, 3 * QUANTILE_SAMPLE)})
    first, again = column_stats(big)["v"], column_stats(big)["v"]
    assert first == again
    assert first["p50"] == pytest.approx(big["v"].median(), abs=0.01)
    assert first["min"] == big["v"].min() and first["max"] == big["v"].max()


def test_fingerprint_fast_paths_match_pandas():
    """Text columns are hashed and counted from one factorization and integers are sorted as
    integers: the hash and the statistics stay those pandas and numpy give."""
    from mmds_jupyter.capture.datasets import TextCodes, content_hash, fingerprint

    rng = np.random.default_rng(5)
    n = 3000
    text = [f"v{i % 25}" for i in range(n)]  # ties in the counts, more values than kept
    text[::7] = [None] * len(text[::7])
    frame = pd.DataFrame(
        {
            "s": pd.Series(text, dtype="str"),
            "p": pd.Series(rng.choice(["a", "b", None], n), dtype="string"),
            "small": rng.integers(-3, 40, n).astype(np.int8),
            "wide": rng.integers(-(2**62), 2**62, n),
            "u": rng.integers(0, 250, n).astype(np.uint8),
        }
    )
    fp = fingerprint(frame)
    assert fp["content_hash"] == content_hash(frame) == content_hash(frame, TextCodes(frame))
    for name in ("s", "p"):
        counts = frame[name].value_counts()
        assert list(fp["stats"][name]["top"].items()) == list(counts.head(20).items())
        assert fp["stats"][name]["nulls"] == frame[name].isna().sum()
        assert fp["stats"][name]["n_unique"] == frame[name].nunique()
    for name in ("small", "wide", "u"):
        expected = np.quantile(frame[name].to_numpy(dtype=float), [0.25, 0.5, 0.75])
        stats = fp["stats"][name]
        assert [stats["p25"], stats["p50"], stats["p75"]] == list(expected)
