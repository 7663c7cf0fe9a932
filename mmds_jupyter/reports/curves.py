"""The numbers behind every curve of a report, computed once here from stored predictions.

Binary curves take the true labels as booleans (the positive class) and the score (the positive
class's probability). They follow scikit-learn's definitions (``roc_curve`` and
``precision_recall_curve`` without dropping intermediate points, ``calibration_curve`` with uniform
bins), which the tests check; lift, cumulative gains and KS follow the usual credit-scoring ones:
the population ranked by score, best first, in ``n`` groups of equal size.
"""

from __future__ import annotations

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


def _weighted_auc(groups: np.ndarray, pos: np.ndarray, w: np.ndarray, n_groups: int) -> float:
    """AUC under row weights ``w``: rows grouped by distinct score (ascending ``groups``)."""
    pw = np.bincount(groups, weights=w * pos, minlength=n_groups)
    nw = np.bincount(groups, weights=w * ~pos, minlength=n_groups)
    below = np.cumsum(nw) - nw
    total = pw.sum() * nw.sum()
    return float((pw * (below + 0.5 * nw)).sum() / total) if total > 0 else float("nan")


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


def paired_bootstrap(
    metric: str,
    y: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    replicates: int = 200,
) -> Interval:
    """Metric of ``b`` minus metric of ``a`` on the same rows, with a 95% percentile interval
    from a bootstrap of the rows (each replicate weighs every row by how often a draw of n
    rows with replacement took it, so that a replicate is one pass over the rows).

    ``metric`` is ``roc_auc`` (a, b: scores, y: booleans), ``accuracy`` (a, b: predictions),
    ``rmse`` or ``mae`` (a, b: predictions of a number)."""
    rng = np.random.default_rng(0)
    n = y.shape[0]
    if metric == "roc_auc":
        pos = np.asarray(y, bool)
        ga, gb = _levels(a), _levels(b)
        na, nb = int(ga.max()) + 1, int(gb.max()) + 1

        def value(w: np.ndarray) -> float:
            return _weighted_auc(gb, pos, w, nb) - _weighted_auc(ga, pos, w, na)

    elif metric == "accuracy":
        da = (a == y).astype("float64")
        db = (b == y).astype("float64")

        def value(w: np.ndarray) -> float:
            return float(((db - da) * w).sum() / w.sum())

    elif metric in ("rmse", "mae"):
        ea = (a - y) ** 2 if metric == "rmse" else np.abs(a - y)
        eb = (b - y) ** 2 if metric == "rmse" else np.abs(b - y)
        root = np.sqrt if metric == "rmse" else (lambda v: v)

        def value(w: np.ndarray) -> float:
            s = w.sum()
            return float(root((eb * w).sum() / s) - root((ea * w).sum() / s))

    else:
        raise ValueError(f"no paired bootstrap for {metric}")
    point = value(np.ones(n))
    draws = np.array(
        [
            value(np.bincount(rng.integers(0, n, n), minlength=n).astype("float64"))
            for _ in range(replicates)
        ]
    )
    draws = draws[np.isfinite(draws)]
    low, high = np.percentile(draws, [2.5, 97.5]) if draws.size else (np.nan, np.nan)
    return Interval(metric, point, float(low), float(high), int(draws.size))
