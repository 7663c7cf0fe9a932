"""Summarize a PMML document for registering it as a model version."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from .document import PMMLDocument

# Model attributes worth showing when comparing imported models.
_MODEL_ATTRIBUTES = (
    "modelName",
    "algorithmName",
    "normalizationMethod",
    "missingValueStrategy",
    "noTrueChildStrategy",
    "splitCharacteristic",
    "modelType",
)


def describe(doc: PMMLDocument) -> dict[str, Any]:
    """Return model type, function, inputs, outputs, target, classes, params and producer."""
    model = doc.model
    fields = {f.get("name"): f for f in doc.data_dictionary.iter("DataField")}
    mining = model.find("MiningSchema")
    mining_fields = list(mining.iter("MiningField")) if mining is not None else []
    targets = [
        mf.get("name") for mf in mining_fields if mf.get("usageType") in ("target", "predicted")
    ]
    target = targets[0] if targets else None
    inputs = [
        _describe_input(fields[mf.get("name")], mf)
        for mf in mining_fields
        # A group field (an association model's transaction) is read from the input too.
        if mf.get("usageType", "active") in ("active", "group") and mf.get("name") in fields
    ]
    classes = None
    if target is not None and target in fields:
        values = _values(fields[target])
        classes = values or None
    if classes is None and model.get("functionName") == "classification":
        classes = _classes_from_model(doc, model)
    header = doc.root.find("Header")
    application = header.find("Application") if header is not None else None
    return {
        "model_type": model.tag,
        "function_name": model.get("functionName"),
        "inputs": inputs,
        "outputs": _describe_outputs(model),
        "target": target,
        "classes": classes,
        "params": _params(doc, model),
        "producer": {
            "name": application.get("name") if application is not None else None,
            "version": application.get("version") if application is not None else None,
        },
        "pmml_version": doc.version,
    }


def _values(field: ET.Element) -> list[str]:
    return [
        v.get("value", "") for v in field.findall("Value") if v.get("property", "valid") == "valid"
    ]


def _describe_input(field: ET.Element, mining_field: ET.Element) -> dict[str, Any]:
    values = _values(field)
    intervals = [
        [_number(i.get("leftMargin")), _number(i.get("rightMargin"))]
        for i in field.findall("Interval")
    ]
    return {
        "name": field.get("name"),
        "dataType": field.get("dataType"),
        "optype": mining_field.get("optype") or field.get("optype"),
        "values": values or None,
        "intervals": intervals or None,
        # PMML 4.4 marks a required field with missingValueTreatment="returnInvalid".
        "missing_allowed": mining_field.get("missingValueTreatment") != "returnInvalid",
    }


def _number(text: str | None) -> float | None:
    return None if text is None else float(text)


def _describe_outputs(model: ET.Element) -> list[dict[str, Any]]:
    output = model.find("Output")
    if output is None:
        return []
    return [
        {
            "name": f.get("name"),
            "feature": f.get("feature", "predictedValue"),
            "value": f.get("value"),
            "dataType": f.get("dataType"),
        }
        for f in output.findall("OutputField")
    ]


def _classes_from_model(doc: PMMLDocument, model: ET.Element) -> list[str] | None:
    categories = [t.get("targetCategory") for t in model.iter("RegressionTable")]
    if categories and all(c is not None for c in categories):
        return [str(c) for c in dict.fromkeys(categories)]
    scores = [s.get("value") for s in model.iter("ScoreDistribution")]
    for tree in model.iter("TreeModel"):
        nodes = doc.nodes(tree)
        scores += nodes.distribution_value if nodes is not None else []
    return [str(s) for s in dict.fromkeys(scores)] or None


def _count_nodes(doc: PMMLDocument, model: ET.Element) -> int:
    """Nodes of every tree in the model (TreeModels' Nodes are in the document's tables)."""
    tables = [doc.nodes(tree) for tree in model.iter("TreeModel")]
    in_tables = sum(len(nodes) for nodes in tables if nodes is not None)
    return in_tables + sum(1 for _ in model.iter("Node"))


def _params(doc: PMMLDocument, model: ET.Element) -> dict[str, Any]:
    params: dict[str, Any] = {
        name: model.get(name) for name in _MODEL_ATTRIBUTES if model.get(name) is not None
    }
    segmentation = model.find("Segmentation")
    if segmentation is not None:
        segments = segmentation.findall("Segment")
        params["multipleModelMethod"] = segmentation.get("multipleModelMethod")
        params["segments"] = len(segments)
        kinds = sorted({child.tag for s in segments for child in s if child.tag.endswith("Model")})
        params["segment_model_types"] = kinds
    if model.tag == "TreeModel":
        params["nodes"] = _count_nodes(doc, model)
    if model.tag == "RegressionModel":
        params["regression_tables"] = len(model.findall("RegressionTable"))
    params["total_nodes"] = _count_nodes(doc, model)
    return params
