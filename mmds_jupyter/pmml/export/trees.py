"""Decision trees, random forests, extra trees and gradient boosting as PMML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from ..errors import PMMLExportError
from .builder import Builder, Feature, mining_schema, number, sub
from .target import Target


def _check_numeric(est: Any, features: list[Feature], step: str) -> None:
    for feature in features:
        if feature.categorical:
            raise PMMLExportError(
                f"step {step!r} ({type(est).__name__}) receives the categorical column "
                f"{feature.field!r}; encode it (OneHotEncoder or OrdinalEncoder) first"
            )


def tree_model(
    tree: Any,
    features: list[Feature],
    builder: Builder,
    target: Target,
    classification: bool,
) -> ET.Element:
    """One fitted sklearn tree as a TreeModel; missing values follow sklearn's default side."""
    t = tree.tree_
    model = ET.Element(
        "TreeModel",
        functionName="classification" if classification else "regression",
        missingValueStrategy="defaultChild",
        splitCharacteristic="binarySplit",
    )
    model.append(mining_schema(builder, target.top_level_name))
    left, right = t.children_left, t.children_right
    feature_of, threshold = t.feature, t.threshold
    values = t.value[:, 0, :]
    samples = t.weighted_n_node_samples
    missing_left = getattr(t, "missing_go_to_left", np.ones(t.node_count, dtype=bool))
    classes = target.classes

    def node(index: int, parent: ET.Element, predicate: ET.Element) -> None:
        element = sub(parent, "Node", id=str(index))
        element.append(predicate)
        if left[index] == -1:
            _leaf(element, values[index], samples[index], classes, classification)
            return
        field = features[feature_of[index]].field
        value = number(float32_threshold(float(threshold[index])))
        element.set("defaultChild", str(left[index] if missing_left[index] else right[index]))
        node(
            left[index],
            element,
            ET.Element("SimplePredicate", field=field, operator="lessOrEqual", value=value),
        )
        node(
            right[index],
            element,
            ET.Element("SimplePredicate", field=field, operator="greaterThan", value=value),
        )

    node(0, model, ET.Element("True"))
    return model


def float32_threshold(threshold: float) -> float:
    """The double t2 with `x <= t2` exactly when sklearn's `float32(x) <= threshold`.

    sklearn casts inputs to float32 before comparing; PMML evaluators compare doubles. Rounding
    to float32 is monotone, so the condition is a cut at the rounding boundary above the largest
    float32 not exceeding the threshold (ties round to the even neighbour).
    """
    low = np.float32(threshold)
    if float(low) > threshold:
        low = np.nextafter(low, np.float32(-np.inf))
    high = np.nextafter(low, np.float32(np.inf))
    if not np.isfinite(high):
        return threshold
    boundary = (float(low) + float(high)) / 2.0  # exact: float32 mantissas fit in a double
    low_is_even = int(np.array(low).view(np.uint32)) & 1 == 0
    return boundary if low_is_even else float(np.nextafter(boundary, -np.inf))


def _leaf(
    element: ET.Element, value: np.ndarray, samples: float, classes: list[str], classification: bool
) -> None:
    if not classification:
        element.set("score", number(value[0]))
        return
    total = value.sum()
    fractions = value / total if total > 0 else value
    element.set("score", classes[int(np.argmax(fractions))])
    # The node's own recordCount would repeat the sum of its ScoreDistributions' counts.
    for cls, fraction in zip(classes, fractions, strict=True):
        sub(
            element,
            "ScoreDistribution",
            value=cls,
            recordCount=number(float(fraction * samples)),
            probability=number(float(fraction)),
        )


def decision_tree(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str
) -> ET.Element:
    """DecisionTreeClassifier or DecisionTreeRegressor."""
    _check_numeric(est, features, step)
    _single_output(est, step)
    return tree_model(est, features, builder, target, bool(target.classes))


def _single_output(est: Any, step: str) -> None:
    if getattr(est, "n_outputs_", 1) != 1:
        raise PMMLExportError(f"step {step!r} ({type(est).__name__}) has several targets")


def forest(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str
) -> ET.Element:
    """RandomForest / ExtraTrees: the average of the trees' predictions or probabilities."""
    _check_numeric(est, features, step)
    _single_output(est, step)
    classification = bool(target.classes)
    model = ET.Element(
        "MiningModel",
        functionName="classification" if classification else "regression",
        algorithmName=type(est).__name__,
    )
    model.append(mining_schema(builder, target.top_level_name))
    segmentation = sub(model, "Segmentation", multipleModelMethod="average")
    for i, tree in enumerate(est.estimators_, start=1):
        segment = sub(segmentation, "Segment", id=str(i))
        sub(segment, "True")
        segment.append(tree_model(tree, features, builder, target.nested(), classification))
    return model


def _tree_sum(
    trees: list[Any],
    features: list[Feature],
    builder: Builder,
    target: Target,
    learning_rate: float,
    init: float,
    output: str | None,
) -> ET.Element:
    """init + learning_rate * sum(tree predictions), as a regression MiningModel."""
    model = ET.Element("MiningModel", functionName="regression")
    model.append(mining_schema(builder, target.top_level_name))
    if output is not None:
        outputs = sub(model, "Output")
        sub(
            outputs,
            "OutputField",
            name=output,
            optype="continuous",
            dataType="double",
            feature="predictedValue",
            isFinalResult="false",
        )
    targets = sub(model, "Targets")
    rescale = {"rescaleFactor": number(learning_rate), "rescaleConstant": number(init)}
    if target.top_level_name is not None:
        rescale["field"] = target.top_level_name
    sub(targets, "Target", **rescale)
    segmentation = sub(model, "Segmentation", multipleModelMethod="sum")
    for i, tree in enumerate(trees, start=1):
        segment = sub(segmentation, "Segment", id=str(i))
        sub(segment, "True")
        segment.append(tree_model(tree, features, builder, target.nested(), False))
    return model


def gradient_boosting(
    est: Any, features: list[Feature], builder: Builder, target: Target, step: str
) -> ET.Element:
    """GradientBoosting: tree sums, then logit (binary) or softmax (multiclass) for classifiers."""
    _check_numeric(est, features, step)
    if est.init_ != "zero" and not _is_dummy(est.init_):
        raise PMMLExportError(f"step {step!r} ({type(est).__name__}) has a custom init estimator")
    init = np.ravel(est._raw_predict_init(np.zeros((1, est.n_features_in_))))
    rate = float(est.learning_rate)
    stages = est.estimators_
    if not target.classes:
        return _tree_sum(list(stages[:, 0]), features, builder, target, rate, float(init[0]), None)
    classes = target.classes
    model = ET.Element(
        "MiningModel", functionName="classification", algorithmName=type(est).__name__
    )
    model.append(mining_schema(builder, target.top_level_name))
    chain = sub(model, "Segmentation", multipleModelMethod="modelChain")
    k = stages.shape[1]
    names = []
    for column in range(k):
        name = builder.unique(
            "decisionFunction" if k == 1 else f"decisionFunction({classes[column]})"
        )
        names.append(name)
        segment = sub(chain, "Segment", id=str(column + 1))
        sub(segment, "True")
        segment.append(
            _tree_sum(
                list(stages[:, column]),
                features,
                builder,
                target.nested(),
                rate,
                float(init[column]),
                name,
            )
        )
    segment = sub(chain, "Segment", id=str(k + 1))
    sub(segment, "True")
    binary = k == 1
    regression = sub(
        segment,
        "RegressionModel",
        functionName="classification",
        normalizationMethod="logit" if binary else "softmax",
    )
    schema = sub(regression, "MiningSchema")
    sub(schema, "MiningField", name=target.name, usageType="target")
    for name in names:
        sub(schema, "MiningField", name=name)
    if binary:
        table = sub(regression, "RegressionTable", intercept="0", targetCategory=classes[1])
        sub(table, "NumericPredictor", name=names[0], coefficient="1")
        sub(regression, "RegressionTable", intercept="0", targetCategory=classes[0])
    else:
        for cls, name in zip(classes, names, strict=True):
            table = sub(regression, "RegressionTable", intercept="0", targetCategory=cls)
            sub(table, "NumericPredictor", name=name, coefficient="1")
    return model


def _is_dummy(init: Any) -> bool:
    return type(init).__name__ in ("DummyClassifier", "DummyRegressor")
