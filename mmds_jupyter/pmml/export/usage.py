"""Which input fields an exported model reads; the MiningSchema marks the others supplementary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator

# Elements that name a field in an attribute other than ``field``.
_NAMED_BY = {"NumericPredictor": "name", "CategoricalPredictor": "name"}


def _references(element: ET.Element) -> Iterator[str]:
    for e in element.iter():
        name = e.get(_NAMED_BY.get(e.tag, "field"))
        if name is not None:
            yield name


def mark_unused_inputs(
    inputs: Iterable[str], derived: Iterable[ET.Element], model: ET.Element
) -> set[str]:
    """Mark every input that ``model`` never reaches (directly or through derived fields) as
    ``usageType="supplementary"``: a scorer need not be given it. Returns those inputs."""
    definitions = {d.get("name"): d for d in derived}
    definitions.update({d.get("name"): d for d in model.iter("DerivedField")})
    reached: set[str] = set()
    pending = list(_references(model))
    while pending:
        name = pending.pop()
        if name not in reached:
            reached.add(name)
            if name in definitions:
                pending.extend(_references(definitions[name]))
    unused = set(inputs) - reached
    for mining_field in model.iter("MiningField"):
        if mining_field.get("name") in unused:
            mining_field.attrib = {
                "name": mining_field.get("name", ""),
                "usageType": "supplementary",
            }
    return unused
