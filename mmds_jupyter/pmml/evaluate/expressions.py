"""Compile PMML expressions (FieldRef, Constant, NormContinuous, Apply, ...) to column functions."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frame import Frame, Kind, Scope, Unsupported, full, is_missing, kind_of, parse_value

EXPRESSION_TAGS = frozenset(
    {"Constant", "FieldRef", "NormContinuous", "NormDiscrete", "Discretize", "MapValues", "Apply"}
)


@dataclass
class Expr:
    """A compiled expression: the kind of column it yields and the function computing it."""

    kind: Kind
    fn: Callable[[Frame], np.ndarray]
    constant: float | None = None  # set for numeric Constants, so arithmetic can use a scalar


def compile_derived_field(element: ET.Element, scope: Scope) -> Expr:
    """Compile a DerivedField, declaring it in scope."""
    name = element.get("name", "")
    expression = _single_expression(element)
    expr = compile_expression(expression, scope)
    kind = kind_of(element.get("dataType"), f"DerivedField {name!r}")
    expr = _cast(expr, kind)
    scope.declare(name, kind, element.get("optype"))
    return expr


def _single_expression(element: ET.Element) -> ET.Element:
    for child in element:
        if child.tag in EXPRESSION_TAGS:
            return child
        if child.tag not in ("Extension", "Value"):
            raise Unsupported(f"expression <{child.tag}>")
    raise Unsupported(f"<{element.tag}> without an expression")


def _cast(expr: Expr, kind: Kind) -> Expr:
    if expr.kind == kind:
        return expr
    inner = expr.fn
    if kind == "num":

        def to_num(frame: Frame) -> np.ndarray:
            return pd.to_numeric(pd.Series(inner(frame)), errors="coerce").to_numpy(float)

        return Expr("num", to_num)

    def to_str(frame: Frame) -> np.ndarray:
        # Format each distinct number once.
        codes, uniques = pd.factorize(inner(frame), use_na_sentinel=True)
        texts = np.array([_format_number(float(u)) for u in uniques] + [None], dtype=object)
        return texts[codes]

    return Expr("str", to_str)


def _format_number(value: float) -> str:
    return str(int(value)) if value == value and float(value).is_integer() else repr(value)


def compile_expression(element: ET.Element, scope: Scope) -> Expr:
    """Compile one expression element."""
    compiler = _COMPILERS.get(element.tag)
    if compiler is None:
        raise Unsupported(f"expression <{element.tag}>")
    return compiler(element, scope)


def _with_missing_map(expr: Expr, inputs: list[str], element: ET.Element, scope: Scope) -> Expr:
    replacement = element.get("mapMissingTo")
    if replacement is None:
        return expr
    value = parse_value(replacement, expr.kind)
    inner = expr.fn

    def mapped(frame: Frame) -> np.ndarray:
        out = inner(frame).copy()
        missing = np.zeros(frame.n, dtype=bool)
        for name in inputs:
            missing |= is_missing(frame.get(name))
        out[missing] = value
        return out

    return Expr(expr.kind, mapped)


def _constant(element: ET.Element, scope: Scope) -> Expr:
    text = (element.text or "").strip()
    data_type = element.get("dataType")
    if data_type is None:
        try:
            float(text)
            data_type = "double"
        except ValueError:
            data_type = "string"
    kind = kind_of(data_type, "Constant")
    missing = element.get("missing") == "true"
    value = None if missing else parse_value(text, kind)
    scalar = value if kind == "num" and isinstance(value, float) else None
    return Expr(kind, lambda frame: full(frame.n, value, kind), scalar)


def _field_ref(element: ET.Element, scope: Scope) -> Expr:
    name = element.get("field", "")
    kind = scope.kind(name)
    expr = Expr(kind, lambda frame: frame.get(name))
    return _with_missing_map(expr, [name], element, scope)


def _norm_continuous(element: ET.Element, scope: Scope) -> Expr:
    name = element.get("field", "")
    if scope.kind(name) != "num":
        raise Unsupported(f"NormContinuous on string field {name!r}")
    points = [
        (float(p.get("orig", "nan")), float(p.get("norm", "nan")))
        for p in element.iter("LinearNorm")
    ]
    points.sort()
    if len(points) < 2:
        raise Unsupported("NormContinuous with fewer than two LinearNorm points")
    orig = np.array([p[0] for p in points])
    norm = np.array([p[1] for p in points])
    outliers = element.get("outliers", "asIs")
    if outliers not in ("asIs", "asMissingValues", "asExtremeValues"):
        raise Unsupported(f"NormContinuous outliers={outliers!r}")

    def normalize(frame: Frame) -> np.ndarray:
        x = frame.get(name)
        i = np.clip(np.searchsorted(orig, x, side="left"), 1, len(orig) - 1)
        lo, hi = orig[i - 1], orig[i]
        with np.errstate(invalid="ignore", divide="ignore"):
            y = norm[i - 1] + (x - lo) / (hi - lo) * (norm[i] - norm[i - 1])
        below, above = x < orig[0], x > orig[-1]
        if outliers == "asMissingValues":
            y[below | above] = np.nan
        elif outliers == "asExtremeValues":
            y[below] = norm[0]
            y[above] = norm[-1]
        return y

    return _with_missing_map(Expr("num", normalize), [name], element, scope)


def _norm_discrete(element: ET.Element, scope: Scope) -> Expr:
    name = element.get("field", "")
    kind = scope.kind(name)
    value = parse_value(element.get("value", ""), kind)

    def indicator(frame: Frame) -> np.ndarray:
        x = frame.get(name)
        if kind == "num":
            out = (x == value).astype(float)
            out[np.isnan(x)] = np.nan
            return out
        codes, uniques = frame.factorize(x)
        match = np.flatnonzero(uniques == value)
        out = (codes == match[0]).astype(float) if match.size else np.zeros(frame.n)
        out[codes < 0] = np.nan
        return out

    return _with_missing_map(Expr("num", indicator), [name], element, scope)


def _discretize(element: ET.Element, scope: Scope) -> Expr:
    name = element.get("field", "")
    if scope.kind(name) != "num":
        raise Unsupported(f"Discretize on string field {name!r}")
    kind = kind_of(element.get("dataType", "string"), "Discretize")
    bins = []
    for b in element.findall("DiscretizeBin"):
        interval = b.find("Interval")
        if interval is None:
            raise Unsupported("DiscretizeBin without Interval")
        bins.append((_interval_test(interval), parse_value(b.get("binValue", ""), kind)))
    default = element.get("defaultValue")
    default_value = None if default is None else parse_value(default, kind)

    def discretize(frame: Frame) -> np.ndarray:
        x = frame.get(name)
        out = full(frame.n, default_value, kind)
        done = np.zeros(frame.n, dtype=bool)
        for test, value in bins:
            hit = test(x) & ~done
            out[hit] = value
            done |= hit
        out[np.isnan(x)] = None if kind == "str" else np.nan
        return out

    return _with_missing_map(Expr(kind, discretize), [name], element, scope)


def _interval_test(interval: ET.Element) -> Callable[[np.ndarray], np.ndarray]:
    closure = interval.get("closure", "closedOpen")
    left = float(interval.get("leftMargin", "-inf"))
    right = float(interval.get("rightMargin", "inf"))
    left_closed = closure.startswith("closed")
    right_closed = closure.endswith("Closed")

    def test(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            ok_left = x >= left if left_closed else x > left
            ok_right = x <= right if right_closed else x < right
        return ok_left & ok_right

    return test


def _map_values(element: ET.Element, scope: Scope) -> Expr:
    pairs = [(p.get("field", ""), p.get("column", "")) for p in element.findall("FieldColumnPair")]
    output_column = element.get("outputColumn", "")
    kind = kind_of(element.get("dataType", "string"), "MapValues")
    table = element.find("InlineTable")
    if table is None or not pairs:
        raise Unsupported("MapValues without FieldColumnPair and InlineTable")
    keys: list[tuple[float | str, ...]] = []
    outputs: list[float | str] = []
    kinds = [scope.kind(field) for field, _ in pairs]
    for row in table.findall("row"):
        cells = {cell.tag: (cell.text or "") for cell in row}
        if output_column not in cells or any(column not in cells for _, column in pairs):
            continue
        keys.append(tuple(parse_value(cells[c], k) for (_, c), k in zip(pairs, kinds, strict=True)))
        outputs.append(parse_value(cells[output_column], kind))
    default = element.get("defaultValue")
    default_value = None if default is None else parse_value(default, kind)
    if len(pairs) == 1:
        index: pd.Index = pd.Index([k[0] for k in keys])
    else:
        index = pd.MultiIndex.from_tuples(keys)
    table_values = full(len(outputs), None, kind)
    table_values[:] = outputs
    fields = [field for field, _ in pairs]

    def lookup(frame: Frame) -> np.ndarray:
        columns = [frame.get(f) for f in fields]
        if len(columns) == 1:
            positions = index.get_indexer(columns[0])  # type: ignore[arg-type]
        else:
            positions = index.get_indexer(pd.MultiIndex.from_arrays(columns))
        out = full(frame.n, default_value, kind)
        found = positions >= 0
        out[found] = table_values[positions[found]]
        missing = np.zeros(frame.n, dtype=bool)
        for column in columns:
            missing |= is_missing(column)
        out[missing] = None if kind == "str" else np.nan
        return out

    return _with_missing_map(Expr(kind, lookup), fields, element, scope)


_ARITHMETIC: dict[str, Callable[..., np.ndarray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "pow": np.power,
}
_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "log10": np.log10,
    "ln": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "exp": np.exp,
    "floor": np.floor,
    "ceil": np.ceil,
    "round": lambda x: np.floor(x + 0.5),
}
_COMPARISON: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "equal": lambda a, b: a == b,
    "notEqual": lambda a, b: a != b,
    "lessThan": lambda a, b: a < b,
    "lessOrEqual": lambda a, b: a <= b,
    "greaterThan": lambda a, b: a > b,
    "greaterOrEqual": lambda a, b: a >= b,
}
# Aggregates skip missing arguments (pmml4s: max(missing, 2) is 2); all missing gives missing.
_NARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "min": lambda s: np.nanmin(s, axis=0),
    "max": lambda s: np.nanmax(s, axis=0),
    "sum": lambda s: np.nansum(s, axis=0),
    "avg": lambda s: np.nanmean(s, axis=0),
    "product": lambda s: np.nanprod(s, axis=0),
}


def _apply(element: ET.Element, scope: Scope) -> Expr:
    function = element.get("function", "")
    if element.get("invalidValueTreatment", "returnInvalid") != "returnInvalid":
        raise Unsupported(f"Apply invalidValueTreatment on {function!r}")
    args = [compile_expression(child, scope) for child in element if child.tag in EXPRESSION_TAGS]
    body = _apply_body(function, args)
    default = element.get("defaultValue")
    replacement = element.get("mapMissingTo")
    if default is None and replacement is None:
        return body
    kind = body.kind
    inner = body.fn
    default_value = None if default is None else parse_value(default, kind)
    replacement_value = None if replacement is None else parse_value(replacement, kind)
    propagates = function not in ("isMissing", "isNotMissing")

    def with_defaults(frame: Frame) -> np.ndarray:
        out = inner(frame).copy()
        result_missing = is_missing(out)
        if replacement is not None and propagates:
            any_missing = np.zeros(frame.n, dtype=bool)
            for arg in args:
                any_missing |= is_missing(arg.fn(frame))
            out[any_missing] = replacement_value
            result_missing &= ~any_missing
        if default is not None:
            out[result_missing] = default_value
        return out

    return Expr(kind, with_defaults)


def _numeric_args(function: str, args: list[Expr]) -> None:
    if any(a.kind != "num" for a in args):
        raise Unsupported(f"Apply function {function!r} on string arguments")


def _apply_body(function: str, args: list[Expr]) -> Expr:
    fns = [a.fn for a in args]
    if function in _ARITHMETIC and len(args) == 2:
        _numeric_args(function, args)
        op = _ARITHMETIC[function]
        left, right = args

        def arithmetic(frame: Frame) -> np.ndarray:
            a = left.constant if left.constant is not None else left.fn(frame)
            b = right.constant if right.constant is not None else right.fn(frame)
            with np.errstate(all="ignore"):
                result = op(a, b)
            return np.full(frame.n, result) if np.ndim(result) == 0 else result

        return Expr("num", arithmetic)
    if function in _UNARY and len(args) == 1:
        _numeric_args(function, args)
        unary = _UNARY[function]

        def one(frame: Frame) -> np.ndarray:
            with np.errstate(all="ignore"):
                return unary(fns[0](frame))

        return Expr("num", one)
    if function in _NARY and args:
        _numeric_args(function, args)
        reduce = _NARY[function]

        def aggregate(frame: Frame) -> np.ndarray:
            stacked = np.vstack([f(frame) for f in fns])
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
                out = reduce(stacked)
            out[np.isnan(stacked).all(axis=0)] = np.nan
            return out

        return Expr("num", aggregate)
    if function in _COMPARISON and len(args) == 2:
        if args[0].kind != args[1].kind:
            raise Unsupported(f"Apply {function!r} comparing a number with a string")
        compare = _COMPARISON[function]

        def comparison(frame: Frame) -> np.ndarray:
            # A missing operand compares like NaN: only notEqual holds (pmml4s does the same).
            a, b = fns[0](frame), fns[1](frame)
            missing = is_missing(a) | is_missing(b)
            with np.errstate(invalid="ignore"):
                out = compare(a, b).astype(float)
            out[missing] = 1.0 if function == "notEqual" else 0.0
            return out

        return Expr("num", comparison)
    if function in ("and", "or") and len(args) >= 2:
        _numeric_args(function, args)
        logical = np.logical_and if function == "and" else np.logical_or

        def boolean(frame: Frame) -> np.ndarray:
            values = [f(frame) for f in fns]
            out = values[0] != 0
            missing = np.isnan(values[0])
            for v in values[1:]:
                out = logical(out, v != 0)
                missing |= np.isnan(v)
            result = out.astype(float)
            result[missing] = np.nan
            return result

        return Expr("num", boolean)
    if function == "not" and len(args) == 1:
        _numeric_args(function, args)
        return Expr("num", lambda frame: np.where(np.isnan(x := fns[0](frame)), np.nan, x == 0))
    if function in ("isMissing", "isNotMissing") and len(args) == 1:
        want = function == "isMissing"
        return Expr("num", lambda frame: (is_missing(fns[0](frame)) == want).astype(float))
    if function in ("isIn", "isNotIn") and len(args) >= 2:
        inside = function == "isIn"

        def membership(frame: Frame) -> np.ndarray:
            x = fns[0](frame)
            hit = np.zeros(frame.n, dtype=bool)
            for f in fns[1:]:
                hit |= x == f(frame)
            hit[is_missing(x)] = False
            return (hit == inside).astype(float)

        return Expr("num", membership)
    if function == "if" and len(args) in (2, 3):
        if args[0].kind != "num" or (len(args) == 3 and args[1].kind != args[2].kind):
            raise Unsupported("Apply 'if' with mismatched argument types")
        kind = args[1].kind

        def choose(frame: Frame) -> np.ndarray:
            condition = fns[0](frame)
            then = fns[1](frame)
            otherwise = fns[2](frame) if len(fns) == 3 else full(frame.n, None, kind)
            out = np.where(condition == 1.0, then, otherwise)
            if kind == "str":
                out = out.astype(object)
            out[np.isnan(condition)] = None if kind == "str" else np.nan
            return out

        return Expr(kind, choose)
    if function == "threshold" and len(args) == 2:
        _numeric_args(function, args)

        def threshold(frame: Frame) -> np.ndarray:
            a, b = fns[0](frame), fns[1](frame)
            with np.errstate(invalid="ignore"):
                out = (a > b).astype(float)
            out[np.isnan(a) | np.isnan(b)] = np.nan
            return out

        return Expr("num", threshold)
    raise Unsupported(f"Apply function {function!r} with {len(args)} arguments")


_COMPILERS: dict[str, Callable[[ET.Element, Scope], Expr]] = {
    "Constant": _constant,
    "FieldRef": _field_ref,
    "NormContinuous": _norm_continuous,
    "NormDiscrete": _norm_discrete,
    "Discretize": _discretize,
    "MapValues": _map_values,
    "Apply": _apply,
}
