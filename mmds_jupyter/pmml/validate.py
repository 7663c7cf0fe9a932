"""Structural checks that every loaded PMML document must pass before anyone uses it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .document import MODEL_ELEMENTS
from .errors import PMMLError
from .node_table import NodeTable

_TOP_LEVEL = frozenset(
    {"Header", "MiningBuildTask", "DataDictionary", "TransformationDictionary", "Extension"}
)
# Elements whose attribute names a field that must be declared somewhere in the document.
_FIELD_REFERENCES = {
    "FieldRef": "field",
    "SimplePredicate": "field",
    "SimpleSetPredicate": "field",
    "NormContinuous": "field",
    "NormDiscrete": "field",
    "Discretize": "field",
    "FieldColumnPair": "field",
    "MiningField": "name",
    "NumericPredictor": "name",
    "CategoricalPredictor": "name",
}
_DECLARATIONS = ("DataField", "DerivedField", "OutputField", "ParameterField")


def validate_document(root: ET.Element, trees: dict[ET.Element, NodeTable]) -> None:
    """Raise PMMLError when the document lacks a DataDictionary or model, or is inconsistent.

    ``trees`` holds the TreeModels' Nodes, which are not in the element tree.
    """
    if root.find("DataDictionary") is None:
        raise PMMLError(
            "The PMML document has no DataDictionary, so its input fields are unknown. Every PMML "
            "file must declare its fields in <DataDictionary>; export the model again with a "
            "conforming PMML producer."
        )
    models = [child for child in root if child.tag in MODEL_ELEMENTS]
    unknown = [child.tag for child in root if child.tag not in MODEL_ELEMENTS | _TOP_LEVEL]
    if unknown:
        raise PMMLError(
            f"The PMML document contains <{unknown[0]}>, which is not a PMML 4.x model type "
            f"(known: {', '.join(sorted(MODEL_ELEMENTS))}). Export the model as one of those."
        )
    if not models:
        raise PMMLError(
            "The PMML document contains no model element. Export the model again; a PMML file "
            "holds a DataDictionary followed by a model such as <TreeModel> or <MiningModel>."
        )
    for segment in root.iter("Segment"):
        inner = [child.tag for child in segment if child.tag.endswith("Model")]
        for tag in inner:
            if tag not in MODEL_ELEMENTS:
                raise PMMLError(
                    f"A Segment contains <{tag}>, which is not a PMML 4.x model type. "
                    "Export the ensemble with supported member models."
                )
    _check_fields_declared(root, list(trees.values()))


def _check_fields_declared(root: ET.Element, trees: list[NodeTable]) -> None:
    kept = [element for table in trees for element in table.elements()]
    declared = {
        el.get("name") for top in (root, *kept) for tag in _DECLARATIONS for el in top.iter(tag)
    }
    references = [
        (element.tag, element.get(attribute))
        for top in (root, *kept)
        for element in top.iter()
        if (attribute := _FIELD_REFERENCES.get(element.tag)) is not None
    ]
    references += [("SimplePredicate", name) for table in trees for name in table.fields]
    for tag, name in references:
        if name is not None and name not in declared:
            raise PMMLError(
                f"The field {name!r} is used by <{tag}> but never declared in the "
                "DataDictionary, a DerivedField or an OutputField. Declare it, or correct the "
                "field name in the model."
            )
