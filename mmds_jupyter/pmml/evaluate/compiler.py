"""Compile a whole PMML document into a scorer, or report the first unsupported element."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..document import PMMLDocument
from .association import AssociationRules
from .cox import CoxRegression
from .expressions import Expr, compile_derived_field
from .frame import Scope, Unsupported, kind_of
from .mining import MiningModel
from .model import CompiledModel, Context
from .neural import NeuralNetwork
from .outputs import OutputColumn, compile_outputs, default_outputs, predicted_column
from .regression import RegressionModel
from .ruleset import RuleSetModel
from .scorecard import Scorecard
from .tree import TreeModel

_MODELS: dict[str, type[CompiledModel]] = {
    "RegressionModel": RegressionModel,
    "TreeModel": TreeModel,
    "MiningModel": MiningModel,
    "GeneralRegressionModel": CoxRegression,
    "NeuralNetwork": NeuralNetwork,
    "RuleSetModel": RuleSetModel,
    "Scorecard": Scorecard,
    "AssociationModel": AssociationRules,
}


@dataclass
class CompiledDocument:
    """Everything needed to score a DataFrame with numpy."""

    inputs: dict[str, ET.Element]  # DataFields read from the caller's frame
    derived: list[tuple[str, Expr]]  # TransformationDictionary, computed lazily
    model: CompiledModel
    outputs: list[OutputColumn]
    target_type: str | None


def compile_model(
    element: ET.Element, scope: Scope, context: Context, parent_fields: dict[str, ET.Element]
) -> CompiledModel:
    """Compile one model element (also used for the models inside segments)."""
    if element.get("isScorable", "true") == "false":
        raise Unsupported(f'<{element.tag} isScorable="false">')
    cls = _MODELS.get(element.tag)
    if cls is None:
        raise Unsupported(f"model type <{element.tag}>")
    return cls(element, scope, context, parent_fields)


def compile_document(doc: PMMLDocument) -> CompiledDocument:
    """Compile a document; raises Unsupported naming what the MMDS evaluator cannot do."""
    root_scope = Scope()
    data_fields = {f.get("name", ""): f for f in doc.data_dictionary.findall("DataField")}
    for name, data_field in data_fields.items():
        root_scope.declare(
            name,
            kind_of(data_field.get("dataType"), f"DataField {name!r}"),
            data_field.get("optype"),
        )
    if doc.root.find("TransformationDictionary/DefineFunction") is not None:
        raise Unsupported("DefineFunction in the TransformationDictionary")
    derived = [
        (d.get("name", ""), compile_derived_field(d, root_scope))
        for d in doc.root.findall("TransformationDictionary/DerivedField")
    ]
    context = Context(
        data_fields=data_fields,
        root_scope=root_scope,
        compile_model=compile_model,
        derived=derived,
        trees=doc.trees,
    )
    model = compile_model(doc.model, root_scope, context, {})
    outputs = compile_outputs(doc.model, model.scope, model.classes, model.function)
    if outputs is None and isinstance(model, MiningModel) and model.method == "modelChain":
        # A chain without its own Output answers with its last model's Output (as pmml4s does).
        outputs = model.segments[-1].outputs
    if isinstance(model, AssociationRules):
        # No predicted value in PMML: MMDS's prediction is the top recommendation.
        outputs = [*(outputs or []), predicted_column(model.target, "string")]
    if outputs is None:
        classes = model.classes if model.gives_probabilities else []
        outputs = default_outputs(model.target, classes, model.function)
    target = data_fields.get(model.target or "")
    return CompiledDocument(
        inputs={name: f for name, f in data_fields.items() if name != model.target},
        derived=derived,
        model=model,
        outputs=outputs,
        target_type=target.get("dataType") if target is not None else None,
    )
