"""scikit-learn -> to_pmml -> PMMLEvaluator and pypmml agree with scikit-learn itself."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from pmml_helpers import (
    ENGINES,
    MMDS_TOLERANCE,
    PYPMML_TOLERANCE,
    dataset,
    force_engine,
    score_pypmml,
)
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mmds_jupyter.pmml import PMMLEvaluator, describe, load_pmml, to_pmml

# (id, estimator factory, data set); data sets pick binary, multiclass or regression targets.
CASES: list[tuple[str, Any, str]] = [
    ("linear", lambda: LinearRegression(), "diabetes"),
    ("ridge", lambda: Ridge(alpha=0.5), "diabetes"),
    ("lasso", lambda: Lasso(alpha=0.05), "diabetes"),
    ("elasticnet", lambda: ElasticNet(alpha=0.01, l1_ratio=0.3), "diabetes"),
    ("logistic-binary", lambda: LogisticRegression(max_iter=5000), "breast_cancer"),
    ("logistic-multinomial", lambda: LogisticRegression(max_iter=5000), "wine"),
    ("tree-classifier", lambda: DecisionTreeClassifier(max_depth=6, random_state=0), "iris"),
    ("tree-regressor", lambda: DecisionTreeRegressor(max_depth=6, random_state=0), "diabetes"),
    ("forest-classifier", lambda: RandomForestClassifier(n_estimators=10, random_state=0), "wine"),
    (
        "forest-regressor",
        lambda: RandomForestRegressor(n_estimators=10, max_depth=8, random_state=0),
        "diabetes",
    ),
    (
        "extra-classifier",
        lambda: ExtraTreesClassifier(n_estimators=10, random_state=0),
        "breast_cancer",
    ),
    (
        "extra-regressor",
        lambda: ExtraTreesRegressor(n_estimators=10, max_depth=8, random_state=0),
        "diabetes",
    ),
    (
        "boosting-binary",
        lambda: GradientBoostingClassifier(n_estimators=10, random_state=0),
        "breast_cancer",
    ),
    (
        "boosting-multiclass",
        lambda: GradientBoostingClassifier(n_estimators=10, random_state=0),
        "iris",
    ),
    (
        "boosting-regressor",
        lambda: GradientBoostingRegressor(n_estimators=10, random_state=0),
        "diabetes",
    ),
]


def _preprocessor(numeric: list[str], linear: bool, variant: int) -> ColumnTransformer:
    scaler = StandardScaler() if variant % 2 == 0 else MinMaxScaler()
    if linear:
        encoder: Any = OneHotEncoder(handle_unknown="ignore", drop="first" if variant % 2 else None)
    else:
        encoder = OrdinalEncoder() if variant % 2 == 0 else OneHotEncoder(handle_unknown="ignore")
    return ColumnTransformer(
        [
            (
                "num",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", scaler)]),
                numeric,
            ),
            (
                "cat",
                Pipeline(
                    [("impute", SimpleImputer(strategy="most_frequent")), ("encode", encoder)]
                ),
                ["band"],
            ),
        ]
    )


def _check(model: Any, X: pd.DataFrame, xml: bytes, classification: bool) -> None:
    doc = load_pmml(xml)
    evaluator = PMMLEvaluator(doc)
    assert evaluator.engine == "mmds"
    info = describe(doc)
    active = [i["name"] for i in info["inputs"]]
    supplementary = [
        mf.get("name")
        for mf in doc.model.iter("MiningField")
        if mf.get("usageType") == "supplementary"
    ]
    assert sorted(active + list(dict.fromkeys(supplementary))) == sorted(X.columns)
    # Both scorers get only the fields the MiningSchema requires, and match the model on X.
    ours = evaluator.predict(X[active])
    reference = score_pypmml(xml, X[active])
    if classification:
        columns = [f"probability({c})" for c in model.classes_]
        expected = model.predict_proba(X)
        np.testing.assert_allclose(ours[columns].to_numpy(), expected, rtol=0, atol=MMDS_TOLERANCE)
        np.testing.assert_array_equal(ours["predicted_target"].to_numpy(), model.predict(X))
        np.testing.assert_allclose(
            reference[columns].to_numpy(dtype=float), expected, rtol=0, atol=PYPMML_TOLERANCE
        )
        np.testing.assert_array_equal(
            reference["predicted_target"].to_numpy().astype(type(model.classes_[0])),
            model.predict(X),
        )
    else:
        expected = model.predict(X)
        np.testing.assert_allclose(
            ours["predicted_target"].to_numpy(), expected, rtol=0, atol=MMDS_TOLERANCE
        )
        np.testing.assert_allclose(
            reference["predicted_target"].to_numpy(dtype=float),
            expected,
            rtol=0,
            atol=PYPMML_TOLERANCE,
        )
    assert info["target"] == "target"


@pytest.mark.parametrize(("name", "factory", "data"), CASES, ids=[c[0] for c in CASES])
def test_standalone_round_trip(name: str, factory: Any, data: str, pypmml_available: None) -> None:
    X, y = dataset(data)
    model = factory().fit(X, y)
    xml = to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))
    _check(model, X, xml, hasattr(model, "classes_"))


@pytest.mark.parametrize(("name", "factory", "data"), CASES, ids=[c[0] for c in CASES])
def test_pipeline_round_trip(name: str, factory: Any, data: str, pypmml_available: None) -> None:
    X, y = dataset(data, categorical=True, missing=True)
    numeric = [c for c in X.columns if c != "band"]
    linear = (
        "linear" in name
        or "ridge" in name
        or "lasso" in name
        or "elastic" in name
        or "logistic" in name
    )
    variant = sum(map(ord, name))
    model = Pipeline([("prep", _preprocessor(numeric, linear, variant)), ("model", factory())]).fit(
        X, y
    )
    xml = to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))
    doc = load_pmml(xml)
    # The field is declared even where the model never reads it (then it is supplementary).
    band = next(f for f in doc.data_dictionary.iter("DataField") if f.get("name") == "band")
    assert band.get("optype") == "categorical"
    assert sorted(v.get("value") for v in band.iter("Value")) == ["high", "low", "mid"]
    _check(model, X, xml, hasattr(model, "classes_"))


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize(
    ("factory", "data"),
    [
        (lambda: RandomForestClassifier(n_estimators=7, random_state=0), "wine"),
        (lambda: ExtraTreesRegressor(n_estimators=5, random_state=0), "diabetes"),
        (lambda: GradientBoostingRegressor(n_estimators=9, random_state=0), "diabetes"),
        (lambda: GradientBoostingClassifier(n_estimators=6, random_state=0), "iris"),
    ],
    ids=["forest-classifier", "extra-trees-regressor", "boosting-regressor", "boosting-3-class"],
)
def test_ensembles_scored_by_each_engine_in_parallel_blocks_match_sklearn(
    factory: Any, data: str, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large inputs are cut into blocks that threads score at once, by numpy (walking every
    level, or deciding the top levels by column comparisons first) or by the compiled kernel;
    each engine must run and give scikit-learn's answer."""
    X, y = dataset(data)
    model = factory().fit(X, y)
    evaluator = PMMLEvaluator(
        load_pmml(to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes)))
    )
    whole = evaluator.predict(X)
    used = force_engine(monkeypatch, engine)
    big = pd.concat([X] * 4, ignore_index=True)
    for threads in ("1", "3"):
        monkeypatch.setenv("MMDS_PMML_THREADS", threads)
        blocks = evaluator.predict(big)
        pd.testing.assert_frame_equal(
            blocks, pd.concat([whole] * 4, ignore_index=True), check_exact=False, atol=1e-12
        )
    assert set(used) == ({engine} - {"numpy-walk"})
    if hasattr(model, "classes_"):
        columns = [f"probability({c})" for c in model.classes_]
        expected = model.predict_proba(big)
        np.testing.assert_allclose(blocks[columns].to_numpy(), expected, atol=MMDS_TOLERANCE)
    else:
        np.testing.assert_allclose(
            blocks["predicted_target"].to_numpy(), model.predict(big), atol=MMDS_TOLERANCE
        )


@pytest.mark.parametrize("engine", list(ENGINES))
def test_inputs_on_split_thresholds_go_left_in_every_engine(
    engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PMML's `x <= threshold` sends a value equal to the threshold left; every engine must do
    what pypmml does for rows whose every value sits on one of the forest's split points."""
    X, y = dataset("wine")
    model = RandomForestClassifier(n_estimators=6, random_state=0).fit(X, y)
    xml = to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))
    rng = np.random.default_rng(0)
    on_splits = pd.DataFrame(index=range(300))
    for i, column in enumerate(X.columns):
        points = np.unique(
            np.concatenate([t.tree_.threshold[t.tree_.feature == i] for t in model.estimators_])
        )
        on_splits[column] = rng.choice(points, 300) if points.size else X[column].iloc[0]
    used = force_engine(monkeypatch, engine)
    ours = PMMLEvaluator(load_pmml(xml)).predict(on_splits)
    theirs = score_pypmml(xml, on_splits)
    assert set(used) == ({engine} - {"numpy-walk"})
    columns = [f"probability({c})" for c in model.classes_]
    np.testing.assert_allclose(
        ours[columns].to_numpy(), theirs[columns].to_numpy(), atol=PYPMML_TOLERANCE
    )


def test_inputs_the_model_does_not_read_are_supplementary(pypmml_available: None) -> None:
    """A column the ColumnTransformer drops, or that no tree splits on, is not required."""
    X, y = dataset("breast_cancer", categorical=True)
    X = X.assign(collections_flag=np.arange(len(X)) % 2)
    numeric = [c for c in X.columns if c not in ("band", "collections_flag")]
    pipe = Pipeline(
        [
            ("prep", _preprocessor(numeric, linear=True, variant=0)),
            ("model", LogisticRegression(max_iter=5000)),
        ]
    ).fit(X, y)
    xml = to_pmml(pipe, feature_dtypes=dict(X.dtypes))
    usage = {
        mf.get("name"): mf.get("usageType", "active")
        for mf in load_pmml(xml).model.iter("MiningField")
    }
    assert usage["collections_flag"] == "supplementary"
    assert {n for n, u in usage.items() if u == "active"} == set(X.columns) - {"collections_flag"}
    _check(pipe, X, xml, True)
    stump = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X[numeric], y)
    split_on = numeric[stump.tree_.feature[0]]
    xml = to_pmml(stump, feature_names=numeric)
    active = [i["name"] for i in describe(load_pmml(xml))["inputs"]]
    assert active == [split_on]
    _check(stump, X[numeric], xml, True)
