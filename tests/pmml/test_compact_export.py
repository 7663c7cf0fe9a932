"""A forest's PMML is compact, scores as the forest does, and the size limit is a setting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

from mmds_jupyter.pmml import PMMLError, PMMLEvaluator, load_pmml, to_pmml
from mmds_jupyter.pmml.export.builder import number

NAMES = [f"x{i}" for i in range(10)]


def _nodes(forest) -> int:
    return sum(tree.tree_.node_count for tree in forest.estimators_)


@pytest.fixture(scope="module")
def classifier() -> tuple[RandomForestClassifier, pd.DataFrame]:
    X, y = make_classification(n_samples=3000, n_features=10, random_state=0)
    frame = pd.DataFrame(X, columns=NAMES)
    return RandomForestClassifier(n_estimators=20, random_state=0).fit(frame, y), frame


def test_forest_export_is_compact_and_scores_the_same(classifier) -> None:
    forest, X = classifier
    data = to_pmml(forest)
    # Exported indented, with every leaf's recordCount and numbers like 93.0, this forest
    # took 250 bytes a node; a node's split and id alone take about 100.
    assert len(data) / _nodes(forest) < 190
    assert b"\n " not in data and b" />" not in data
    scored = PMMLEvaluator(load_pmml(data)).predict(X)
    probabilities = scored[["probability(0)", "probability(1)"]].to_numpy()
    np.testing.assert_allclose(probabilities, forest.predict_proba(X), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(scored["predicted_target"].to_numpy(), forest.predict(X))


def test_regression_forest_export_is_compact_and_scores_the_same() -> None:
    X, y = make_regression(n_samples=3000, n_features=10, random_state=0)
    frame = pd.DataFrame(X, columns=NAMES)
    forest = RandomForestRegressor(n_estimators=10, random_state=0).fit(frame, y)
    data = to_pmml(forest)
    # 181 bytes a node before (deep trees: the indentation grew with the depth).
    assert len(data) / _nodes(forest) < 135
    scored = PMMLEvaluator(load_pmml(data)).predict(frame)
    np.testing.assert_allclose(scored.iloc[:, 0], forest.predict(frame), rtol=1e-12)


@pytest.mark.parametrize(
    ("value", "text"),
    [(93.0, "93"), (-2.0, "-2"), (0.1, "0.1"), (1 / 3, "0.3333333333333333"), (1e20, "1e+20")],
)
def test_numbers_are_written_in_shortest_round_trip_form(value: float, text: str) -> None:
    assert number(value) == text and float(text) == value


def test_the_size_limit_is_a_setting(classifier, reg, tmp_path, monkeypatch) -> None:
    forest, X = classifier
    path = tmp_path / "forest.pmml"
    path.write_bytes(to_pmml(forest))
    monkeypatch.setenv("MMDS_PMML_MAX_MB", "0.1")
    with pytest.raises(PMMLError, match=r"over the 104,857-byte limit.*MMDS_PMML_MAX_MB=1\b"):
        reg.import_pmml(str(path), "forest")
    assert reg.find().empty
    monkeypatch.setenv("MMDS_PMML_MAX_MB", "1")
    version = reg.import_pmml(str(path), "forest")
    np.testing.assert_array_equal(version.load().predict(X), forest.predict(X))
    monkeypatch.setenv("MMDS_PMML_MAX_MB", "lots")
    with pytest.raises(PMMLError, match="MMDS_PMML_MAX_MB='lots' is not a size"):
        load_pmml(path)
