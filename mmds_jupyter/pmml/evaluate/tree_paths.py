"""Two ways down a tree: compiled binary splits over a feature matrix, or general predicates.

Both are vectorized over rows: the binary path iterates over tree depth with arrays of split
feature, threshold and first child per node; the general path visits each node once with the
index array of the rows that reached it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..node_table import SIMPLE, TRUE
from .frame import Frame

if TYPE_CHECKING:
    from .tree import TreeModel

# Rows per block for the level-by-level loop; keeps the working arrays inside the CPU cache.
BLOCK_ELEMENTS = 1 << 18
_COMPLEMENT = {
    "lessOrEqual": "greaterThan",
    "greaterThan": "lessOrEqual",
    "lessThan": "greaterOrEqual",
    "greaterOrEqual": "lessThan",
}
STOP = -2
NULL = -1


@dataclass
class BinarySplits:
    """A tree whose every split is `field <op> value` versus its complement (or True)."""

    fields: list[str]
    feature: np.ndarray  # per fast node: index into fields
    threshold: np.ndarray  # go to first+1 when x > threshold
    first: np.ndarray  # fast index of the child taken when x <= threshold
    on_missing: np.ndarray  # fast index to go to when x is missing (null sink, or itself)
    by_default: np.ndarray  # True where on_missing is a defaultChild step (for the penalty)
    original: np.ndarray  # fast index -> node number (-1 for the null sink)
    depth: int
    missing_needs_general: bool
    ends_without_prediction: bool  # some path ends in no child and returnNullPrediction

    def run(self, frame: Frame, tree: TreeModel) -> tuple[np.ndarray, np.ndarray] | None:
        """Final node number per row (-1 for none) and defaultChild counts; None to go general."""
        columns = split_columns(frame, self.fields)
        n = frame.n
        final = np.empty(n, dtype=np.intp)
        penalties = np.zeros(n)
        block = max(1024, BLOCK_ELEMENTS)
        for start in range(0, n, block):
            stop = min(n, start + block)
            matrix = stack_block(columns, start, stop)
            has_missing = bool(np.isnan(matrix).any())
            if has_missing and self.missing_needs_general:
                return None
            node = np.zeros(stop - start, dtype=np.intp)
            base = np.arange(stop - start, dtype=np.intp) * max(1, len(columns))
            flat = matrix.ravel()
            for _ in range(self.depth):
                x = flat[base + self.feature[node]]
                step = self.first[node] + (x > self.threshold[node])
                if has_missing:
                    missing = np.isnan(x)
                    if missing.any():
                        penalties[start:stop] += missing & self.by_default[node]
                        step = np.where(missing, self.on_missing[node], step)
                node = step
            final[start:stop] = self.original[node]
        return final, penalties


# Joins a string field and a category into the name of its 0/1 indicator column ("field is
# category"); XML forbids this character in names, so no field can carry it.
INDICATOR = "\x1f"


def split_columns(frame: Frame, fields: list[str]) -> list[np.ndarray]:
    """The float columns that splits compare: input fields, and indicators of categories (1.0
    where the string field has the category, 0.0 where another, NaN where missing)."""
    columns = []
    for name in fields:
        field, _, category = name.partition(INDICATOR)
        values = frame.get(field)
        if field != name:
            values = np.where(pd.isna(values), np.nan, (values == category).astype(float))
        columns.append(values)
    return columns


def stack_block(columns: list[np.ndarray], start: int, stop: int) -> np.ndarray:
    """Rows start:stop of the columns as a C-ordered float matrix."""
    if not columns:
        return np.zeros((stop - start, 1))
    return np.column_stack([c[start:stop] for c in columns]).astype(float, copy=False)


def compile_binary_splits(tree: TreeModel) -> BinarySplits | None:
    """Compile a tree to BinarySplits, or None when any split has another shape.

    A node whose children test `x <op> v` in turn (JPMML writes these: "if A, else if B, ...")
    becomes a chain of binary splits through extra fast nodes, one per test after the first;
    they stand for their node when a walk stops there. When no True child ends the chain, a
    row that passes every test ends in a last fast node: its node's own prediction under
    returnLastPrediction, none under returnNullPrediction.
    """
    nodes = tree.nodes
    starts = nodes.child_start.tolist()
    kids = nodes.child_index.tolist()
    tests_of = _SimpleTests(tree)
    shapes: dict[int, tuple[list[tuple[str, float, bool]], str]] = {}
    for node in range(len(nodes)):
        children = kids[starts[node] : starts[node + 1]]
        if not children:
            continue
        shape = _binary_split(children, tests_of)
        if shape is None:
            return None
        shapes[node] = shape
    fields = sorted({test[0] for tests, _ in shapes.values() for test in tests})
    field_index = {f: i for i, f in enumerate(fields)}
    # Renumber breadth-first so that each split's two children sit side by side. A fast node
    # is (node, step): step 0 is the node itself, step j > 0 the chain link testing child j,
    # and step len(tests) (without a closing child) where a row that passed every test ends.
    order: list[tuple[int, int]] = [(0, 0)]
    level = [0]
    first_child: dict[int, int] = {}
    last_prediction = tree.no_true_child == "returnLastPrediction"
    i = 0
    while i < len(order):
        node, step = order[i]
        tests, closing = shapes.get(node, ([], "open"))
        if step < len(tests):
            _, _, swap = tests[step]
            taken = (kids[starts[node] + step], 0)
            if step + 1 < len(tests):
                rest = (node, step + 1)
            else:
                rest = (node, len(tests)) if closing == "open" else (kids[starts[node + 1] - 1], 0)
            first_child[i] = len(order)
            order += [rest, taken] if swap else [taken, rest]
            level += [level[i] + 1] * 2
        i += 1
    fast_of = {node: k for k, (node, step) in enumerate(order) if step == 0}
    count = len(order)
    null_sink = count
    feature = np.zeros(count + 1, dtype=np.intp)
    threshold = np.full(count + 1, np.inf)
    first = np.arange(count + 1, dtype=np.intp)
    on_missing = np.arange(count + 1, dtype=np.intp)
    by_default = np.zeros(count + 1, dtype=bool)
    ended = [node in shapes and step == len(shapes[node][0]) for node, step in order]
    original = np.array(
        [
            -1 if end and not last_prediction else node
            for (node, _), end in zip(order, ended, strict=True)
        ]
        + [-1],
        dtype=np.intp,
    )
    needs_general = False
    for k, (node, step) in enumerate(order):
        if k not in first_child:
            continue
        tests, closing = shapes[node]
        field, value, swap = tests[step]
        feature[k] = field_index[field]
        threshold[k] = value
        first[k] = first_child[k]
        if closing == "open" and len(tests) > 1:
            # Whether an UNKNOWN test stops the walk or reads as false depends on the
            # strategy and on the tests after it: the general walk knows.
            needs_general = True
            continue
        if closing == "true":
            # An UNKNOWN test is not true: the row goes on to the next test or the True child.
            on_missing[k] = first_child[k] + (0 if swap else 1)
            continue
        target = _missing_target(node, tree)
        if target is None:
            needs_general = True
        elif target == STOP:
            on_missing[k] = k
        elif target == NULL:
            on_missing[k] = null_sink
        else:
            on_missing[k] = fast_of[target]
            by_default[k] = True
    return BinarySplits(
        fields=fields,
        feature=feature,
        threshold=threshold,
        first=first,
        on_missing=on_missing,
        by_default=by_default,
        original=original,
        depth=max(level),
        missing_needs_general=needs_general,
        ends_without_prediction=any(ended) and not last_prediction,
    )


class _SimpleTests:
    """(column, operator, value) of a node's predicate when it is a SimplePredicate that
    compares a number, or tests a string for (in)equality (as its category's indicator column
    against 0.5); else None."""

    def __init__(self, tree: TreeModel) -> None:
        nodes = tree.nodes
        self.kind = nodes.predicate_kind.tolist()
        self.field = nodes.predicate_field.tolist()
        self.operator = nodes.predicate_operator.tolist()
        self.value = nodes.predicate_value
        self.fields = nodes.fields
        self.operators = nodes.operators
        self.kinds = [tree.scope.kind(name) for name in nodes.fields]

    def is_true(self, node: int) -> bool:
        return bool(self.kind[node] == TRUE)

    def __call__(self, node: int) -> tuple[str, str, float] | None:
        if self.kind[node] != SIMPLE:
            return None
        code = self.field[node]
        field = self.fields[code]
        operator = self.operators[self.operator[node]]
        kind = self.kinds[code]
        value = self.value[node]
        if kind == "num" and operator in _COMPLEMENT:
            return field, operator, float(value if value is not None else "nan")
        if kind == "str" and operator in ("equal", "notEqual") and value is not None:
            indicator = f"{field}{INDICATOR}{value}"
            return indicator, "greaterThan" if operator == "equal" else "lessOrEqual", 0.5
        return None


def _binary_split(
    children: list[int], simple_test: _SimpleTests
) -> tuple[list[tuple[str, float, bool]], str] | None:
    """The node's tests as (field, threshold in `x <= t` form, predicate child goes right?),
    and what closes them: a True child ("true"), the complement of the single test
    ("complement") or nothing ("open"); None for any other shape.

    `x <op> v` then its complement; one or more `x <op> v` tests then True; or `x <op> v`
    tests alone, after which a row has no true child.
    """
    tests = []
    for child in children[:-1]:
        test = simple_test(child)
        if test is None:
            return None
        tests.append(test)
    last = children[-1]
    if simple_test.is_true(last):
        return ([_as_split(*test) for test in tests], "true") if tests else None
    final = simple_test(last)
    if final is None:
        return None
    field, operator, value = tests[0] if tests else final
    if len(tests) == 1 and final == (field, _COMPLEMENT[operator], value):
        return [_as_split(field, operator, value)], "complement"
    # Tests only: a row that passes them all has no true child.
    return [_as_split(*test) for test in [*tests, final]], "open"


def _as_split(field: str, operator: str, value: float) -> tuple[str, float, bool]:
    """`x <op> v` as (field, t, predicate child goes right?) for the `x <= t` test."""
    # x < v is x <= (the double just below v); both then compare with <=.
    threshold = (
        np.nextafter(value, -np.inf) if operator in ("lessThan", "greaterOrEqual") else value
    )
    return field, float(threshold), operator in ("greaterThan", "greaterOrEqual")


def _missing_target(node: int, tree: TreeModel) -> int | None:
    """Where a row goes when both children are UNKNOWN: a node, STOP, NULL or None.

    Like pmml4s, a row left without a child or a prediction (nullPrediction included) then
    follows noTrueChildStrategy.
    """
    strategy = tree.strategy
    default_child = int(tree.nodes.default_child[node])
    if strategy == "defaultChild" and default_child >= 0:
        return default_child
    if strategy == "lastPrediction":
        return STOP
    if strategy in ("weightedConfidence", "aggregateNodes") and tree.function == "classification":
        return None
    return STOP if tree.no_true_child == "returnLastPrediction" else NULL


@dataclass
class WalkState:
    """Per-row results of the general walk."""

    final: np.ndarray
    penalties: np.ndarray
    override: np.ndarray
    override_confidence: np.ndarray


def walk_general(tree: TreeModel, frame: Frame) -> WalkState:
    """Walk any tree, following pmml4s's rules for UNKNOWN predicates, node by node."""
    n = frame.n
    state = WalkState(
        final=np.full(n, -1, dtype=np.intp),
        penalties=np.zeros(n),
        override=np.full(n, -1, dtype=np.intp),
        override_confidence=np.full(n, np.nan),
    )
    stack: list[tuple[int, np.ndarray]] = [(0, np.arange(n, dtype=np.intp))]
    while stack:
        node, rows = stack.pop()
        if rows.size == 0:
            continue
        children = tree.children(node)
        if not children:
            state.final[rows] = node
            continue
        pending = np.ones(rows.size, dtype=bool)
        unknown = np.zeros(rows.size, dtype=bool)
        child_unknown = []
        for child in children:
            at = np.flatnonzero(pending)
            if at.size == 0:
                break
            true, unk = tree.predicate(child)(frame, rows[at])
            stack.append((child, rows[at[true]]))
            pending[at[true]] = False
            mask = np.zeros(rows.size, dtype=bool)
            mask[at[unk]] = True
            unknown |= mask
            child_unknown.append((child, mask))
        no_true = pending & ~unknown
        undecided = pending & unknown
        _no_true_child(tree, node, rows[no_true], state)
        if undecided.any():
            _on_unknown(tree, node, rows, undecided, child_unknown, state, stack, frame)
    return state


def _no_true_child(tree: TreeModel, node: int, rows: np.ndarray, state: WalkState) -> None:
    if rows.size and tree.no_true_child == "returnLastPrediction":
        state.final[rows] = node


def _on_unknown(
    tree: TreeModel,
    node: int,
    rows: np.ndarray,
    undecided: np.ndarray,
    child_unknown: list[tuple[int, np.ndarray]],
    state: WalkState,
    stack: list[tuple[int, np.ndarray]],
    frame: Frame,
) -> None:
    strategy = tree.strategy
    target = rows[undecided]
    default_child = int(tree.nodes.default_child[node])
    if strategy == "lastPrediction":
        state.final[target] = node
    elif strategy == "defaultChild" and default_child >= 0:
        state.penalties[target] += 1
        stack.append((default_child, target))
    elif strategy == "weightedConfidence" and tree.function == "classification":
        k = len(tree.classes)
        confidence = np.zeros((target.size, k))
        for child, mask in child_unknown:
            weight = tree.nodes.record_count[child] / tree.nodes.record_count[node]
            conf = tree.confidence[child]
            confidence += np.outer(mask[undecided], conf * weight)
        _override(tree, node, target, confidence, False, state)
    elif strategy == "aggregateNodes" and tree.function == "classification":
        counts = np.zeros((target.size, len(tree.classes)))
        _aggregate(node, np.arange(target.size), target, counts, frame, tree)
        _override(tree, node, target, counts, True, state)
    else:
        _no_true_child(tree, node, target, state)


def _override(
    tree: TreeModel,
    node: int,
    target: np.ndarray,
    scores: np.ndarray,
    normalize: bool,
    state: WalkState,
) -> None:
    # A class whose score is unknown (NaN) can never win, as in pmml4s's `conf > max` loop.
    usable = np.where(np.isnan(scores), -np.inf, scores)
    best = np.argmax(usable, axis=1)
    top = usable[np.arange(target.size), best] if target.size else np.zeros(0)
    # pmml4s only picks a class whose score is strictly above zero.
    chosen = top > 0
    state.override[target[chosen]] = best[chosen]
    total = scores.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = top / total if normalize else top
    state.override_confidence[target[chosen]] = confidence[chosen]
    _no_true_child(tree, node, target[~chosen], state)


def _aggregate(
    node: int,
    slots: np.ndarray,
    rows: np.ndarray,
    counts: np.ndarray,
    frame: Frame,
    tree: TreeModel,
) -> None:
    """Add the record counts of every leaf a row can reach when UNKNOWN means 'maybe'.

    Depth first with an explicit stack (leaves in document order), as trees may be deep.
    """
    stack: list[tuple[int, np.ndarray]] = [(node, slots)]
    while stack:
        node, slots = stack.pop()
        if slots.size == 0:
            continue
        children = tree.children(node)
        if not children:
            counts[slots] += tree.counts[node]
            continue
        pending = np.ones(slots.size, dtype=bool)
        visits = []
        for child in children:
            at = np.flatnonzero(pending)
            if at.size == 0:
                break
            true, unk = tree.predicate(child)(frame, rows[slots[at]])
            visits.append((child, slots[at[true | unk]]))
            pending[at[true]] = False
        stack.extend(reversed(visits))
