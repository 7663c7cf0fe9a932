"""Linear and logistic regression as PMML RegressionModels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from ..errors import PMMLExportError
from .builder import Builder, Feature, mining_schema, number, sub
from .target import Target


def _table(
    parent: ET.Element, intercept: float, coefs: np.ndarray, features: list[Feature], **attrs: str
) -> None:
    table = sub(parent, "RegressionTable", intercept=number(intercept), **attrs)
    for feature, coef in zip(features, coefs, strict=True):
        if coef != 0.0:
            sub(table, "NumericPredictor", name=feature.field, coefficient=number(coef))


def _check_numeric(est: Any, features: list[Feature], step: str) -> None:
    for feature in features:
        if feature.categorical:
            raise PMMLExportError(
                f"step {step!r} ({type(est).__name__}) receives the categorical column "
                f"{feature.field!r}; encode it (OneHotEncoder) first"
            )


def linear_regression(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str
) -> ET.Element:
    """y = intercept + coef . x."""
    _check_numeric(est, features, step)
    coef = np.asarray(est.coef_, dtype=float)
    if coef.ndim > 1 and coef.shape[0] != 1:
        raise PMMLExportError(f"step {step!r} ({type(est).__name__}) has several targets")
    model = ET.Element(
        "RegressionModel", functionName="regression", algorithmName=type(est).__name__
    )
    model.append(mining_schema(builder, target.top_level_name))
    _table(
        model,
        float(np.ravel(est.intercept_)[0]) if np.ndim(est.intercept_) else float(est.intercept_),
        coef.ravel(),
        features,
    )
    return model


def logistic_regression(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str
) -> ET.Element:
    """Binary (logit) or multinomial (softmax) LogisticRegression."""
    _check_numeric(est, features, step)
    coef = np.asarray(est.coef_, dtype=float)
    intercept = np.asarray(est.intercept_, dtype=float)
    classes = target.classes
    binary = coef.shape[0] == 1
    model = ET.Element(
        "RegressionModel",
        functionName="classification",
        algorithmName="LogisticRegression",
        normalizationMethod="logit" if binary else "softmax",
    )
    model.append(mining_schema(builder, target.top_level_name))
    if binary:
        _table(model, intercept[0], coef[0], features, targetCategory=classes[1])
        sub(model, "RegressionTable", intercept="0", targetCategory=classes[0])
    else:
        for k, cls in enumerate(classes):
            _table(model, intercept[k], coef[k], features, targetCategory=cls)
    return model
