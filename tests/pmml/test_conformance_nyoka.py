"""Files written by nyoka (another PMML producer): MMDS agrees with pypmml on every row."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import pytest
from pmml_helpers import assert_same_scores, dataset, score_pypmml
from sklearn.ensemble import (
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mmds_jupyter.pmml import PMMLEvaluator, PMMLFallbackWarning, load_pmml

if os.environ.get("CI"):
    import nyoka  # CI must have the test dependency: a skip there would hide a missing install
else:
    nyoka = pytest.importorskip(
        "nyoka", reason="nyoka is a test-only dependency (pip install nyoka)"
    )

CASES: list[tuple[str, Any, str]] = [
    ("logistic", lambda: LogisticRegression(max_iter=5000), "iris"),
    ("linear", lambda: LinearRegression(), "diabetes"),
    ("tree-classifier", lambda: DecisionTreeClassifier(max_depth=4, random_state=0), "wine"),
    ("tree-regressor", lambda: DecisionTreeRegressor(max_depth=4, random_state=0), "diabetes"),
    (
        "forest-classifier",
        lambda: RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0),
        "breast_cancer",
    ),
    (
        "forest-regressor",
        lambda: RandomForestRegressor(n_estimators=5, max_depth=4, random_state=0),
        "diabetes",
    ),
    (
        "boosting-binary",
        lambda: GradientBoostingClassifier(n_estimators=5, random_state=0),
        "breast_cancer",
    ),
    (
        "boosting-multiclass",
        lambda: GradientBoostingClassifier(n_estimators=5, random_state=0),
        "iris",
    ),
]


@pytest.mark.parametrize(("name", "factory", "data"), CASES, ids=[c[0] for c in CASES])
def test_nyoka_file_agrees_with_pypmml(
    name: str, factory: Any, data: str, tmp_path: Path, pypmml_available: None
) -> None:
    X, y = dataset(data)
    scaler = StandardScaler() if len(name) % 2 else MinMaxScaler()
    pipeline = Pipeline([("scale", scaler), ("model", factory())]).fit(X, y)
    path = tmp_path / f"{name}.pmml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nyoka's own deprecation notices
        nyoka.skl_to_pmml(pipeline, list(X.columns), "target", str(path))
    doc = load_pmml(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PMMLFallbackWarning)
        evaluator = PMMLEvaluator(doc)
    assert evaluator.engine == "mmds", [str(w.message) for w in caught]
    assert_same_scores(evaluator.predict(X), score_pypmml(path.read_bytes(), X))
