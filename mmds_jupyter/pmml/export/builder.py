"""The document under construction: data fields, derived fields and PMML number formatting."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import PMMLExportError

PMML_NAMESPACE = "http://www.dmg.org/PMML-4_4"


def number(value: Any) -> str:
    """A number as PMML text that parses back to the same double (shortest round trip)."""
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))
    x = float(value)
    if not math.isfinite(x):
        raise PMMLExportError(f"cannot write the non-finite number {x!r} to PMML")
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))  # "93", not "93.0"
    return repr(x)


def category(value: Any) -> str:
    """A category value as PMML text ("1" for the integer 1 or the float 1.0)."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            raise PMMLExportError("a category is NaN; impute missing values before encoding")
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


@dataclass
class Feature:
    """One column of the feature space at some point in a pipeline, backed by a PMML field."""

    field: str
    categorical: bool
    data_type: str
    values: list[str] | None = None
    source: str | None = None  # the input column it derives from, if exactly one


@dataclass
class InputField:
    """A DataField: one column the caller passes in."""

    name: str
    data_type: str
    categorical: bool
    values: list[str] | None = None
    tolerate_unknown: bool = False


@dataclass
class Builder:
    """Collects DataDictionary and TransformationDictionary content while estimators export."""

    inputs: dict[str, InputField] = field(default_factory=dict)
    derived: list[ET.Element] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def unique(self, name: str) -> str:
        """A field name not used yet, based on name."""
        candidate, i = name, 1
        while candidate in self.names:
            i += 1
            candidate = f"{name}#{i}"
        self.names.add(candidate)
        return candidate

    def derive(self, name: str, data_type: str, optype: str, expression: ET.Element) -> str:
        """Add a DerivedField to the TransformationDictionary; return its (unique) name."""
        unique = self.unique(name)
        element = ET.Element("DerivedField", name=unique, optype=optype, dataType=data_type)
        element.append(expression)
        self.derived.append(element)
        return unique


def sub(parent: ET.Element, tag: str, **attributes: str) -> ET.Element:
    """Append a child element with string attributes."""
    return ET.SubElement(parent, tag, attributes)


def field_ref(name: str, **attributes: str) -> ET.Element:
    """<FieldRef field=name/>."""
    return ET.Element("FieldRef", {"field": name, **attributes})


def constant(value: float) -> ET.Element:
    """<Constant dataType="double">value</Constant>."""
    element = ET.Element("Constant", dataType="double")
    element.text = number(value)
    return element


def apply(function: str, *args: ET.Element) -> ET.Element:
    """<Apply function=...> with the given arguments."""
    element = ET.Element("Apply", function=function)
    element.extend(args)
    return element


def mining_schema(builder: Builder, target: str | None) -> ET.Element:
    """A MiningSchema naming every input field (and the target, for the top-level model)."""
    schema = ET.Element("MiningSchema")
    if target is not None:
        sub(schema, "MiningField", name=target, usageType="target")
    for input_field in builder.inputs.values():
        attributes = {"name": input_field.name}
        if input_field.categorical and input_field.tolerate_unknown:
            attributes["invalidValueTreatment"] = "asIs"
        sub(schema, "MiningField", **attributes)
    return schema
