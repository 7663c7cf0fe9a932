"""RegressionModel: linear predictors, then a normalization for classification."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from math import pi

import numpy as np
from scipy.special import ndtr

from .frame import Frame, Scope, Unsupported, parse_value
from .model import CompiledModel, Context
from .prediction import Prediction, argmax_classes

_LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "logit": lambda y: 1.0 / (1.0 + np.exp(-y)),
    "probit": ndtr,
    "cloglog": lambda y: 1.0 - np.exp(-np.exp(y)),
    "loglog": lambda y: np.exp(-np.exp(-y)),
    "cauchit": lambda y: 0.5 + np.arctan(y) / pi,
}
_REGRESSION_LINKS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "none": lambda y: y,
    "softmax": _LINKS["logit"],
    "exp": np.exp,
    **_LINKS,
}


class RegressionTable:
    """intercept + numeric, categorical and interaction terms, evaluated on whole columns."""

    def __init__(self, element: ET.Element, scope: Scope) -> None:
        self.intercept = float(element.get("intercept", "0"))
        self.numeric: list[tuple[str, float, float]] = []
        for p in element.findall("NumericPredictor"):
            name = p.get("name", "")
            if scope.kind(name) != "num":
                raise Unsupported(f"NumericPredictor on string field {name!r}")
            self.numeric.append(
                (name, float(p.get("exponent", "1")), float(p.get("coefficient", "0")))
            )
        self.categorical: dict[str, list[tuple[float | str, float]]] = {}
        for p in element.findall("CategoricalPredictor"):
            name = p.get("name", "")
            value = parse_value(p.get("value", ""), scope.kind(name))
            self.categorical.setdefault(name, []).append((value, float(p.get("coefficient", "0"))))
        self.terms: list[tuple[list[str], float]] = []
        for term in element.findall("PredictorTerm"):
            names = [ref.get("field", "") for ref in term.findall("FieldRef")]
            if any(scope.kind(n) != "num" for n in names):
                raise Unsupported("PredictorTerm on string fields")
            self.terms.append((names, float(term.get("coefficient", "0"))))
        self.linear = [(n, c) for n, e, c in self.numeric if e == 1.0]
        self.powers = [(n, e, c) for n, e, c in self.numeric if e != 1.0]

    def evaluate(self, frame: Frame) -> np.ndarray:
        """y for every row; NaN where an input is missing."""
        y = np.full(frame.n, self.intercept)
        scratch = np.empty(frame.n)
        for name, coefficient in self.linear:
            np.multiply(frame.get(name), coefficient, out=scratch)
            y += scratch
        for name, exponent, coefficient in self.powers:
            y = y + coefficient * np.power(frame.get(name), exponent)
        for name, pairs in self.categorical.items():
            x = frame.get(name)
            contribution = np.zeros(frame.n)
            for value, coefficient in pairs:
                if x.dtype.kind == "f":
                    contribution[x == value] += coefficient
                else:
                    codes, uniques = frame.factorize(x)
                    match = np.flatnonzero(uniques == value)
                    if match.size:
                        contribution[codes == match[0]] += coefficient
            # A missing category matches no predictor and adds nothing (as in pmml4s).
            y = y + contribution
        for names, coefficient in self.terms:
            product = np.full(frame.n, coefficient)
            for n in names:
                product = product * frame.get(n)
            y = y + product
        return y


class RegressionModel(CompiledModel):
    """PMML RegressionModel, for regression and classification."""

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        super().__init__(element, scope, context, parent_fields)
        self.normalization = element.get("normalizationMethod", "none")
        tables = element.findall("RegressionTable")
        if not tables:
            raise Unsupported("RegressionModel without RegressionTable")
        self.tables = [RegressionTable(t, self.scope) for t in tables]
        if self.function == "regression":
            if self.normalization not in _REGRESSION_LINKS:
                raise Unsupported(f"regression normalizationMethod={self.normalization!r}")
            return
        self.categories = [t.get("targetCategory", "") for t in tables]
        if not self.classes:
            self.classes = list(self.categories)
        target_optype = context.data_fields.get(self.target or "")
        if target_optype is not None and target_optype.get("optype") == "ordinal":
            raise Unsupported("RegressionModel for an ordinal target")
        binary = len(self.classes) == 2
        if self.normalization in _LINKS and not (binary and len(tables) == 2):
            raise Unsupported(
                f"normalizationMethod={self.normalization!r} with {len(tables)} regression tables"
            )
        if self.normalization not in ("softmax", "simplemax", "none", *_LINKS):
            raise Unsupported(f"classification normalizationMethod={self.normalization!r}")

    def score(self, frame: Frame) -> Prediction:
        """Evaluate the tables and normalize."""
        ys = [t.evaluate(frame) for t in self.tables]
        with np.errstate(all="ignore"):
            if self.function == "regression":
                return Prediction(_REGRESSION_LINKS[self.normalization](ys[0]))
            probabilities = self._normalize(ys)
        # A row with any missing table value has no probabilities at all.
        missing = np.zeros(frame.n, dtype=bool)
        for y in ys:
            missing |= np.isnan(y)
        for p in probabilities.values():
            p[missing] = np.nan
        value = argmax_classes(probabilities, self.classes, frame.n)
        return Prediction(value, probabilities)

    def _normalize(self, ys: list[np.ndarray]) -> dict[str, np.ndarray]:
        cats = self.categories
        method = self.normalization
        if method == "softmax":
            stacked = np.vstack(ys)
            stacked = np.exp(stacked - stacked.max(axis=0))
            total = stacked.sum(axis=0)
            return {c: stacked[i] / total for i, c in enumerate(cats)}
        if method == "simplemax":
            total = np.sum(ys, axis=0)
            return {c: y / total for c, y in zip(cats, ys, strict=True)}
        if method == "none":
            if len(self.classes) == 2 and len(ys) == 2:
                p = np.clip(ys[0], 0.0, 1.0)
                return {cats[0]: p, cats[1]: 1.0 - p}
            out = {c: y.copy() for c, y in zip(cats[:-1], ys[:-1], strict=True)}
            out[cats[-1]] = 1.0 - np.sum(ys[:-1], axis=0)
            return out
        link = _LINKS[method]
        # The table whose value is exactly 0 is the reference category (pmml4s does the same).
        last_zero = ys[1] == 0.0
        p_first_when = link(ys[0])
        p_last_when = link(ys[1])
        p0 = np.where(last_zero, p_first_when, 1.0 - p_last_when)
        return {cats[0]: p0, cats[1]: 1.0 - p0}
