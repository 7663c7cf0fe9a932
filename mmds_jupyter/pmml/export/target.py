"""The target field of an exported model: name, type and class labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .builder import category


@dataclass
class Target:
    """What the model predicts; top_level_name is None inside ensembles (no target field)."""

    name: str
    data_type: str
    classes: list[str]
    top_level_name: str | None

    def nested(self) -> Target:
        """The same target as seen by a model inside a segment."""
        return Target(self.name, self.data_type, self.classes, None)


def make_target(name: str, classes: Any | None) -> Target:
    """Build the Target for a regression (classes None) or classification model."""
    if classes is None:
        return Target(name, "double", [], name)
    values = np.asarray(classes)
    if values.dtype.kind in "iu":
        data_type = "integer"
    elif values.dtype.kind == "f":
        data_type = "integer" if all(float(v).is_integer() for v in values) else "double"
    elif values.dtype.kind == "b":
        data_type = "boolean"
    else:
        data_type = "string"
    return Target(name, data_type, [category(c) for c in values], name)
