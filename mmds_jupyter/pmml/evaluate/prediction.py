"""The result of scoring one model on a frame, before it is turned into output fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Prediction:
    """Predicted values (float64 or class-label objects) plus class probabilities if any."""

    value: np.ndarray
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)
    confidence: np.ndarray | None = None
    entity_id: np.ndarray | None = None
    reason_codes: list[np.ndarray] = field(default_factory=list)  # by rank: 1st, 2nd, ...
    rules: Any = None  # an association model's matched rules (association.RuleMatches)

    def masked(self, invalid: np.ndarray) -> Prediction:
        """A copy with every result of the invalid rows set to missing."""
        if not invalid.any():
            return self
        value = self.value.copy()
        value[invalid] = np.nan if value.dtype.kind == "f" else None
        probabilities = {}
        for cls, p in self.probabilities.items():
            p = p.copy()
            p[invalid] = np.nan
            probabilities[cls] = p
        confidence = None
        if self.confidence is not None:
            confidence = self.confidence.copy()
            confidence[invalid] = np.nan
        reason_codes = [c.copy() for c in self.reason_codes]
        for codes in reason_codes:
            codes[invalid] = None
        return Prediction(
            value, probabilities, confidence, self.entity_id, reason_codes, self.rules
        )


def argmax_classes(probabilities: dict[str, np.ndarray], classes: list[str], n: int) -> np.ndarray:
    """The most probable class per row (first one on ties), None where probabilities are missing."""
    out = np.empty(n, dtype=object)
    if not classes:
        return out
    matrix = np.vstack([probabilities.get(c, np.full(n, np.nan)) for c in classes])
    missing = np.isnan(matrix).any(axis=0)
    best = np.argmax(np.where(np.isnan(matrix), -np.inf, matrix), axis=0)
    out[:] = np.asarray(classes, dtype=object)[best]
    out[missing] = None
    return out
