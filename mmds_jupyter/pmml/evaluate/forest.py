"""All trees of an ensemble scored together, over blocks of rows.

Large inputs go to a compiled walk of every tree (`forest_jit`, numba) when it is available.
Otherwise numpy scores each block in two stages. The top levels of every tree are decided by
whole-column comparisons: each split near the root compares one contiguous input column with
its threshold, and the outcomes are combined as bit masks over the tree's top leaves (the
QuickScorer idea: a split that sends a row right rules out the leaves of its left subtree,
and the row ends in the leftmost leaf not ruled out). Trees of gradient boosting (depth 3 by
default) end there. Deeper trees go on from those nodes with a gather walk: one (trees x rows)
node matrix, advanced one depth step at a time, finished pairs dropped as they reach leaves.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import forest_jit
from .frame import Frame
from .prediction import Prediction, argmax_classes
from .tree import TreeModel
from .tree_paths import BLOCK_ELEMENTS, split_columns, stack_block

# Levels decided by column comparisons; their 2**3 top leaves fit a uint8 bit mask.
TOP_LEVELS = 3
# Rows per block: enough that the comparisons' per-call cost in Python is small.
TOP_BLOCK = 1 << 15
# Below this many rows a block walks from the roots: the comparisons would cost more in calls
# than they save.
TOP_MIN_ROWS = 1 << 11
# Depth from which finished (tree, row) pairs are dropped, and every how many levels; shallower
# levels rarely end a path, and each drop costs about half a level.
COMPACT_FROM = 8
COMPACT_EVERY = 3
# Index of the lowest zero bit of every uint8: the top leaf a row ends in, given the top leaves
# ruled out.
_FIRST_OPEN = np.array(
    [next((b for b in range(8) if not (s >> b) & 1), 7) for s in range(256)], dtype=np.intp
)

if TYPE_CHECKING:
    from .mining import MiningModel

_POOL: ThreadPoolExecutor | None = None
_POOL_SIZE = 0


def workers() -> int:
    """Threads that walk blocks at once: the CPUs this process may use (MMDS_PMML_THREADS)."""
    configured = os.environ.get("MMDS_PMML_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _pool(n: int) -> ThreadPoolExecutor:
    """One shared pool of ``workers()`` threads (a new one only when that setting changes);
    numpy's gathers and comparisons and the compiled kernel release the GIL, so blocks overlap."""
    global _POOL, _POOL_SIZE
    if _POOL is None or n != _POOL_SIZE:
        if _POOL is not None:
            _POOL.shutdown(wait=False)
        _POOL, _POOL_SIZE = ThreadPoolExecutor(n, thread_name_prefix="mmds-pmml"), n
    return _POOL


def _in_blocks(score_block: Callable[[int], None], starts: range) -> None:
    """Run score_block for every start, on the shared pool when there are threads to use."""
    threads = workers()
    if threads > 1 and len(starts) > 1:
        # Each block writes its own rows of the output; list() re-raises a block's error.
        list(_pool(threads).map(score_block, starts))
    else:
        for start in starts:
            score_block(start)


@dataclass
class TopSplits:
    """A tree's splits above depth TOP_LEVELS, as bit masks over its top leaves (in order)."""

    splits: list[tuple[int, float, np.uint8]]  # (column, threshold, top leaves left of split)
    node_of: np.ndarray  # 256 entries: the forest node for each set of ruled-out top leaves


@dataclass
class Forest:
    """Concatenated binary-split arrays of every tree in a sum/average segmentation."""

    fields: list[str]
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    first: np.ndarray
    leaves: np.ndarray  # (global node, output): the score, or each class's probability
    weights: np.ndarray
    depth: int
    is_leaf: np.ndarray
    top: list[TopSplits]

    def _top(self, columns: list[np.ndarray], rows: int) -> np.ndarray:
        """The (trees, rows) node matrix after the top levels, from column comparisons."""
        node = np.empty((len(self.top), rows), dtype=np.intp)
        ruled_out = np.empty(rows, dtype=np.uint8)
        right = np.empty(rows, dtype=bool)
        bits = np.empty(rows, dtype=np.uint8)
        greater, multiply, bitwise_or = np.greater, np.multiply, np.bitwise_or
        for t, tree in enumerate(self.top):
            ruled_out.fill(0)
            for column, threshold, left_leaves in tree.splits:
                greater(columns[column], threshold, out=right)
                multiply(right, left_leaves, out=bits)
                bitwise_or(ruled_out, bits, out=ruled_out)
            np.take(tree.node_of, ruled_out, out=node[t])
        return node

    def _walk(self, flat: np.ndarray, node: np.ndarray, rows: int, width: int, level: int) -> None:
        """Walk a (trees, rows) node matrix, already at depth `level`, down to the leaves.

        Gathers are ``np.take(..., mode="clip")``: every index is a node or cell of this block
        by construction, and skipping numpy's bounds check makes each level about a fifth
        faster than fancy indexing.
        """
        take = np.take
        out = node.reshape(-1)
        pairs = out.copy()
        base = np.tile(np.arange(rows, dtype=np.intp) * width, len(self.roots))
        position = np.arange(out.size, dtype=np.intp)
        feature, threshold, first, leaf = self.feature, self.threshold, self.first, self.is_leaf
        for depth in range(level, self.depth):
            cell = take(feature, pairs, mode="clip")
            cell += base
            right = np.greater(take(flat, cell, mode="clip"), take(threshold, pairs, mode="clip"))
            pairs = take(first, pairs, mode="clip")
            pairs += right
            # Most pairs reach a leaf long before the deepest one: drop them now and then so
            # that later levels only touch pairs still descending.
            if depth >= COMPACT_FROM and (depth - COMPACT_FROM) % COMPACT_EVERY == 0:
                done = take(leaf, pairs, mode="clip")
                finished = np.flatnonzero(done)
                if finished.size:
                    out[take(position, finished)] = take(pairs, finished)
                    active = np.flatnonzero(~done)
                    pairs, base, position = (
                        take(pairs, active),
                        take(base, active),
                        take(position, active),
                    )
                    if pairs.size == 0:
                        return
        out[position] = pairs

    def run(self, frame: Frame, model: MiningModel) -> Prediction | None:
        """The combined prediction, or None when inputs have missing values (general path)."""
        columns = split_columns(frame, self.fields)
        for column in columns:
            if np.isnan(column).any():
                return None
        n, trees = frame.n, len(self.roots)
        k = len(model.classes)
        out = np.empty((n, max(k, 1)))
        # Rows per walk step: the (tree, row) pair arrays stay inside the CPU cache.
        step = max(256, BLOCK_ELEMENTS // trees)
        width = max(1, len(columns))
        regression = model.function == "regression"
        # sum and average add the trees (average then divides); anything else here is a
        # weighted average (for classification, only average is unweighted).
        plain = model.method == "average" or (regression and model.method == "sum")
        weighted = not plain
        scale = self.weights.sum() if weighted else (1.0 if model.method == "sum" else trees)

        compiled = forest_jit.kernel(n * trees)
        if compiled is not None:
            per_tree = self.weights if weighted else np.ones(trees)

            def compiled_block(start: int) -> None:
                stop = min(n, start + forest_jit.JIT_BLOCK)
                x = stack_block(columns, start, stop)
                arrays = (self.roots, self.feature, self.threshold, self.first, self.is_leaf)
                compiled(x, *arrays, self.leaves, per_tree, out[start:stop])
                out[start:stop] /= scale

            _in_blocks(compiled_block, range(0, n, forest_jit.JIT_BLOCK))
        else:
            # One contiguous leaf-value array per output, gathered with a (trees, rows) matrix.
            by_output = list(np.ascontiguousarray(self.leaves.T))

            def numpy_block(start: int) -> None:
                stop = min(n, start + TOP_BLOCK)
                rows = stop - start
                block = [c[start:stop] for c in columns]
                if rows >= TOP_MIN_ROWS:
                    node, level = self._top(block, rows), TOP_LEVELS
                else:
                    node, level = np.repeat(self.roots, rows).reshape(trees, rows), 0
                for first in range(0, rows, step):
                    last = min(rows, first + step)
                    part = np.ascontiguousarray(node[:, first:last])
                    if level < self.depth:
                        flat = stack_block(block, first, last).ravel()
                        self._walk(flat, part, last - first, width, level)
                    for c, values in enumerate(by_output):
                        chosen = np.take(values, part, mode="clip")
                        total = self.weights @ chosen if weighted else chosen.sum(axis=0)
                        out[start + first : start + last, c] = total / scale

            _in_blocks(numpy_block, range(0, n, TOP_BLOCK))
        if regression:
            return Prediction(out[:, 0])
        by_class = {c: out[:, i] for i, c in enumerate(model.classes)}
        return Prediction(argmax_classes(by_class, model.classes, n), by_class)


def _top_splits(forest: Forest, root: int) -> TopSplits:
    """The splits of one tree above depth TOP_LEVELS, numbered against its top leaves.

    Top leaves are the tree's leaves above that depth and its nodes at that depth, left to
    right; each split records the top leaves of its left subtree, which a row sent right
    cannot end in.
    """
    top_leaves: list[int] = []
    splits: list[tuple[int, float, np.uint8]] = []

    def visit(node: int, depth: int) -> None:
        if forest.is_leaf[node] or depth == TOP_LEVELS:
            top_leaves.append(node)
            return
        left = int(forest.first[node])
        before = len(top_leaves)
        visit(left, depth + 1)
        left_leaves = sum(1 << i for i in range(before, len(top_leaves)))
        splits.append(
            (int(forest.feature[node]), float(forest.threshold[node]), np.uint8(left_leaves))
        )
        visit(left + 1, depth + 1)

    visit(root, 0)
    return TopSplits(splits, np.take(np.array(top_leaves, dtype=np.intp), _FIRST_OPEN, mode="clip"))


def compile_forest(model: MiningModel) -> Forest | None:
    """A Forest when every segment is an always-true tree with binary splits; else None."""
    trees: list[TreeModel] = []
    for segment in model.segments:
        tree = segment.model
        if not (
            segment.is_true
            and isinstance(tree, TreeModel)
            and tree.binary is not None
            and not tree.binary.ends_without_prediction
            and tree.function == model.function
            and tree.classes == model.classes
            and not tree.has_preparation()
        ):
            return None
        trees.append(tree)
    fields = sorted({f for t in trees for f in t.binary.fields})  # type: ignore[union-attr]
    index = {f: i for i, f in enumerate(fields)}
    roots, features, thresholds, firsts, leaves = [], [], [], [], []
    offset = 0
    for tree in trees:
        splits = tree.binary
        assert splits is not None
        local = np.array([index[f] for f in splits.fields] or [0], dtype=np.intp)
        roots.append(offset)
        features.append(local[splits.feature] if splits.fields else splits.feature)
        thresholds.append(splits.threshold)
        firsts.append(splits.first + offset)
        original = splits.original
        table = tree.score_values[:, None] if tree.function == "regression" else tree.probability
        leaf = table[np.maximum(original, 0)].astype(np.float64)
        leaf[original < 0] = np.nan
        leaves.append(leaf)
        offset += len(splits.first)
    first = np.concatenate(firsts)
    forest = Forest(
        fields=fields,
        roots=np.array(roots, dtype=np.intp),
        feature=np.concatenate(features),
        threshold=np.concatenate(thresholds),
        first=first,
        leaves=np.ascontiguousarray(np.concatenate(leaves)),
        weights=np.array([s.weight for s in model.segments]),
        depth=max(t.binary.depth for t in trees),  # type: ignore[union-attr]
        is_leaf=first == np.arange(len(first)),
        top=[],
    )
    forest.top = [_top_splits(forest, int(root)) for root in forest.roots]
    return forest
