"""Export fitted scikit-learn estimators and pipelines to PMML 4.4."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from ..errors import PMMLExportError
from .builder import PMML_NAMESPACE, Builder, Feature, InputField, category, sub
from .pipeline import export_model, export_transformer, split_pipeline
from .target import Target, make_target
from .usage import mark_unused_inputs

__all__ = ["to_pmml"]


def to_pmml(
    estimator: Any,
    *,
    feature_names: Sequence[str] | None = None,
    feature_dtypes: Mapping[str, Any] | Sequence[Any] | None = None,
    categories: Mapping[str, Sequence[Any]] | None = None,
    target_name: str = "target",
    classes: Sequence[Any] | None = None,
) -> bytes:
    """Write a fitted estimator or Pipeline as a PMML 4.4 document (UTF-8 bytes)."""
    names = _feature_names(estimator, feature_names)
    dtypes = _data_types(names, feature_dtypes)
    builder = Builder()
    builder.names.update(names)
    builder.names.add(target_name)
    categories = dict(categories or {})
    features = []
    for name in names:
        categorical = name in categories or dtypes[name] == "string"
        values = [category(v) for v in categories[name]] if name in categories else None
        builder.inputs[name] = InputField(name, dtypes[name], categorical, values)
        features.append(Feature(name, categorical, dtypes[name], values, source=name))
    head, last_name, final = split_pipeline(estimator)
    for step_name, step in head:
        features = export_transformer(step, features, builder, step_name)
    # An explicit categories argument wins over what encoders learned.
    for name, declared in categories.items():
        if name in builder.inputs:
            builder.inputs[name].values = [category(v) for v in declared]
    known_classes = classes if classes is not None else getattr(final, "classes_", None)
    if known_classes is None and _is_classifier(final):
        raise PMMLExportError(f"{type(final).__name__} has no classes_; pass classes=")
    target = make_target(target_name, known_classes)
    model = export_model(final, features, builder, target, last_name)
    mark_unused_inputs(builder.inputs, builder.derived, model)
    _insert_output(model, target)
    return _document(builder, target, model)


def _is_classifier(est: Any) -> bool:
    return getattr(est, "_estimator_type", None) == "classifier" or type(est).__name__.endswith(
        "Classifier"
    )


def _feature_names(estimator: Any, feature_names: Sequence[str] | None) -> list[str]:
    fitted = getattr(estimator, "feature_names_in_", None)
    if feature_names is None:
        if fitted is None:
            n = getattr(estimator, "n_features_in_", None)
            if n is None:
                raise PMMLExportError("pass feature_names=: the estimator does not record them")
            return [f"x{i}" for i in range(n)]
        return [str(n) for n in fitted]
    names = [str(n) for n in feature_names]
    if fitted is not None and list(map(str, fitted)) != names:
        raise PMMLExportError(
            f"feature_names {names} differ from the names the estimator was fitted with "
            f"{list(map(str, fitted))}"
        )
    return names


def _data_types(
    names: list[str], dtypes: Mapping[str, Any] | Sequence[Any] | None
) -> dict[str, str]:
    if dtypes is None:
        return {n: "double" for n in names}
    if isinstance(dtypes, Mapping):
        missing = [n for n in names if n not in dtypes]
        if missing:
            raise PMMLExportError(f"feature_dtypes has no type for {missing}")
        return {n: _pmml_type(dtypes[n], n) for n in names}
    values = list(dtypes)
    if len(values) != len(names):
        raise PMMLExportError("feature_dtypes must have one entry per feature name")
    return {n: _pmml_type(t, n) for n, t in zip(names, values, strict=True)}


def _pmml_type(dtype: Any, name: str) -> str:
    if isinstance(dtype, str) and dtype in ("double", "float", "integer", "string", "boolean"):
        return dtype
    text = str(dtype)
    if text in ("category", "object", "str", "string") or text.startswith("string"):
        return "string"
    try:
        kind = np.dtype(dtype).kind
    except TypeError as exc:
        raise PMMLExportError(f"feature {name!r} has unsupported dtype {dtype!r}") from exc
    if kind == "f":
        return "double"
    if kind in "iu":
        return "integer"
    if kind == "b":
        return "boolean"
    if kind in "OU":
        return "string"
    raise PMMLExportError(f"feature {name!r} has unsupported dtype {dtype!r}")


def _insert_output(model: ET.Element, target: Target) -> None:
    output = ET.Element("Output")
    if target.classes:
        sub(
            output,
            "OutputField",
            name=f"predicted_{target.name}",
            optype="categorical",
            dataType=target.data_type,
            feature="predictedValue",
        )
        for cls in target.classes:
            sub(
                output,
                "OutputField",
                name=f"probability({cls})",
                optype="continuous",
                dataType="double",
                feature="probability",
                value=cls,
            )
    else:
        sub(
            output,
            "OutputField",
            name=f"predicted_{target.name}",
            optype="continuous",
            dataType="double",
            feature="predictedValue",
        )
    # Output comes right after MiningSchema in every PMML model element.
    model.insert(1, output)


def _document(builder: Builder, target: Target, model: ET.Element) -> bytes:
    root = ET.Element("PMML", xmlns=PMML_NAMESPACE, version="4.4")
    header = sub(root, "Header", description="Exported by MMDS")
    try:
        mmds_version = version("mmds-jupyter")
    except PackageNotFoundError:
        mmds_version = "dev"
    sub(header, "Application", name="MMDS", version=mmds_version)
    sub(header, "Timestamp").text = datetime.now(timezone.utc).isoformat(timespec="seconds")
    dictionary = sub(root, "DataDictionary", numberOfFields=str(len(builder.inputs) + 1))
    for field in builder.inputs.values():
        element = sub(
            dictionary,
            "DataField",
            name=field.name,
            optype="categorical" if field.categorical else "continuous",
            dataType=field.data_type,
        )
        for value in field.values or [] if field.categorical else []:
            sub(element, "Value", value=value)
    target_field = sub(
        dictionary,
        "DataField",
        name=target.name,
        optype="categorical" if target.classes else "continuous",
        dataType=target.data_type,
    )
    for cls in target.classes:
        sub(target_field, "Value", value=cls)
    if builder.derived:
        transformations = sub(root, "TransformationDictionary")
        transformations.extend(builder.derived)
    root.append(model)
    # No indentation: in a deep forest it was most of the file (PMML readers ignore it).
    # ElementTree writes empty elements as `<a />`; ">" is escaped everywhere else, so this
    # only removes that space.
    return ET.tostring(root, encoding="utf-8", xml_declaration=True).replace(b" />", b"/>")
