"""PMML files written by sklearn2pmml and nyoka (committed; tests/pmml/producers/make_files.py
wrote them): MMDS imports and scores each, and every declared output agrees with
JPMML-Evaluator within 1e-6 (and with pypmml)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from jpmml_reference import assert_declared_outputs_agree, score_jpmml
from pmml_helpers import score_pypmml

from mmds_jupyter.pmml import PMMLEvaluator, PMMLFallbackWarning, describe, load_pmml

FILES = Path(__file__).parent / "producers" / "files"
PATHS = sorted(FILES.glob("*.pmml"))


def _inputs(path: Path) -> pd.DataFrame:
    """Iris-like rows (the producers trained on iris), a little beyond its range too."""
    rng = np.random.default_rng(len(path.name))
    n = 300
    data = {
        "sepal_length": rng.uniform(4.0, 8.2, n),
        "sepal_width": rng.uniform(1.8, 4.6, n),
        "petal_length": rng.uniform(0.8, 7.2, n),
        "petal_width": rng.uniform(0.0, 2.7, n),
    }
    names = [i["name"] for i in describe(load_pmml(path))["inputs"]]
    return pd.DataFrame({name: data[name] for name in names})


def _outputs(path: Path) -> list[str]:
    return [o["name"] for o in describe(load_pmml(path))["outputs"]]


@pytest.fixture(scope="module")
def scored() -> dict[str, tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]]:
    """Each file's inputs, MMDS's outputs and JPMML-Evaluator's (one JVM for the module)."""
    results = {}
    for path in PATHS:
        df = _inputs(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PMMLFallbackWarning)
            ours = PMMLEvaluator(load_pmml(path)).predict(df)
        results[path.name] = (df, ours, score_jpmml(path.read_bytes(), df))
    return results


def test_the_corpus_has_both_producers_and_the_new_model_types() -> None:
    names = {p.name for p in PATHS}
    assert {n.split("_")[0] for n in names} == {"sklearn2pmml", "nyoka"}
    kinds = {describe(load_pmml(p))["model_type"] for p in PATHS}
    assert {"SupportVectorMachineModel", "NeuralNetwork", "NaiveBayesModel"} <= kinds
    assert "ClusteringModel" in kinds


@pytest.mark.parametrize("name", [p.name for p in PATHS])
def test_every_declared_output_agrees_with_jpmml(name: str, scored: dict) -> None:
    df, ours, reference = scored[name]
    assert "errors" not in reference.columns or reference["errors"].isna().all()
    names = _outputs(FILES / name)
    if not names:  # no Output element: the predicted value is the target's column in JPMML
        target = describe(load_pmml(FILES / name))["target"]
        ours = ours.rename(columns={ours.columns[0]: target})
        names = [target]
    assert_declared_outputs_agree(ours, reference, names)


@pytest.mark.parametrize("name", [p.name for p in PATHS])
def test_pypmml_agrees_too(name: str, scored: dict, pypmml_available: None) -> None:
    df, ours, _ = scored[name]
    names = _outputs(FILES / name) or [ours.columns[0]]
    assert_declared_outputs_agree(
        ours, score_pypmml((FILES / name).read_bytes(), df), names, who="pypmml"
    )
