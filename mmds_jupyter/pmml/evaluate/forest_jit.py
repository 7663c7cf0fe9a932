"""A compiled walk of a whole tree ensemble, for large inputs (numba).

numpy walks an ensemble one depth step at a time over (tree, row) pairs, about seven passes
over memory per step; on a deep random forest that is as fast as scikit-learn's compiled
traversal and no faster. This kernel walks every tree of a block of rows in compiled code
instead, four rows in step so that their memory reads overlap, and adds each leaf's values
into the row's totals. It reads the same arrays as the numpy walk (`Forest`) and compares the
same float64 values, so both give the same leaves.

numba compiles the kernel on first use (a few seconds) and caches the machine code on disk,
so later processes only load it (about a second with numba's import). A process starts using
it for an input large enough to repay that (`JIT_FIRST_PAIRS`); once loaded it serves any input
above `JIT_MIN_PAIRS`. ``MMDS_PMML_JIT=0`` turns it off, and without numba numpy walks.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

# Rows x trees from which a process loads the kernel: about two seconds of numpy work.
JIT_FIRST_PAIRS = 1 << 24
# Rows per call: every tree is walked over rows that stay in the CPU cache.
JIT_BLOCK = 1 << 12
# Rows x trees from which a loaded kernel is used: below, numpy's calls cost as little.
JIT_MIN_PAIRS = 1 << 14

log = logging.getLogger(__name__)
_lock = threading.Lock()
_kernel: Callable[..., None] | None = None
_failed = False


def _walk_and_add(
    x: np.ndarray,
    roots: np.ndarray,
    feature: np.ndarray,
    threshold: np.ndarray,
    first: np.ndarray,
    is_leaf: np.ndarray,
    leaves: np.ndarray,
    weights: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - runs compiled; its Python form is never called
    """out[i] = sum over trees t of weights[t] * leaves[leaf of row i in tree t].

    A leaf is its own first child with an infinite threshold, so a row that reached one stays
    there while the other rows of its group of four go on down.
    """
    n = x.shape[0]
    k = leaves.shape[1]
    out[:, :] = 0.0
    for t in range(roots.shape[0]):
        root = roots[t]
        w = weights[t]
        i = 0
        while i + 4 <= n:
            a = root
            b = root
            c = root
            d = root
            while not (is_leaf[a] and is_leaf[b] and is_leaf[c] and is_leaf[d]):
                a = first[a] + (x[i, feature[a]] > threshold[a])
                b = first[b] + (x[i + 1, feature[b]] > threshold[b])
                c = first[c] + (x[i + 2, feature[c]] > threshold[c])
                d = first[d] + (x[i + 3, feature[d]] > threshold[d])
            for j in range(k):
                out[i, j] += w * leaves[a, j]
                out[i + 1, j] += w * leaves[b, j]
                out[i + 2, j] += w * leaves[c, j]
                out[i + 3, j] += w * leaves[d, j]
            i += 4
        while i < n:
            a = root
            while not is_leaf[a]:
                a = first[a] + (x[i, feature[a]] > threshold[a])
            for j in range(k):
                out[i, j] += w * leaves[a, j]
            i += 1


def kernel(pairs: int) -> Callable[..., None] | None:
    """The compiled kernel when `pairs` (rows x trees) is worth it and numba works; else None."""
    global _kernel, _failed
    if pairs < JIT_MIN_PAIRS or os.environ.get("MMDS_PMML_JIT", "1") == "0" or _failed:
        return None
    if _kernel is None and pairs < JIT_FIRST_PAIRS:
        return None
    with _lock:
        if _kernel is None and not _failed:
            try:
                import numba

                compiled: Any = numba.njit(nogil=True, cache=True)(_walk_and_add)
                _kernel = compiled
            except Exception as error:  # numba missing or unusable here: numpy walks
                _failed = True
                log.info("PMML tree ensembles are walked by numpy: numba unavailable (%s)", error)
        return _kernel
