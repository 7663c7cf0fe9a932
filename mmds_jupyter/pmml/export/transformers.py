"""Scalers, imputers, encoders and ColumnTransformer as PMML DerivedFields."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import PMMLExportError
from .builder import Builder, Feature, apply, category, constant, field_ref, number, sub

Exporter = Callable[[Any, list[Feature], Builder, str], list[Feature]]


def _numeric(features: list[Feature], step: str, estimator: Any) -> None:
    for feature in features:
        if feature.categorical:
            raise PMMLExportError(
                f"step {step!r} ({type(estimator).__name__}) receives the categorical column "
                f"{feature.field!r}; encode it (OneHotEncoder, OrdinalEncoder) first"
            )


def standard_scaler(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """(x - mean) / scale, as sklearn computes it."""
    _numeric(features, step, est)
    out = []
    for i, feature in enumerate(features):
        expression: ET.Element = field_ref(feature.field)
        if est.with_mean:
            expression = apply("-", expression, constant(est.mean_[i]))
        if est.with_std:
            expression = apply("/", expression, constant(est.scale_[i]))
        name = builder.derive(f"{step}({feature.field})", "double", "continuous", expression)
        out.append(Feature(name, False, "double", source=feature.source))
    return out


def min_max_scaler(est: Any, features: list[Feature], builder: Builder, step: str) -> list[Feature]:
    """x * scale + min, clipped when the scaler clips."""
    _numeric(features, step, est)
    low, high = est.feature_range
    out = []
    for i, feature in enumerate(features):
        expression = apply(
            "+",
            apply("*", field_ref(feature.field), constant(est.scale_[i])),
            constant(est.min_[i]),
        )
        if est.clip:
            expression = apply("min", apply("max", expression, constant(low)), constant(high))
        name = builder.derive(f"{step}({feature.field})", "double", "continuous", expression)
        out.append(Feature(name, False, "double", source=feature.source))
    return out


def simple_imputer(est: Any, features: list[Feature], builder: Builder, step: str) -> list[Feature]:
    """Missing values replaced by the fitted statistic (FieldRef mapMissingTo)."""
    if est.add_indicator:
        raise PMMLExportError(
            f"step {step!r} (SimpleImputer) uses add_indicator=True, which PMML export does not "
            "support; drop the indicator columns"
        )
    missing = est.missing_values
    if not (missing is None or (isinstance(missing, float) and np.isnan(missing))):
        raise PMMLExportError(
            f"step {step!r} (SimpleImputer) treats {missing!r} as missing; PMML export supports "
            "only NaN/None"
        )
    out = []
    for i, feature in enumerate(features):
        statistic = est.statistics_[i]
        text = category(statistic) if feature.categorical else number(statistic)
        name = builder.derive(
            f"{step}({feature.field})",
            feature.data_type,
            "categorical" if feature.categorical else "continuous",
            field_ref(feature.field, mapMissingTo=text),
        )
        out.append(
            Feature(name, feature.categorical, feature.data_type, feature.values, feature.source)
        )
    return out


def _encoder_categories(est: Any, features: list[Feature], builder: Builder, step: str) -> None:
    if getattr(est, "_infrequent_enabled", False):
        raise PMMLExportError(
            f"step {step!r} ({type(est).__name__}) groups infrequent categories, which PMML "
            "export does not support; set min_frequency=None and max_categories=None"
        )
    for feature, categories in zip(features, est.categories_, strict=True):
        values = [category(c) for c in categories]
        feature.values = values
        if feature.source is not None and feature.source in builder.inputs:
            source = builder.inputs[feature.source]
            source.categorical = True
            if source.values is None:
                source.values = values


def _categorical_feature(feature: Feature, est: Any, step: str) -> None:
    if feature.data_type not in ("string", "integer", "double", "float", "boolean"):
        raise PMMLExportError(f"step {step!r} ({type(est).__name__}): unsupported column type")


def one_hot_encoder(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """One 0/1 NormDiscrete field per kept category."""
    _encoder_categories(est, features, builder, step)
    tolerant = est.handle_unknown != "error"
    drop = getattr(est, "drop_idx_", None)
    out = []
    for i, (feature, categories) in enumerate(zip(features, est.categories_, strict=True)):
        _categorical_feature(feature, est, step)
        if tolerant and feature.source in builder.inputs:
            builder.inputs[feature.source].tolerate_unknown = True
        dropped = drop[i] if drop is not None else None
        for j, value in enumerate(categories):
            if dropped is not None and j == dropped:
                continue
            text = category(value)
            expression = ET.Element("NormDiscrete", field=feature.field, value=text)
            name = builder.derive(
                f"{step}({feature.field}={text})", "double", "continuous", expression
            )
            out.append(Feature(name, False, "double", source=feature.source))
    return out


def ordinal_encoder(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """A MapValues table from category to its index."""
    _encoder_categories(est, features, builder, step)
    tolerant = est.handle_unknown == "use_encoded_value"
    out = []
    for feature, categories in zip(features, est.categories_, strict=True):
        _categorical_feature(feature, est, step)
        attributes = {"outputColumn": "output", "dataType": "double"}
        if tolerant:
            if feature.source in builder.inputs:
                builder.inputs[feature.source].tolerate_unknown = True
            if not np.isnan(est.unknown_value):
                attributes["defaultValue"] = number(est.unknown_value)
        encoded_missing = est.encoded_missing_value
        if not (isinstance(encoded_missing, float) and np.isnan(encoded_missing)):
            attributes["mapMissingTo"] = number(encoded_missing)
        expression = ET.Element("MapValues", attributes)
        sub(expression, "FieldColumnPair", field=feature.field, column="input")
        table = sub(expression, "InlineTable")
        for j, value in enumerate(categories):
            row = sub(table, "row")
            sub(row, "input").text = category(value)
            sub(row, "output").text = str(j)
        name = builder.derive(f"{step}({feature.field})", "double", "continuous", expression)
        out.append(Feature(name, False, "double", source=feature.source))
    return out


def column_transformer(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """Each transformer on its columns, outputs concatenated in sklearn's order."""
    from .pipeline import export_transformer

    by_name = {f.source or f.field: i for i, f in enumerate(features)}
    out: list[Feature] = []
    for name, transformer, columns in est.transformers_:
        if isinstance(transformer, str) and transformer == "drop":
            continue
        selected = [features[i] for i in _column_indices(columns, features, by_name, step)]
        if not selected:
            continue
        if isinstance(transformer, str) and transformer == "passthrough":
            out.extend(selected)
            continue
        out.extend(export_transformer(transformer, selected, builder, f"{step}/{name}"))
    return out


def _column_indices(
    columns: Any, features: list[Feature], by_name: dict[str, int], step: str
) -> list[int]:
    if isinstance(columns, slice):
        return list(range(len(features)))[columns]
    if callable(columns):
        raise PMMLExportError(f"step {step!r} selects columns with a callable; use column names")
    items = [columns] if isinstance(columns, str | int | np.integer) else list(columns)
    if items and all(isinstance(c, bool | np.bool_) for c in items):
        return [i for i, keep in enumerate(items) if keep]
    indices = []
    for c in items:
        if isinstance(c, str):
            if c not in by_name:
                raise PMMLExportError(f"step {step!r} uses column {c!r}, which is not an input")
            indices.append(by_name[c])
        else:
            indices.append(int(c))
    return indices


def function_transformer(
    est: Any, features: list[Feature], builder: Builder, step: str
) -> list[Feature]:
    """Only the identity (func=None), which is how a fitted ColumnTransformer keeps passthrough."""
    if est.func is not None:
        raise PMMLExportError(
            f"step {step!r} (FunctionTransformer) applies {est.func!r}; only the identity "
            "(func=None, as used for 'passthrough') can be exported to PMML"
        )
    return features


TRANSFORMERS: dict[str, Exporter] = {
    "FunctionTransformer": function_transformer,
    "StandardScaler": standard_scaler,
    "MinMaxScaler": min_max_scaler,
    "SimpleImputer": simple_imputer,
    "OneHotEncoder": one_hot_encoder,
    "OrdinalEncoder": ordinal_encoder,
    "ColumnTransformer": column_transformer,
}
