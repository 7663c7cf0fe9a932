"""Hand-written PMML files: the MMDS evaluator agrees with pypmml on every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from pmml_helpers import ENGINES, assert_same_scores, force_engine, random_inputs, score_pypmml

from mmds_jupyter.pmml import PMMLEvaluator, load_pmml

FILES = Path(__file__).parent / "files"
STRATEGIES = [
    "none",
    "lastPrediction",
    "nullPrediction",
    "defaultChild",
    "weightedConfidence",
    "aggregateNodes",
]
NO_TRUE_CHILD = ["returnNullPrediction", "returnLastPrediction"]


def _agree(text: str) -> None:
    df = random_inputs()
    evaluator = PMMLEvaluator(load_pmml(text))
    assert evaluator.engine == "mmds"
    assert_same_scores(evaluator.predict(df), score_pypmml(text, df))


@pytest.mark.parametrize("no_true_child", NO_TRUE_CHILD)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_tree_classification_strategies(
    strategy: str, no_true_child: str, pypmml_available: None
) -> None:
    template = (FILES / "tree_classification.pmml").read_text()
    _agree(template.replace("{strategy}", strategy).replace("{no_true_child}", no_true_child))


@pytest.mark.parametrize("no_true_child", NO_TRUE_CHILD)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_tree_regression_strategies(
    strategy: str, no_true_child: str, pypmml_available: None
) -> None:
    template = (FILES / "tree_regression.pmml").read_text()
    _agree(template.replace("{strategy}", strategy).replace("{no_true_child}", no_true_child))


@pytest.mark.parametrize("no_true_child", NO_TRUE_CHILD)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_tree_chained_tests_strategies(
    strategy: str, no_true_child: str, pypmml_available: None
) -> None:
    """Nodes whose children test in turn, closed by True or open (no true child at the end),
    compile to binary splits; rows with and without missing values agree with pypmml."""
    template = (FILES / "tree_chains.pmml").read_text()
    text = template.replace("{strategy}", strategy).replace("{no_true_child}", no_true_child)
    _agree(text)
    evaluator = PMMLEvaluator(load_pmml(text))
    assert evaluator._compiled.model.binary is not None
    complete = random_inputs(2000, seed=3).dropna().reset_index(drop=True)
    assert_same_scores(evaluator.predict(complete), score_pypmml(text, complete))


def test_transformations(pypmml_available: None) -> None:
    _agree((FILES / "transformations.pmml").read_text())


@pytest.mark.parametrize("method", ["softmax", "simplemax", "none"])
def test_multinomial_regression_normalizations(method: str, pypmml_available: None) -> None:
    _agree((FILES / "regression_classification.pmml").read_text().replace("{method}", method))


@pytest.mark.parametrize(
    "method", ["logit", "probit", "cloglog", "loglog", "cauchit", "softmax", "none"]
)
def test_binary_regression_links(method: str, pypmml_available: None) -> None:
    _agree((FILES / "regression_binary.pmml").read_text().replace("{method}", method))


@pytest.mark.parametrize(
    "method", ["average", "weightedAverage", "majorityVote", "weightedMajorityVote", "selectFirst"]
)
def test_classification_segmentation(method: str, pypmml_available: None) -> None:
    _agree((FILES / "mining_classification.pmml").read_text().replace("{method}", method))


@pytest.mark.parametrize("method", ["sum", "average", "weightedAverage", "median", "selectFirst"])
def test_regression_segmentation(method: str, pypmml_available: None) -> None:
    _agree((FILES / "mining_regression.pmml").read_text().replace("{method}", method))


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("method", ["sum", "average", "weightedAverage"])
def test_forest_splitting_on_categories_in_every_engine(
    method: str, engine: str, pypmml_available: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Trees that test a string field for (in)equality join the fast ensemble walks; with and
    without missing values, each engine agrees with pypmml."""
    text = (FILES / "forest_categories.pmml").read_text().replace("{method}", method)
    _agree(text)
    complete = random_inputs(3000, seed=4).dropna()
    complete = complete[complete["c"] != "z"].reset_index(drop=True)
    used = force_engine(monkeypatch, engine)
    evaluator = PMMLEvaluator(load_pmml(text))
    assert evaluator._compiled.model.forest is not None
    assert_same_scores(evaluator.predict(complete), score_pypmml(text, complete))
    assert set(used) == ({engine} - {"numpy-walk"})


def test_model_chain(pypmml_available: None) -> None:
    _agree((FILES / "model_chain.pmml").read_text())
