"""Compile PMML predicates to functions returning (true, unknown) masks for a set of rows."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from collections.abc import Callable

import numpy as np

from .frame import Frame, Scope, Unsupported, is_missing, parse_value

Rows = np.ndarray | None
Truth = tuple[np.ndarray, np.ndarray]
"""(true, unknown): rows where the predicate is TRUE, and rows where it is UNKNOWN."""
Predicate = Callable[[Frame, Rows], Truth]

PREDICATE_TAGS = frozenset(
    {"SimplePredicate", "CompoundPredicate", "SimpleSetPredicate", "True", "False"}
)
COMPARISONS: dict[str, Callable[[np.ndarray, object], np.ndarray]] = {
    "equal": lambda x, v: x == v,
    "notEqual": lambda x, v: x != v,
    "lessThan": lambda x, v: x < v,
    "lessOrEqual": lambda x, v: x <= v,
    "greaterThan": lambda x, v: x > v,
    "greaterOrEqual": lambda x, v: x >= v,
}


def find_predicate(element: ET.Element) -> ET.Element:
    """The predicate child of a Node or Segment."""
    for child in element:
        if child.tag in PREDICATE_TAGS:
            return child
    raise Unsupported(f"<{element.tag}> without a supported predicate")


def _count(frame: Frame, rows: Rows) -> int:
    return frame.n if rows is None else len(rows)


def _column(frame: Frame, name: str, rows: Rows) -> np.ndarray:
    values = frame.get(name)
    return values if rows is None else values[rows]


def compile_predicate(element: ET.Element, scope: Scope) -> Predicate:
    """Compile one predicate element."""
    tag = element.tag
    if tag == "True":
        return lambda frame, rows: (
            np.ones(_count(frame, rows), dtype=bool),
            np.zeros(_count(frame, rows), dtype=bool),
        )
    if tag == "False":
        return lambda frame, rows: (
            np.zeros(_count(frame, rows), dtype=bool),
            np.zeros(_count(frame, rows), dtype=bool),
        )
    if tag == "SimplePredicate":
        return _simple(element, scope)
    if tag == "SimpleSetPredicate":
        return _simple_set(element, scope)
    if tag == "CompoundPredicate":
        return _compound(element, scope)
    raise Unsupported(f"predicate <{tag}>")


def _simple(element: ET.Element, scope: Scope) -> Predicate:
    name = element.get("field", "")
    operator = element.get("operator", "")
    kind = scope.kind(name)
    if operator in ("isMissing", "isNotMissing"):
        want = operator == "isMissing"

        def missing_check(frame: Frame, rows: Rows) -> Truth:
            x = _column(frame, name, rows)
            return is_missing(x) == want, np.zeros(len(x), dtype=bool)

        return missing_check
    compare = COMPARISONS.get(operator)
    if compare is None:
        raise Unsupported(f"SimplePredicate operator={operator!r}")
    if kind == "str" and operator not in ("equal", "notEqual"):
        raise Unsupported(f"SimplePredicate {operator!r} on string field {name!r}")
    value = parse_value(element.get("value", ""), kind)

    if kind == "str" and operator in ("equal", "notEqual"):
        equal = operator == "equal"

        def simple_category(frame: Frame, rows: Rows) -> Truth:
            codes, uniques = frame.factorize(frame.get(name))
            if rows is not None:
                codes = codes[rows]
            match = np.flatnonzero(uniques == value)
            hit = codes == match[0] if match.size else np.zeros(len(codes), dtype=bool)
            unknown = codes < 0
            return (hit if equal else ~hit) & ~unknown, unknown

        return simple_category

    def simple(frame: Frame, rows: Rows) -> Truth:
        x = _column(frame, name, rows)
        unknown = is_missing(x)
        with np.errstate(invalid="ignore"):
            true = compare(x, value) & ~unknown
        return np.asarray(true, dtype=bool), unknown

    return simple


def _simple_set(element: ET.Element, scope: Scope) -> Predicate:
    name = element.get("field", "")
    kind = scope.kind(name)
    array = element.find("Array")
    if array is None:
        raise Unsupported("SimpleSetPredicate without Array")
    values = [parse_value(v, kind) for v in shlex.split(array.text or "")]
    inside = element.get("booleanOperator", "isIn") == "isIn"
    members = np.array(values, dtype=float if kind == "num" else object)

    def member(frame: Frame, rows: Rows) -> Truth:
        if kind == "str":
            codes, uniques = frame.factorize(frame.get(name))
            inside_codes = np.flatnonzero(np.isin(uniques, members))
            if rows is not None:
                codes = codes[rows]
            unknown = codes < 0
            return (np.isin(codes, inside_codes) == inside) & ~unknown, unknown
        x = _column(frame, name, rows)
        unknown = is_missing(x)
        hit = np.isin(x, members)
        return (hit == inside) & ~unknown, unknown

    return member


def _compound(element: ET.Element, scope: Scope) -> Predicate:
    operator = element.get("booleanOperator", "")
    parts = [compile_predicate(child, scope) for child in element if child.tag in PREDICATE_TAGS]
    if not parts:
        raise Unsupported("CompoundPredicate without predicates")
    if operator == "and":

        def both(frame: Frame, rows: Rows) -> Truth:
            n = _count(frame, rows)
            false = np.zeros(n, dtype=bool)
            unknown = np.zeros(n, dtype=bool)
            for part in parts:
                t, u = part(frame, rows)
                false |= ~t & ~u
                unknown |= u
            return ~false & ~unknown, unknown & ~false

        return both
    if operator == "or":

        def either(frame: Frame, rows: Rows) -> Truth:
            n = _count(frame, rows)
            true = np.zeros(n, dtype=bool)
            unknown = np.zeros(n, dtype=bool)
            for part in parts:
                t, u = part(frame, rows)
                true |= t
                unknown |= u
            return true, unknown & ~true

        return either
    if operator == "xor":

        def exclusive(frame: Frame, rows: Rows) -> Truth:
            n = _count(frame, rows)
            parity = np.zeros(n, dtype=bool)
            unknown = np.zeros(n, dtype=bool)
            for part in parts:
                t, u = part(frame, rows)
                parity ^= t
                unknown |= u
            return parity & ~unknown, unknown

        return exclusive
    if operator == "surrogate":

        def surrogate(frame: Frame, rows: Rows) -> Truth:
            n = _count(frame, rows)
            true = np.zeros(n, dtype=bool)
            unknown = np.ones(n, dtype=bool)
            for part in parts:
                t, u = part(frame, rows)
                # The first part that is not UNKNOWN decides for a row.
                true |= unknown & t
                unknown &= u
            return true, unknown

        return surrogate
    raise Unsupported(f"CompoundPredicate booleanOperator={operator!r}")
