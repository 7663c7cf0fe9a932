"""Paired tests of two models scored on the same rows: DeLong for AUC, McNemar for accuracy,
a paired bootstrap for any other metric. Each answers the difference (b - a) and a two-sided
p-value of "no difference"."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _midranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    sorted_x = x[order]
    i = 0
    while i < len(x):
        j = i
        while j < len(x) and sorted_x[j] == sorted_x[i]:
            j += 1
        ranks[order[i:j]] = 0.5 * (i + j - 1) + 1
        i = j
    return ranks


def delong(positive: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """AUC of scores ``a`` and ``b`` on the same rows, and the p-value of DeLong's test that
    they are equal (DeLong, DeLong & Clarke-Pearson 1988, with Sun & Xu's midrank algorithm)."""
    from scipy.stats import norm

    positive = np.asarray(positive, dtype=bool)
    m, n = int(positive.sum()), int((~positive).sum())
    if m == 0 or n == 0:
        raise ValueError("AUC needs both classes")
    aucs, v10, v01 = [], [], []
    for s in (np.asarray(a, float), np.asarray(b, float)):
        x, y = s[positive], s[~positive]
        tx, ty, tz = _midranks(x), _midranks(y), _midranks(np.concatenate([x, y]))
        aucs.append((tz[:m].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((tz[:m] - tx) / n)  # each positive's share of negatives it outranks
        v01.append(1 - (tz[m:] - ty) / m)  # each negative's share of positives above it
    s10, s01 = np.cov(np.array(v10)), np.cov(np.array(v01))
    cov = s10 / m + s01 / n
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    diff = aucs[1] - aucs[0]
    if var <= 0:
        return aucs[0], aucs[1], 1.0 if diff == 0 else 0.0
    return aucs[0], aucs[1], float(2 * norm.sf(abs(diff) / np.sqrt(var)))


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray) -> tuple[int, int, float]:
    """Rows only ``a`` gets right, rows only ``b`` gets right, and McNemar's exact p-value
    (a binomial test of the discordant rows)."""
    from scipy.stats import binomtest

    ca, cb = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    only_a, only_b = int((ca & ~cb).sum()), int((cb & ~ca).sum())
    if only_a + only_b == 0:
        return only_a, only_b, 1.0
    return only_a, only_b, float(binomtest(only_b, only_a + only_b, 0.5).pvalue)


def paired_bootstrap(
    metric: Callable[[np.ndarray], float],
    n_rows: int,
    n_boot: int = 1000,
    seed: int = 0,
) -> tuple[float, float, float, float]:
    """The difference ``metric(all rows)`` (a function of row indices answering b - a), its
    95% percentile interval over ``n_boot`` resamples of the same rows for both models, and
    the two-sided bootstrap p-value (twice the smaller share of resamples on either side of 0)."""
    rng = np.random.default_rng(seed)
    observed = float(metric(np.arange(n_rows)))
    diffs = np.array([metric(rng.integers(0, n_rows, n_rows)) for _ in range(n_boot)])
    diffs = diffs[np.isfinite(diffs)]
    low, high = (float(q) for q in np.percentile(diffs, [2.5, 97.5]))
    p = min(1.0, 2 * min((diffs <= 0).mean(), (diffs >= 0).mean()))
    return observed, low, high, float(p)
