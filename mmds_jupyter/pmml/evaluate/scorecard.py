"""PMML Scorecard: points per characteristic and the reason codes that explain them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np

from .frame import Frame, Scope, Unsupported
from .model import CompiledModel, Context
from .predicates import Predicate, compile_predicate, find_predicate
from .prediction import Prediction


class Scorecard(CompiledModel):
    """Each row's score is the initial score plus, per Characteristic, the partial score of its
    first Attribute whose predicate is TRUE; a row that no Attribute of some Characteristic
    takes has no score.

    Reason codes: each Characteristic gives its code (the Attribute's, else its own) the points
    between its baseline and the row's partial score (``pointsBelow``: baseline minus partial;
    ``pointsAbove``: the reverse); points of a code are summed, codes with negative points are
    dropped, and the rest are ranked by points, ties in the order of the Characteristics (as
    JPMML-Evaluator ranks them).
    """

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        if self.function != "regression":
            raise Unsupported(f"Scorecard functionName={self.function!r}")
        self.initial = float(element.get("initialScore", "0"))
        self.use_reason_codes = element.get("useReasonCodes", "true") == "true"
        algorithm = element.get("reasonCodeAlgorithm", "pointsBelow")
        if algorithm not in ("pointsBelow", "pointsAbove"):
            raise Unsupported(f"Scorecard reasonCodeAlgorithm={algorithm!r}")
        self.sign = 1.0 if algorithm == "pointsBelow" else -1.0
        if element.get("baselineMethod", "other") not in ("other", "max", "min", "mean", "zero"):
            raise Unsupported(f"Scorecard baselineMethod={element.get('baselineMethod')!r}")
        model_baseline = element.get("baselineScore")
        # (characteristic's baseline, [(predicate, partial score, reason code)])
        self.characteristics: list[tuple[float, list[tuple[Predicate, float, str | None]]]] = []
        for characteristic in element.findall("Characteristics/Characteristic"):
            baseline_text = characteristic.get("baselineScore", model_baseline)
            if self.use_reason_codes and baseline_text is None:
                raise Unsupported("Scorecard reason codes without a baselineScore")
            attributes = []
            for attribute in characteristic.findall("Attribute"):
                if attribute.find("ComplexPartialScore") is not None:
                    raise Unsupported("Scorecard Attribute with ComplexPartialScore")
                attributes.append(
                    (
                        compile_predicate(find_predicate(attribute), self.scope),
                        float(attribute.get("partialScore", "nan")),
                        attribute.get("reasonCode", characteristic.get("reasonCode")),
                    )
                )
            baseline = float(baseline_text) if baseline_text is not None else np.nan
            self.characteristics.append((baseline, attributes))

    def score(self, frame: Frame) -> Prediction:
        """Add up the points and rank the reason codes of every row."""
        n = frame.n
        total = np.full(n, self.initial)
        codes: dict[str, np.ndarray] = {}  # reason code: its points per row (NaN: not given)
        for baseline, attributes in self.characteristics:
            taken = np.zeros(n, dtype=bool)
            partial = np.full(n, np.nan)
            code_of = np.full(n, None, dtype=object)
            for predicate, points, code in attributes:
                hit = predicate(frame, None)[0] & ~taken
                partial[hit] = points
                code_of[hit] = code
                taken |= hit
            total += partial  # NaN where no Attribute takes the row
            if not self.use_reason_codes:
                continue
            for code in dict.fromkeys(c for c in code_of if c is not None):
                rows = code_of == code
                sums = codes.setdefault(code, np.full(n, np.nan))
                diff = self.sign * (baseline - partial[rows])
                sums[rows] = np.where(np.isnan(sums[rows]), diff, sums[rows] + diff)
        reason_codes: list[np.ndarray] = []
        if codes:
            names = np.asarray(list(codes), dtype=object)
            matrix = np.vstack(list(codes.values()))
            usable = ~np.isnan(matrix) & (matrix >= 0)
            # Stable sort on descending points keeps the Characteristics' order on ties.
            order = np.argsort(np.where(usable, -matrix, np.inf), axis=0, kind="stable")
            for rank in range(len(names)):
                chosen = order[rank]
                column = names[chosen].copy()
                column[~usable[chosen, np.arange(n)]] = None
                reason_codes.append(column)
        missing = np.isnan(total)
        for column in reason_codes:
            column[missing] = None
        return Prediction(total, reason_codes=reason_codes)
