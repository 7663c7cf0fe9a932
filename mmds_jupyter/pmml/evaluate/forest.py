"""All trees of an ensemble walked together: one (rows x trees) node matrix per depth step."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .frame import Frame
from .prediction import Prediction, argmax_classes
from .tree import TreeModel
from .tree_paths import BLOCK_ELEMENTS, stack_block

# Depth from which finished (row, tree) pairs are dropped; shallower levels rarely end a path.
COMPACT_FROM = 6

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
    numpy's gathers and comparisons release the GIL, so blocks overlap."""
    global _POOL, _POOL_SIZE
    if _POOL is None or n != _POOL_SIZE:
        if _POOL is not None:
            _POOL.shutdown(wait=False)
        _POOL, _POOL_SIZE = ThreadPoolExecutor(n, thread_name_prefix="mmds-pmml"), n
    return _POOL


@dataclass
class Forest:
    """Concatenated binary-split arrays of every tree in a sum/average segmentation."""

    fields: list[str]
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    first: np.ndarray
    leaf_value: np.ndarray  # regression: score per global node
    leaf_probability: np.ndarray  # classification: (global node, class)
    weights: np.ndarray
    depth: int
    is_leaf: np.ndarray

    def _walk(self, flat: np.ndarray, rows: int, width: int) -> np.ndarray:
        """Final node of every (row, tree) pair of a block, as a (rows, trees) matrix.

        Gathers are ``np.take(..., mode="clip")``: every index is a node or cell of this block
        by construction, and skipping numpy's bounds check makes each level about a fifth
        faster than fancy indexing.
        """
        take = np.take
        trees = len(self.roots)
        out = np.empty(rows * trees, dtype=np.intp)
        node = np.tile(self.roots, rows)
        base = np.repeat(np.arange(rows, dtype=np.intp) * width, trees)
        position = np.arange(rows * trees, dtype=np.intp)
        feature, threshold, first, leaf = self.feature, self.threshold, self.first, self.is_leaf
        for level in range(self.depth):
            cell = take(feature, node, mode="clip")
            cell += base
            right = np.greater(take(flat, cell, mode="clip"), take(threshold, node, mode="clip"))
            node = take(first, node, mode="clip")
            node += right
            # Most pairs reach a leaf long before the deepest one: drop them every other level
            # so that later levels only touch pairs still descending.
            if level >= COMPACT_FROM and level % 2 == 0:
                done = take(leaf, node, mode="clip")
                finished = np.flatnonzero(done)
                if finished.size:
                    out[take(position, finished)] = take(node, finished)
                    active = np.flatnonzero(~done)
                    node, base, position = (
                        take(node, active),
                        take(base, active),
                        take(position, active),
                    )
                    if node.size == 0:
                        break
        out[position] = node
        return out.reshape(rows, trees)

    def run(self, frame: Frame, model: MiningModel) -> Prediction | None:
        """The combined prediction, or None when inputs have missing values (general path)."""
        columns = [frame.get(f) for f in self.fields]
        for column in columns:
            if np.isnan(column).any():
                return None
        n, trees = frame.n, len(self.roots)
        k = len(model.classes)
        out = np.empty((n, max(k, 1)))
        block = max(256, BLOCK_ELEMENTS // trees)
        width = max(1, len(columns))
        regression = model.function == "regression"
        # One contiguous leaf-value array per output, gathered with a (rows, trees) node matrix.
        leaves = (
            [self.leaf_value]
            if regression
            else [np.ascontiguousarray(self.leaf_probability[:, c]) for c in range(k)]
        )
        # sum and average add the trees (average then divides); anything else here is a
        # weighted average (for classification, only average is unweighted).
        plain = model.method == "average" or (regression and model.method == "sum")
        weighted = not plain
        scale = self.weights.sum() if weighted else (1.0 if model.method == "sum" else trees)

        def score_block(start: int) -> None:
            stop = min(n, start + block)
            flat = stack_block(columns, start, stop).ravel()
            node = self._walk(flat, stop - start, width)
            for c, values in enumerate(leaves):
                chosen = np.take(values, node, mode="clip")
                total = chosen @ self.weights if weighted else chosen.sum(axis=1)
                out[start:stop, c] = total / scale

        starts = range(0, n, block)
        threads = workers()
        if threads > 1 and len(starts) > 1:
            # Each block writes its own rows of `out`; list() re-raises a block's error.
            list(_pool(threads).map(score_block, starts))
        else:
            for start in starts:
                score_block(start)
        if regression:
            return Prediction(out[:, 0])
        by_class = {c: out[:, i] for i, c in enumerate(model.classes)}
        return Prediction(argmax_classes(by_class, model.classes, n), by_class)


def compile_forest(model: MiningModel) -> Forest | None:
    """A Forest when every segment is an always-true tree with binary splits; else None."""
    trees: list[TreeModel] = []
    for segment in model.segments:
        tree = segment.model
        if not (
            segment.is_true
            and isinstance(tree, TreeModel)
            and tree.binary is not None
            and tree.function == model.function
            and tree.classes == model.classes
            and not tree.has_preparation()
        ):
            return None
        trees.append(tree)
    fields = sorted({f for t in trees for f in t.binary.fields})  # type: ignore[union-attr]
    index = {f: i for i, f in enumerate(fields)}
    roots, features, thresholds, firsts, values, probabilities = [], [], [], [], [], []
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
        if tree.function == "regression":
            v = tree.score_values[np.maximum(original, 0)].copy()
            v[original < 0] = np.nan
            values.append(v)
        else:
            p = tree.probability[np.maximum(original, 0)].copy()
            p[original < 0] = np.nan
            probabilities.append(p)
        offset += len(splits.first)
    k = len(model.classes)
    first = np.concatenate(firsts)
    return Forest(
        fields=fields,
        roots=np.array(roots, dtype=np.intp),
        feature=np.concatenate(features),
        threshold=np.concatenate(thresholds),
        first=first,
        leaf_value=np.concatenate(values) if values else np.zeros(0),
        leaf_probability=np.concatenate(probabilities) if probabilities else np.zeros((0, k)),
        weights=np.array([s.weight for s in model.segments]),
        depth=max(t.binary.depth for t in trees),  # type: ignore[union-attr]
        is_leaf=first == np.arange(len(first)),
    )
