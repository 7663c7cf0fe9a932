"""Imported PMML through the registry: classifiers without probabilities score, and every
declared OutputField is a contract output and a scored column, by its name and type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mmds_jupyter.pmml import PMMLError, describe, load_pmml

SPEC = Path(__file__).parent / "files" / "spec"
# SVMs, clustering and naive Bayes score through pypmml here: the warning says so each time.
pytestmark = pytest.mark.filterwarnings("ignore::mmds_jupyter.pmml.PMMLFallbackWarning")


def _text(name: str, **placeholders: str) -> bytes:
    text = (SPEC / name).read_text()
    for key, value in placeholders.items():
        text = text.replace("{" + key + "}", value)
    return text.encode()


def _import(reg, raw: bytes, name: str, **kwargs):
    return reg.import_pmml(raw, name, "partners", **kwargs)


def test_a_rule_set_without_probabilities_scores_with_its_declared_outputs(reg) -> None:
    raw = _text("ruleset.pmml", criterion="firstHit")
    df = pd.DataFrame(
        {
            "BP": ["HIGH", "LOW", "NORMAL", "LOW"],
            "K": [0.05, 0.03, 0.05, 0.03],
            "Age": [40.0, 45.0, 60.0, 70.0],
            "Na": [0.6, 0.6, 0.8, 0.6],
            "Cholesterol": ["HIGH", "HIGH", "HIGH", "HIGH"],
        }
    )
    y = pd.Series(["drugB", "drugA", "drugY", "drugC"])
    v = _import(reg, raw, "drugs", X_test=df, y_test=y)
    assert v.task == "multiclass"
    assert v.metric("accuracy") == 1.0
    assert v.metric("roc_auc") is None  # no probabilities, no ranking metrics
    outputs = {o["name"]: o for o in reg.contract(v.ref).outputs}
    assert list(outputs) == ["prediction", "Predicted_Drug", "Rule_Id", "Rule_Confidence"]
    assert outputs["Rule_Id"]["feature"] == "entityId"
    assert outputs["Rule_Confidence"]["dtype"] == "float64"
    scored = reg.score(v.ref, df).outputs
    assert [c for c in scored.columns if c != "mmds_flags"] == list(outputs)
    assert scored["prediction"].tolist() == y.tolist()
    assert scored["Rule_Id"].tolist() == ["RULE1", "RULE2", "RULE4", "RULE3"]
    assert scored["Rule_Confidence"].tolist() == [0.9, 0.9, 0.7, 0.8]


def test_an_svm_scores_its_transformed_value_through_the_fallback(reg) -> None:
    raw = _text("svm.pmml", kernel='RadialBasisKernelType gamma="1.0"')
    v = _import(reg, raw, "xor")
    assert v.task == "binary"
    outputs = {o["name"]: o for o in reg.contract(v.ref).outputs}
    assert list(outputs) == ["prediction", "Predicted_class", "svm_predict_function"]
    assert outputs["svm_predict_function"] == {
        "name": "svm_predict_function",
        "kind": "declared",
        "feature": "transformedValue",
        "field": "svm_predict_function",
        "dtype": "float64",
    }
    df = pd.DataFrame({"x1": [0.0, 0.0, 1.0, 1.0], "x2": [0.0, 1.0, 0.0, 1.0]})
    scored = reg.score(v.ref, df).outputs
    assert scored["prediction"].tolist() == ["no", "yes", "yes", "no"]
    assert scored["svm_predict_function"].dtype == np.float64
    assert scored["svm_predict_function"].tolist() == [0.0, 1.0, 1.0, 0.0]


def test_a_clustering_model_scores_cluster_ids_and_affinities(reg) -> None:
    raw = _text("clustering.pmml", measure="squaredEuclidean")
    v = _import(reg, raw, "segments")
    assert v.task == "clustering"
    names = [o["name"] for o in reg.contract(v.ref).outputs]
    assert names == [
        "prediction",
        "cluster",
        "cluster_name",
        "cluster_index",
        "affinity_1",
        "affinity_2",
        "affinity_3",
    ]
    df = pd.DataFrame(
        {"marital status": ["m", "d", "s"], "age": [60.0, 90.0, 70.0], "salary": [39800.0] * 3}
    )
    scored = reg.score(v.ref, df).outputs
    assert scored["prediction"].tolist() == ["2", "1", "3"]
    assert scored["cluster_name"].tolist()[0] == "marital status is m"
    affinities = scored[["affinity_1", "affinity_2", "affinity_3"]].to_numpy()
    assert (np.argmin(affinities, axis=1) + 1).astype(str).tolist() == ["2", "1", "3"]


def test_a_declared_field_named_like_an_mmds_column_keeps_both(reg) -> None:
    """A declared field called ``prediction`` that is not the predicted value is scored as
    ``output(prediction)``; MMDS's own column keeps its meaning."""
    raw = _text("svm.pmml", kernel="LinearKernelType").replace(
        b'name="svm_predict_function"', b'name="prediction"'
    )
    v = _import(reg, raw, "renamed")
    names = [o["name"] for o in reg.contract(v.ref).outputs]
    assert names == ["prediction", "Predicted_class", "output(prediction)"]
    scored = reg.score(v.ref, pd.DataFrame({"x1": [1.0], "x2": [0.0]})).outputs
    assert scored["output(prediction)"].tolist() == [
        1.0 if scored["prediction"].iloc[0] == "yes" else 0.0
    ]


def test_a_classifier_with_probabilities_still_lists_them(reg) -> None:
    raw = _text("naive_bayes.pmml")
    v = _import(reg, raw, "claims")
    names = [o["name"] for o in reg.contract(v.ref).outputs]
    assert names[:4] == ["prediction", "probability(100)", "probability(500)", "probability(1000)"]
    assert names[4:] == [
        "Predicted_amount",
        "Probability_100",
        "Probability_500",
        "Probability_1000",
        "Probability_predicted",
    ]
    df = pd.DataFrame({"age of individual": [32.0], "gender": ["male"], "domicile": ["urban"]})
    scored = reg.score(v.ref, df).outputs
    assert scored["Predicted_amount"].dtype == np.int64
    assert scored["probability(100)"].iloc[0] == pytest.approx(scored["Probability_100"].iloc[0])


def test_association_rules_score_every_declared_rule_value(reg) -> None:
    """Transactional input, one row per item bought: each row answers for its basket."""
    v = _import(reg, _text("association_rules.pmml"), "baskets")
    assert v.task == "associationRules"
    contract = reg.contract(v.ref)
    assert [i.name for i in contract.inputs] == ["transaction", "item"]
    outputs = {o["name"]: o for o in contract.outputs}
    declared = [o["name"] for o in describe(load_pmml(_text("association_rules.pmml")))["outputs"]]
    assert list(outputs) == ["prediction", *declared]
    assert outputs["Confidence"]["dtype"] == "float64" and outputs["Rule"]["dtype"] == "object"
    assert outputs["Exclusive"]["feature"] == "ruleValue"
    df = pd.DataFrame(
        {
            "transaction": ["a", "a", "b", "c", "c"],
            "item": ["Cracker", "Water", "Bread", "Coke", "Milk"],
        }
    )
    scored = reg.score(v.ref, df).outputs
    assert [c for c in scored.columns if c != "mmds_flags"] == list(outputs)
    # a: {Cracker, Water}: R1 (0.833) then R2 (0.714) recommend; R4 is the exclusive one.
    assert scored["prediction"].tolist() == ["Water", "Water", "Coke", "Cracker", "Cracker"]
    assert scored["Rule"].tolist()[:3] == ["{Cracker}->{Water}"] * 2 + ["{Bread}->{Coke}"]
    assert scored["Exclusive_Id"].tolist()[:2] == ["R4", "R4"]
    assert scored["Association"].tolist()[0] == "{Cracker}->{Water}"
    assert pd.isna(scored["Association"].iloc[2])
    assert scored["Top_2_Ids"].tolist()[:3] == ["R1; R2", "R1; R2", "R5"]
    assert scored["Confidence"].tolist() == [0.833, 0.833, 0.5, 0.6, 0.6]


def test_association_rules_on_one_column_per_item_are_refused_with_one_error(reg) -> None:
    """The other input shape (no group field; one true/false column per item) is not scored:
    importing it says so, and nothing is registered."""
    raw = (
        _text("association_rules.pmml")
        .replace(b'<MiningField name="transaction" usageType="group"/>', b"")
        .replace(b'name="transaction" optype="categorical"', b'name="Cracker" optype="categorical"')
        .replace(
            b'<MiningField name="item" usageType="active"/>',
            b'<MiningField name="Cracker"/><MiningField name="item"/>',
        )
    )
    with pytest.raises(PMMLError, match="transactional data only"):
        _import(reg, raw, "columns")
    assert reg.models().empty
