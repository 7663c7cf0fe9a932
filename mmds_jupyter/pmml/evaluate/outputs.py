"""Compile a model's Output element into the columns a caller sees."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .expressions import EXPRESSION_TAGS, compile_expression
from .frame import Frame, Kind, Scope, Unsupported, kind_of
from .prediction import Prediction

Getter = Callable[[Prediction, Frame], np.ndarray]


@dataclass
class OutputColumn:
    """One OutputField: its name, feature, PMML dataType and how to compute it."""

    name: str
    feature: str
    value: str | None
    data_type: str | None
    kind: Kind
    get: Getter


def compile_outputs(
    element: ET.Element, scope: Scope, classes: list[str], function: str
) -> list[OutputColumn] | None:
    """Compile the Output of a model, declaring its fields in scope; None when there is none."""
    output = element.find("Output")
    if output is None:
        return None
    columns = []
    for field in output.findall("OutputField"):
        column = _compile_field(field, scope, classes, function)
        scope.declare(column.name, column.kind, field.get("optype"))
        columns.append(column)
    return columns


def predicted_column(target: str | None, data_type: str | None) -> OutputColumn:
    """The predicted value under the name MMDS gives it when a document declares none."""
    kind: Kind = "str" if data_type == "string" else "num"
    return OutputColumn(
        f"predicted_{target or 'target'}", "predictedValue", None, data_type, kind, _predicted
    )


def default_outputs(target: str | None, classes: list[str], function: str) -> list[OutputColumn]:
    """The columns used when a document has no Output: predicted value and class probabilities."""
    name = f"predicted_{target or 'target'}"
    kind: Kind = "str" if function == "classification" else "num"
    columns = [OutputColumn(name, "predictedValue", None, None, kind, _predicted)]
    for cls in classes:
        columns.append(
            OutputColumn(
                f"probability({cls})", "probability", cls, "double", "num", _probability(cls)
            )
        )
    return columns


def _predicted(prediction: Prediction, frame: Frame) -> np.ndarray:
    return prediction.value


def _probability(cls: str) -> Getter:
    def get(prediction: Prediction, frame: Frame) -> np.ndarray:
        p = prediction.probabilities.get(cls)
        return np.full(frame.n, np.nan) if p is None else p

    return get


def _compile_field(
    field: ET.Element, scope: Scope, classes: list[str], function: str
) -> OutputColumn:
    name = field.get("name", "")
    feature = field.get("feature", "predictedValue")
    value = field.get("value")
    data_type = field.get("dataType")
    if field.get("segmentId") is not None:
        raise Unsupported(f"OutputField {name!r} with segmentId")
    if feature in ("predictedValue", "predictedDisplayValue"):
        default_kind: Kind = "str" if function == "classification" else "num"
        kind = kind_of(data_type, f"OutputField {name!r}") if data_type else default_kind
        if function == "classification" and kind == "num":
            return OutputColumn(name, feature, value, data_type, kind, _class_as_number)
        return OutputColumn(name, feature, value, data_type, kind, _predicted)
    if feature == "probability":
        if value is not None:
            return OutputColumn(name, feature, value, data_type, "num", _probability(value))
        return OutputColumn(name, feature, value, data_type, "num", _probability_of_predicted)
    if feature == "confidence":
        return OutputColumn(name, feature, value, data_type, "num", _confidence)
    if feature == "reasonCode":
        return OutputColumn(
            name, feature, value, data_type, "str", _reason_code(int(field.get("rank", "1")))
        )
    if feature == "entityId":
        return OutputColumn(name, feature, value, data_type, "str", _entity)
    if feature == "ruleValue":
        return _rule_value(field, name, value, data_type)
    if feature in ("transformedValue", "decision"):
        expressions = [child for child in field if child.tag in EXPRESSION_TAGS]
        if len(expressions) != 1:
            raise Unsupported(f"OutputField {name!r} ({feature}) without one expression")
        expr = compile_expression(expressions[0], scope)
        return OutputColumn(name, feature, value, data_type, expr.kind, lambda p, f: expr.fn(f))
    raise Unsupported(f"OutputField feature={feature!r} ({name!r})")


def _rule_value(
    field: ET.Element, name: str, value: str | None, data_type: str | None
) -> OutputColumn:
    """An association model's ruleValue (defaults as in the PMML 4.4 schema)."""
    from .association import ALGORITHMS, BASES, TEXT_FEATURES

    algorithm = field.get("algorithm", "exclusiveRecommendation")
    rule_feature = field.get("ruleFeature", "consequent")
    basis = field.get("rankBasis", "confidence")
    order = field.get("rankOrder", "descending")
    multi = field.get("isMultiValued", "0") == "1"
    rank = int(field.get("rank", "1"))
    if (
        algorithm not in ALGORITHMS
        or basis not in BASES
        or rule_feature not in (*TEXT_FEATURES, *BASES)
        or order not in ("descending", "ascending")
        or rank < (0 if multi else 1)
    ):
        raise Unsupported(f"OutputField {name!r} (ruleValue {rule_feature} of {algorithm})")
    kind: Kind = "str" if multi or rule_feature in TEXT_FEATURES else "num"

    def get(prediction: Prediction, frame: Frame) -> np.ndarray:
        if prediction.rules is None:
            raise Unsupported(f"OutputField {name!r}: ruleValue of a model without rules")
        return prediction.rules.value(algorithm, rule_feature, rank, basis, order, multi)

    return OutputColumn(name, "ruleValue", value, data_type, kind, get)


def _class_as_number(prediction: Prediction, frame: Frame) -> np.ndarray:
    values = prediction.value
    if values.dtype.kind == "f":
        return values
    return labels_to_numbers(values)


def labels_to_numbers(values: np.ndarray) -> np.ndarray:
    """Class labels (strings) as float64, NaN for missing; parses each distinct label once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.append(numbers, np.nan)[codes]


def _probability_of_predicted(prediction: Prediction, frame: Frame) -> np.ndarray:
    out = np.full(frame.n, np.nan)
    for cls, p in prediction.probabilities.items():
        hit = prediction.value == cls
        out[hit] = p[hit]
    return out


def _confidence(prediction: Prediction, frame: Frame) -> np.ndarray:
    if prediction.confidence is None:
        return np.full(frame.n, np.nan)
    return prediction.confidence


def _reason_code(rank: int) -> Getter:
    def get(prediction: Prediction, frame: Frame) -> np.ndarray:
        if rank > len(prediction.reason_codes):
            return np.full(frame.n, None, dtype=object)
        return prediction.reason_codes[rank - 1]

    return get


def _entity(prediction: Prediction, frame: Frame) -> np.ndarray:
    if prediction.entity_id is None:
        return np.full(frame.n, None, dtype=object)
    return prediction.entity_id


def evaluate_outputs(
    columns: list[OutputColumn], prediction: Prediction, frame: Frame
) -> dict[str, np.ndarray]:
    """Compute output columns in order; later ones may refer to earlier ones by name."""
    scope = frame.child()
    result: dict[str, np.ndarray] = {}
    for column in columns:
        values = column.get(prediction, scope)
        scope.values[column.name] = values
        result[column.name] = values
    return result
