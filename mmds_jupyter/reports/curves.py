"""The numbers behind every curve of a report, computed once here from stored predictions.

Binary curves take the true labels as booleans (the positive class) and the score (the positive
class's probability). They follow scikit-learn's definitions (``roc_curve`` and
``precision_recall_curve`` without dropping intermediate points, ``calibration_curve`` with uniform
bins), which the tests check; lift, cumulative gains and KS follow the usual credit-scoring ones:
the population ranked by score, best first, in ``n`` groups of equal size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np


def _counts(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives at each distinct threshold, from the highest score down."""
    order = np.argsort(score, kind="mergesort")[::-1]
    s, t = score[order], y[order].astype("float64")
    last = np.r_[np.flatnonzero(np.diff(s)), t.size - 1]
    tps = np.cumsum(t)[last]
    fps = 1 + last - tps
    return tps, fps, s[last]


def roc(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False positive rate, true positive rate and thresholds (first point (0, 0) at +inf)."""
    tps, fps, thr = _counts(np.asarray(y, bool), np.asarray(score, "float64"))
    tps, fps = np.r_[0, tps], np.r_[0, fps]
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    return fpr, tpr, np.r_[np.inf, thr]


def auc(y: np.ndarray, score: np.ndarray) -> float:
    fpr, tpr, _ = roc(y, score)
    return float(np.trapezoid(tpr, fpr))


def precision_recall(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall, recall decreasing, ending at (precision 1, recall 0)."""
    tps, fps, _ = _counts(np.asarray(y, bool), np.asarray(score, "float64"))
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    recall = tps / tps[-1] if tps[-1] > 0 else np.ones_like(tps)
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]


def calibration(
    y: np.ndarray, prob: np.ndarray, n_bins: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed share of positives, mean predicted probability and row count per non-empty
    bin of equal width (the reliability diagram)."""
    prob = np.asarray(prob, "float64")
    bins = np.linspace(0.0, 1.0, n_bins + 1)
    ids = np.searchsorted(bins[1:-1], prob)
    total = np.bincount(ids, minlength=n_bins).astype("float64")
    sums = np.bincount(ids, weights=prob, minlength=n_bins)
    trues = np.bincount(ids, weights=np.asarray(y, bool), minlength=n_bins)
    keep = total != 0
    return trues[keep] / total[keep], sums[keep] / total[keep], total[keep]


def gains(y: np.ndarray, score: np.ndarray, n: int = 10) -> dict[str, np.ndarray]:
    """The population ranked by score (best first) in ``n`` groups of equal size: per group
    its share of the population so far, the share of all positives captured so far
    (cumulative gains), the lift of the group and the cumulative lift."""
    y = np.asarray(y, bool)
    order = np.argsort(-np.asarray(score, "float64"), kind="mergesort")
    ranked = y[order]
    edges = np.round(np.linspace(0, y.size, n + 1)).astype(int)
    positives = max(int(y.sum()), 1)
    rate = positives / max(y.size, 1)
    cum = np.cumsum(ranked)
    captured = np.array([cum[e - 1] if e > 0 else 0 for e in edges[1:]], "float64")
    in_group = np.diff(np.r_[0.0, captured])
    sizes = np.diff(edges).astype("float64")
    population = edges[1:] / y.size
    return {
        "population": population,
        "gain": captured / positives,
        "lift": np.divide(in_group / np.maximum(sizes, 1), rate),
        "cumulative_lift": (captured / positives) / population,
    }


def ks(y: np.ndarray, score: np.ndarray) -> tuple[float, float]:
    """The Kolmogorov-Smirnov statistic (largest gap between the score's distributions among
    positives and negatives, i.e. max(tpr - fpr)) and the threshold where it is reached."""
    fpr, tpr, thr = roc(y, score)
    gap = tpr - fpr
    i = int(np.nanargmax(gap))
    return float(gap[i]), float(thr[i])


def confusion(y: np.ndarray, pred: np.ndarray, classes: list[Any]) -> np.ndarray:
    """Counts of (true class, predicted class), rows and columns in the order of ``classes``."""
    import pandas as pd

    k = len(classes)
    yi = pd.Categorical(y, categories=classes).codes.astype("int64")
    pi = pd.Categorical(pred, categories=classes).codes.astype("int64")
    ok = (yi >= 0) & (pi >= 0)
    return np.bincount(yi[ok] * k + pi[ok], minlength=k * k).reshape(k, k)


def histogram(values: np.ndarray, bins: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Share of ``values`` in each of ``bins`` equal bins over [0, 1] (a score's distribution)."""
    counts, edges = np.histogram(np.clip(values, 0, 1), bins=bins, range=(0.0, 1.0))
    return edges, counts / max(values.size, 1)


def error_by_decile(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean absolute error in each decile of the prediction (lowest first), and each decile's
    mean prediction."""
    order = np.argsort(pred, kind="mergesort")
    groups = np.array_split(order, 10)
    err = np.array([np.abs(y[g] - pred[g]).mean() if g.size else np.nan for g in groups])
    mid = np.array([pred[g].mean() if g.size else np.nan for g in groups])
    return mid, err


# -- paired bootstrap --------------------------------------------------------------------------


@dataclass
class Interval:
    """A difference of a metric between two versions on the same rows, with its 95% interval."""

    metric: str
    difference: float
    low: float
    high: float
    replicates: int


# Replicates drawn and measured together: a chunk's draws are CHUNK x n row numbers.
CHUNK = 25


def _draws(n: int, replicates: int) -> Iterator[np.ndarray]:
    """The bootstrap's draws, ``CHUNK`` replicates at a time: each replicate is the row numbers
    of a draw of n rows with replacement, those of one ``integers(0, n, n)`` per replicate from a
    generator seeded 0 (made in one call per chunk, which gives the same numbers)."""
    rng = np.random.default_rng(0)
    done = 0
    while done < replicates:
        c = min(CHUNK, replicates - done)
        yield rng.integers(0, n, (c, n), dtype=np.int32)
        done += c


class _WeightedAUC:
    """AUC of one score in each replicate of a chunk: the drawn rows counted per distinct score
    level (ascending), positives and negatives apart, in one bincount for the chunk."""

    def __init__(self, score: np.ndarray, pos: np.ndarray) -> None:
        groups = _levels(score)
        self.n_groups = int(groups.max()) + 1
        # each row's bin: its level, negatives and positives apart (one gather per draw)
        self.bins = (groups * 2 + pos).astype(np.int32)

    def __call__(self, d: np.ndarray) -> np.ndarray:
        c, k = d.shape[0], self.n_groups
        key = self.bins[d] + (np.arange(c, dtype=np.int32) * (2 * k))[:, None]
        counts = np.bincount(key.ravel(), minlength=c * k * 2).reshape(c, k, 2).astype("float64")
        nw, pw = counts[:, :, 0], counts[:, :, 1]
        below = np.cumsum(nw, axis=1) - nw
        total = pw.sum(axis=1) * nw.sum(axis=1)
        num = (pw * (below + 0.5 * nw)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, num / np.where(total > 0, total, 1), np.nan)


# Distinct score levels a bootstrap replicate ranks by: replicates cost one pass over the levels,
# and 2,000 quantiles move an AUC by well under its interval's width.
LEVELS = 2_000


def _levels(score: np.ndarray) -> np.ndarray:
    """Each score's rank among its distinct values, or among ``LEVELS`` quantiles of them."""
    codes = np.unique(score, return_inverse=True)[1].ravel()
    if int(codes.max()) < LEVELS:
        return codes
    edges = np.unique(np.quantile(score, np.linspace(0, 1, LEVELS + 1)[1:-1]))
    return np.searchsorted(edges, score, side="right")


Measure = Callable[[np.ndarray], np.ndarray]


def _measure(metric: str, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> Measure:
    """The difference of ``metric`` (b minus a) in each replicate of a chunk of draws."""
    if metric == "roc_auc":
        pos = np.asarray(y, bool)
        auc_a, auc_b = _WeightedAUC(a, pos), _WeightedAUC(b, pos)
        return lambda d: auc_b(d) - auc_a(d)
    if metric == "accuracy":
        diff = (b == y).astype("float64") - (a == y).astype("float64")
        return lambda d: diff[d].sum(axis=1) / d.shape[1]
    if metric in ("rmse", "mae"):
        ea = (a - y) ** 2 if metric == "rmse" else np.abs(a - y)
        eb = (b - y) ** 2 if metric == "rmse" else np.abs(b - y)
        root = np.sqrt if metric == "rmse" else (lambda v: v)

        def value(d: np.ndarray) -> np.ndarray:
            n = d.shape[1]
            return np.asarray(root(eb[d].sum(axis=1) / n) - root(ea[d].sum(axis=1) / n))

        return value
    raise ValueError(f"no paired bootstrap for {metric}")


def paired_bootstraps(
    pairs: dict[Any, tuple[str, np.ndarray, np.ndarray, np.ndarray]], replicates: int = 200
) -> dict[Any, Interval]:
    """:func:`paired_bootstrap` of several (metric, y, a, b) on the same rows, from one set of
    draws (each alone would draw the same ones)."""
    if not pairs:
        return {}
    sizes = {y.shape[0] for _, y, _, _ in pairs.values()}
    if len(sizes) != 1:
        raise ValueError("paired bootstraps resample one set of rows")
    n = sizes.pop()
    measures = {k: (m, _measure(m, y, a, b)) for k, (m, y, a, b) in pairs.items()}
    every_row = np.arange(n, dtype=np.int32)[None, :]
    points = {k: float(f(every_row)[0]) for k, (_, f) in measures.items()}
    draws: dict[Any, list[np.ndarray]] = {k: [] for k in pairs}
    for d in _draws(n, replicates):
        for k, (_, f) in measures.items():
            draws[k].append(f(d))
    out = {}
    for k, (metric, _) in measures.items():
        d = np.concatenate(draws[k])
        d = d[np.isfinite(d)]
        low, high = np.percentile(d, [2.5, 97.5]) if d.size else (np.nan, np.nan)
        out[k] = Interval(metric, points[k], float(low), float(high), int(d.size))
    return out


def paired_bootstrap(
    metric: str,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    replicates: int = 200,
) -> Interval:
    """Metric of ``b`` minus metric of ``a`` on the same rows, with a 95% percentile interval
    from a bootstrap of the rows (each replicate weighs every row by how often a draw of n
    rows with replacement took it; the replicates are measured a chunk at a time, each metric
    in a few array operations over the chunk's draws).

    ``metric`` is ``roc_auc`` (a, b: scores, y: booleans), ``accuracy`` (a, b: predictions),
    ``rmse`` or ``mae`` (a, b: predictions of a number)."""
    return paired_bootstraps({0: (metric, y, a, b)}, replicates)[0]
