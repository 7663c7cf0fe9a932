"""What every PMML model shares: mining schema treatments, local transformations, targets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..node_table import NodeTable
from .expressions import Expr, compile_derived_field
from .frame import Frame, Kind, Scope, Unsupported, full, parse_value
from .prediction import Prediction


@dataclass
class Context:
    """Document-wide facts that model compilers need."""

    data_fields: dict[str, ET.Element]
    root_scope: Scope
    compile_model: Callable[[ET.Element, Scope, Context, dict[str, ET.Element]], CompiledModel]
    derived: list[tuple[str, Expr]] = field(default_factory=list)
    trees: dict[ET.Element, NodeTable] = field(default_factory=dict)  # the TreeModels' Nodes


class CompiledModel(ABC):
    """A model ready to score frames; subclasses implement score()."""

    function: str
    classes: list[str]
    target: str | None
    gives_probabilities = True  # a classifier's default outputs include class probabilities
    functions: tuple[str, ...] = ("regression", "classification")  # functionNames it scores

    def __init__(
        self,
        element: ET.Element,
        scope: Scope,
        context: Context,
        parent_fields: dict[str, ET.Element],
    ) -> None:
        self.element = element
        self.function = element.get("functionName", "")
        if self.function not in self.functions:
            raise Unsupported(f"functionName={self.function!r} of <{element.tag}>")
        self.context = context
        self.scope = scope.child()
        self.mining_fields = {
            mf.get("name", ""): mf for mf in element.findall("MiningSchema/MiningField")
        }
        targets = [
            name
            for name, mf in self.mining_fields.items()
            if mf.get("usageType") in ("target", "predicted")
        ]
        self.target = targets[0] if targets else None
        self._treatments = [
            t
            for name, mf in self.mining_fields.items()
            if (t := _compile_treatment(name, mf, parent_fields.get(name), scope, context))
            is not None
        ]
        self._local: list[tuple[str, Expr]] = []
        for derived in element.findall("LocalTransformations/DerivedField"):
            self._local.append(
                (derived.get("name", ""), compile_derived_field(derived, self.scope))
            )
        self.classes = self._target_classes()
        self._targets = _compile_targets(element, self.function)

    def _target_classes(self) -> list[str]:
        if self.function != "classification" or self.target is None:
            return []
        data_field = self.context.data_fields.get(self.target)
        if data_field is None:
            return []
        return [
            v.get("value", "")
            for v in data_field.findall("Value")
            if v.get("property", "valid") == "valid"
        ]

    def has_preparation(self) -> bool:
        """Whether prepare() changes anything (treatments, local fields or target rescaling)."""
        return bool(self._treatments or self._local or self._targets is not None)

    def prepare(self, frame: Frame) -> tuple[Frame, np.ndarray]:
        """Apply mining-field treatments and local transformations; return rows made invalid."""
        invalid = np.zeros(frame.n, dtype=bool)
        if not self._treatments and not self._local:
            return frame, invalid
        local = frame.child()
        for treatment in self._treatments:
            treatment(frame, local, invalid)
        if self._treatments:
            # Document-level derived fields must see the treated inputs, so recompute them here.
            for name, expr in self.context.derived:
                local.lazy[name] = expr.fn
        for name, expr in self._local:
            local.lazy[name] = expr.fn
        return local, invalid

    def predict(self, frame: Frame) -> tuple[Prediction, Frame]:
        """Score a frame, returning the prediction and the frame the model saw."""
        local, invalid = self.prepare(frame)
        prediction = self.score(local)
        if self._targets is not None:
            prediction = Prediction(
                self._targets(prediction.value), reason_codes=prediction.reason_codes
            )
        return prediction.masked(invalid), local

    @abstractmethod
    def score(self, frame: Frame) -> Prediction:
        """Score a prepared frame."""


Treatment = Callable[[Frame, Frame, np.ndarray], None]


def _compile_treatment(
    name: str,
    mining_field: ET.Element,
    parent_field: ET.Element | None,
    scope: Scope,
    context: Context,
) -> Treatment | None:
    usage = mining_field.get("usageType", "active")
    if usage not in ("active", "target", "predicted", "supplementary", "group", "order"):
        raise Unsupported(f"MiningField usageType={usage!r}")
    if usage != "active":
        return None
    if parent_field is not None and parent_field.attrib == mining_field.attrib:
        # The enclosing model already treated this field the same way.
        return None
    kind = scope.kind(name)
    data_field = context.data_fields.get(name)
    invalid_treatment = mining_field.get("invalidValueTreatment", "returnInvalid")
    if invalid_treatment not in ("returnInvalid", "asIs", "asMissing", "asValue"):
        raise Unsupported(f"invalidValueTreatment={invalid_treatment!r}")
    replacement_text = mining_field.get("missingValueReplacement")
    replacement = None if replacement_text is None else parse_value(replacement_text, kind)
    invalid_text = mining_field.get("invalidValueReplacement")
    invalid_value = None if invalid_text is None else parse_value(invalid_text, kind)
    outliers = mining_field.get("outliers", "asIs")
    low = float(mining_field.get("lowValue", "-inf"))
    high = float(mining_field.get("highValue", "inf"))
    if outliers not in ("asIs", "asMissingValues", "asExtremeValues"):
        raise Unsupported(f"MiningField outliers={outliers!r}")
    validity = _validity_test(data_field, kind) if data_field is not None else None
    missing_values = _declared_values(data_field, "missing", kind)
    if validity is None and replacement is None and outliers == "asIs" and not missing_values:
        return None

    def treat(frame: Frame, local: Frame, invalid: np.ndarray) -> None:
        original = frame.get(name)
        x = original
        missing = _missing(frame, x, kind)
        if missing_values:
            declared = np.isin(x, np.array(missing_values, dtype=x.dtype))
            if declared.any():
                x = x.copy()
                x[declared] = np.nan if kind == "num" else None
                missing = missing | declared
        if validity is not None and invalid_treatment != "asIs":
            bad = ~missing & ~validity(frame, x)
            if bad.any():
                if invalid_treatment == "returnInvalid":
                    invalid |= bad
                else:
                    x = x.copy() if x is original else x
                    x[bad] = (
                        invalid_value
                        if invalid_treatment == "asValue"
                        else (np.nan if kind == "num" else None)
                    )
                    if invalid_treatment == "asMissing":
                        missing = missing | bad
        if outliers != "asIs" and kind == "num":
            with np.errstate(invalid="ignore"):
                below, above = x < low, x > high
            if below.any() or above.any():
                x = x.copy() if x is original else x
                if outliers == "asMissingValues":
                    x[below | above] = np.nan
                    missing = missing | below | above
                else:
                    x[below], x[above] = low, high
        if replacement is not None and missing.any():
            x = x.copy() if x is original else x
            x[missing] = replacement
        # Unchanged columns stay the same object, so cached factorizations still apply.
        local.values[name] = x

    return treat


def _declared_values(data_field: ET.Element | None, prop: str, kind: Kind) -> list[float | str]:
    if data_field is None:
        return []
    return [
        parse_value(v.get("value", ""), kind)
        for v in data_field.findall("Value")
        if v.get("property", "valid") == prop
    ]


def _missing(frame: Frame, x: np.ndarray, kind: Kind) -> np.ndarray:
    if kind == "num":
        return np.isnan(x)
    return frame.factorize(x)[0] < 0


Validity = Callable[[Frame, np.ndarray], np.ndarray]


def _validity_test(data_field: ET.Element, kind: Kind) -> Validity | None:
    valid = _declared_values(data_field, "valid", kind)
    optype = data_field.get("optype", "continuous")
    if valid and optype != "continuous":
        if kind == "num":
            numbers = np.array(valid, dtype=float)
            return lambda frame, x: np.isin(x, numbers)
        members = np.array(valid, dtype=object)

        def known(frame: Frame, x: np.ndarray) -> np.ndarray:
            codes, uniques = frame.factorize(x)
            ok = np.append(np.isin(uniques, members), False)
            return ok[codes]  # code -1 (missing) reads the appended False

        return known
    intervals = data_field.findall("Interval")
    if intervals and kind == "num":
        tests = []
        for interval in intervals:
            closure = interval.get("closure", "closedClosed")
            lo = float(interval.get("leftMargin", "-inf"))
            hi = float(interval.get("rightMargin", "inf"))
            tests.append((lo, hi, closure.startswith("closed"), closure.endswith("Closed")))

        def inside(frame: Frame, x: np.ndarray) -> np.ndarray:
            ok = np.zeros(len(x), dtype=bool)
            with np.errstate(invalid="ignore"):
                for lo, hi, left_closed, right_closed in tests:
                    ok |= (x >= lo if left_closed else x > lo) & (
                        x <= hi if right_closed else x < hi
                    )
            return ok

        return inside
    return None


def _compile_targets(
    element: ET.Element, function: str
) -> Callable[[np.ndarray], np.ndarray] | None:
    targets = element.findall("Targets/Target")
    if not targets:
        return None
    if len(targets) > 1:
        raise Unsupported("Targets with more than one Target")
    target = targets[0]
    if function != "regression":
        if any(k in target.attrib for k in ("rescaleFactor", "rescaleConstant", "castInteger")):
            raise Unsupported("Targets rescaling on a classification model")
        return None
    factor = float(target.get("rescaleFactor", "1"))
    constant = float(target.get("rescaleConstant", "0"))
    low = target.get("min")
    high = target.get("max")
    cast = target.get("castInteger")
    if cast not in (None, "round", "ceiling", "floor"):
        raise Unsupported(f"Target castInteger={cast!r}")

    def rescale(value: np.ndarray) -> np.ndarray:
        out = value.astype(float)
        if low is not None or high is not None:
            out = np.clip(out, float(low or "-inf"), float(high or "inf"))
        out = out * factor + constant
        if cast == "round":
            out = np.floor(out + 0.5)
        elif cast == "ceiling":
            out = np.ceil(out)
        elif cast == "floor":
            out = np.floor(out)
        return out

    return rescale


def missing_column(n: int, kind: Kind) -> np.ndarray:
    """A column of n missing values."""
    return full(n, None, kind)
