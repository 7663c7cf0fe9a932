"""to_pmml refuses what it cannot export, naming the step and the class."""

from __future__ import annotations

import numpy as np
import pytest
from pmml_helpers import dataset
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC

from mmds_jupyter.pmml import PMMLEvaluator, PMMLExportError, describe, load_pmml, to_pmml


def test_unsupported_final_step_names_step_and_class() -> None:
    X, y = dataset("iris")
    model = Pipeline([("scale", StandardScaler()), ("clf", SVC())]).fit(X, y)
    with pytest.raises(
        PMMLExportError,
        match=r"step 'clf' \(SVC\) cannot be exported to PMML; supported: .*LogisticRegression",
    ):
        to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))


def test_unsupported_standalone_estimator() -> None:
    X, y = dataset("iris")
    with pytest.raises(PMMLExportError, match=r"^SVC cannot be exported to PMML"):
        to_pmml(SVC().fit(X, y), feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))


def test_unsupported_transformer_inside_column_transformer() -> None:
    X, y = dataset("iris")
    prep = ColumnTransformer([("poly", PolynomialFeatures(), list(X.columns))])
    model = Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=1000))]).fit(X, y)
    with pytest.raises(PMMLExportError, match=r"step 'prep/poly' \(PolynomialFeatures\)"):
        to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))


def test_imputer_indicator_is_refused() -> None:
    X, y = dataset("iris", missing=True)
    model = Pipeline(
        [("impute", SimpleImputer(add_indicator=True)), ("clf", LogisticRegression(max_iter=1000))]
    ).fit(X, y)
    with pytest.raises(PMMLExportError, match="add_indicator"):
        to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes))


def test_pipeline_without_model_is_refused() -> None:
    X, _ = dataset("iris")
    with pytest.raises(PMMLExportError, match="ends with a model"):
        to_pmml(
            Pipeline([("scale", StandardScaler().fit(X))]),
            feature_names=list(X.columns),
            feature_dtypes=dict(X.dtypes),
        )


def test_feature_names_must_match_the_fitted_ones() -> None:
    X, y = dataset("iris")
    model = LogisticRegression(max_iter=1000).fit(X, y)
    with pytest.raises(PMMLExportError, match="differ from the names"):
        to_pmml(model, feature_names=["a", "b", "c", "d"], feature_dtypes=["double"] * 4)


def test_names_types_and_classes_are_derived_from_the_estimator() -> None:
    X, y = dataset("iris", categorical=True)
    from sklearn.preprocessing import OneHotEncoder

    prep = ColumnTransformer(
        [("num", StandardScaler(), list(X.columns[:4])), ("cat", OneHotEncoder(), ["band"])]
    )
    model = Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=1000))]).fit(X, y)
    doc = load_pmml(to_pmml(model, feature_dtypes=dict(X.dtypes), target_name="species"))
    info = describe(doc)
    assert [i["name"] for i in info["inputs"]] == list(X.columns)
    band = info["inputs"][-1]
    assert (band["dataType"], band["optype"]) == ("string", "categorical")
    assert sorted(band["values"]) == ["high", "low", "mid"]
    assert info["classes"] == ["0", "1", "2"]
    assert info["target"] == "species"
    assert [o["name"] for o in info["outputs"]] == [
        "predicted_species",
        "probability(0)",
        "probability(1)",
        "probability(2)",
    ]
    assert info["producer"]["name"] == "MMDS"
    assert info["function_name"] == "classification"
    # OneHotEncoder(handle_unknown="error") makes sklearn refuse an unseen category; the PMML
    # declares the valid values, so the evaluator returns no prediction for that row.
    unseen = X.head(3).copy()
    unseen["band"] = ["low", "unseen", "mid"]
    result = PMMLEvaluator(doc).predict(unseen)
    assert np.isnan(result["probability(0)"].iloc[1])
    assert not np.isnan(result["probability(0)"].iloc[0])


def test_describe_reports_ensemble_parameters() -> None:
    from sklearn.ensemble import RandomForestClassifier

    X, y = dataset("iris")
    model = RandomForestClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    info = describe(
        load_pmml(to_pmml(model, feature_names=list(X.columns), feature_dtypes=dict(X.dtypes)))
    )
    assert info["model_type"] == "MiningModel"
    assert info["params"]["multipleModelMethod"] == "average"
    assert info["params"]["segments"] == 3
    assert info["params"]["segment_model_types"] == ["TreeModel"]
