"""Documents beyond the MMDS evaluator are scored by pypmml, with a PMMLFallbackWarning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmds_jupyter.pmml import PMMLEvaluator, PMMLFallbackWarning, describe, load_pmml

FILES = Path(__file__).parent / "files"


def _gauss(x: np.ndarray, mean: float, variance: float) -> np.ndarray:
    return np.exp(-((x - mean) ** 2) / (2 * variance)) / np.sqrt(2 * np.pi * variance)


def test_naive_bayes_scores_through_pypmml(pypmml_available: None) -> None:
    doc = load_pmml(FILES / "naive_bayes.pmml")
    with pytest.warns(PMMLFallbackWarning, match="model type <NaiveBayesModel>"):
        evaluator = PMMLEvaluator(doc)
    assert evaluator.engine == "pypmml"
    df = pd.DataFrame({"color": ["red", "blue", "red", "blue"], "size": [9.0, 4.0, 6.0, 8.0]})
    result = evaluator.predict(df)
    # Bayes' rule by hand: prior counts 10/10, color counts, Gaussian size likelihoods.
    red = df["color"].to_numpy() == "red"
    yes = 10 * np.where(red, 0.8, 0.2) * _gauss(df["size"].to_numpy(), 10, 4)
    no = 10 * np.where(red, 0.2, 0.8) * _gauss(df["size"].to_numpy(), 5, 4)
    np.testing.assert_allclose(result["probability(yes)"], yes / (yes + no), rtol=1e-9)
    assert list(result["predicted_label"]) == list(np.where(yes > no, "yes", "no"))
    assert list(result.columns) == ["predicted_label", "probability(yes)", "probability(no)"]


def test_unsupported_piece_of_a_supported_model_falls_back(pypmml_available: None) -> None:
    text = (FILES / "transformations.pmml").read_text()
    # A built-in function the MMDS evaluator does not implement.
    text = text.replace('function="exp"', 'function="uppercase"', 1)
    text = text.replace('<Apply function="uppercase">', '<Apply function="uppercase">', 1)
    doc = load_pmml(text.replace("<!--FALLBACK-->", ""))
    with pytest.warns(PMMLFallbackWarning, match="'uppercase'"):
        evaluator = PMMLEvaluator(doc)
    assert evaluator.engine == "pypmml"


def test_describe_names_inputs_outputs_and_producer() -> None:
    info = describe(load_pmml(FILES / "naive_bayes.pmml"))
    assert info["model_type"] == "NaiveBayesModel"
    assert info["function_name"] == "classification"
    assert info["target"] == "label"
    assert info["classes"] == ["yes", "no"]
    assert info["producer"] == {"name": "hand-written", "version": "1"}
    color, size = info["inputs"]
    assert color == {
        "name": "color",
        "dataType": "string",
        "optype": "categorical",
        "values": ["red", "blue"],
        "intervals": None,
        "missing_allowed": True,
    }
    assert size["values"] is None and size["optype"] == "continuous"
    assert [o["name"] for o in info["outputs"]] == [
        "predicted_label",
        "probability(yes)",
        "probability(no)",
    ]
    assert info["outputs"][1] == {
        "name": "probability(yes)",
        "feature": "probability",
        "value": "yes",
        "dataType": "double",
    }
