"""The curves' numbers agree with scikit-learn; lift, gains and KS on a hand-checked example."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics
from sklearn.calibration import calibration_curve

from mmds_jupyter.reports import curves


@pytest.fixture(scope="module")
def scored():
    rng = np.random.default_rng(3)
    y = rng.random(2000) < 0.3
    # ties on purpose: scores rounded to two digits
    score = np.clip(np.round(0.3 * y + rng.random(2000) * 0.7, 2), 0, 1)
    return y, score


def test_roc_and_auc_agree_with_scikit_learn(scored):
    y, score = scored
    fpr, tpr, thr = curves.roc(y, score)
    sk_fpr, sk_tpr, sk_thr = metrics.roc_curve(y, score, drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr)
    np.testing.assert_allclose(tpr, sk_tpr)
    np.testing.assert_allclose(thr[1:], sk_thr[1:])
    assert curves.auc(y, score) == pytest.approx(metrics.roc_auc_score(y, score))


def test_precision_recall_agrees_with_scikit_learn(scored):
    y, score = scored
    precision, recall = curves.precision_recall(y, score)
    sk_p, sk_r, _ = metrics.precision_recall_curve(y, score)
    np.testing.assert_allclose(precision, sk_p)
    np.testing.assert_allclose(recall, sk_r)


def test_calibration_agrees_with_scikit_learn(scored):
    y, score = scored
    observed, predicted, counts = curves.calibration(y, score, 10)
    sk_true, sk_pred = calibration_curve(y, score, n_bins=10)
    np.testing.assert_allclose(observed, sk_true)
    np.testing.assert_allclose(predicted, sk_pred)
    assert counts.sum() == len(y)


def test_lift_gains_and_ks_on_a_hand_checked_example():
    # ten rows ranked by score; positives at ranks 1, 2, 4 and 7 (4 of 10: base rate 0.4)
    score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 0, 0], bool)
    g = curves.gains(y, score, n=5)  # five groups of two rows
    np.testing.assert_allclose(g["population"], [0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(g["gain"], [0.5, 0.75, 0.75, 1.0, 1.0])
    # group 1 holds 2 positives of 2 rows: rate 1.0 / 0.4 = 2.5; group 2: 0.5 / 0.4 = 1.25
    np.testing.assert_allclose(g["lift"], [2.5, 1.25, 0.0, 1.25, 0.0])
    np.testing.assert_allclose(g["cumulative_lift"], [2.5, 1.875, 1.25, 1.25, 1.0])
    # KS: after the 4th row, tpr = 3/4 and fpr = 1/6: 0.5833 at threshold 0.6
    stat, threshold = curves.ks(y, score)
    assert stat == pytest.approx(3 / 4 - 1 / 6) and threshold == 0.6
    assert 2 * curves.auc(y, score) - 1 == pytest.approx(2 * metrics.roc_auc_score(y, score) - 1)


def test_confusion_matches_scikit_learn():
    y = np.array(["a", "b", "c", "a", "b", "c", "a"])
    p = np.array(["a", "c", "c", "b", "b", "a", "a"])
    np.testing.assert_array_equal(
        curves.confusion(y, p, ["a", "b", "c"]), metrics.confusion_matrix(y, p, labels=list("abc"))
    )


def test_paired_bootstrap_brackets_the_difference_and_is_zero_for_a_model_against_itself(scored):
    y, score = scored
    worse = np.clip(score + np.random.default_rng(1).normal(0, 0.3, y.size), 0, 1)
    iv = curves.paired_bootstrap("roc_auc", y, worse, score)
    diff = metrics.roc_auc_score(y, score) - metrics.roc_auc_score(y, worse)
    assert iv.difference == pytest.approx(diff) and iv.low < diff < iv.high and iv.low > 0
    same = curves.paired_bootstrap("roc_auc", y, score, score)
    assert same.low == same.high == same.difference == 0
    yr = np.arange(100.0)
    iv = curves.paired_bootstrap("rmse", yr, yr + 1, yr + 2)
    assert iv.difference == pytest.approx(1.0) and iv.low == pytest.approx(1.0)


def _one_at_a_time(metric, y, a, b, replicates=200):
    """The bootstrap as first written: one replicate's weights and metric at a time."""
    rng = np.random.default_rng(0)
    n = y.shape[0]

    def auc(score, w):
        order = np.argsort(score, kind="mergesort")
        s, p, ww = score[order], np.asarray(y, bool)[order], w[order]
        groups = np.r_[0, np.cumsum(np.diff(s) != 0)]
        pw = np.bincount(groups, weights=ww * p)
        nw = np.bincount(groups, weights=ww * ~p)
        return (pw * (np.cumsum(nw) - nw + 0.5 * nw)).sum() / (pw.sum() * nw.sum())

    def value(w):
        if metric == "roc_auc":
            return auc(b, w) - auc(a, w)
        if metric == "accuracy":
            return (((b == y) * 1.0 - (a == y)) * w).sum() / w.sum()
        return np.sqrt(((b - y) ** 2 * w).sum() / w.sum()) - np.sqrt(
            ((a - y) ** 2 * w).sum() / w.sum()
        )

    draws = [value(np.bincount(rng.integers(0, n, n), minlength=n)) for _ in range(replicates)]
    return value(np.ones(n)), *np.percentile(draws, [2.5, 97.5])


def test_the_bootstrap_resampled_in_chunks_gives_the_numbers_of_one_replicate_at_a_time(scored):
    y, score = scored
    rng = np.random.default_rng(3)
    worse = np.round(np.clip(score + rng.normal(0, 0.3, y.size), 0, 1), 3)  # few levels: exact
    pred_a, pred_b = worse > 0.5, score > 0.5
    yr = rng.normal(size=y.size)
    pairs = {
        "auc": ("roc_auc", y, worse, np.round(score, 3)),
        "acc": ("accuracy", y, pred_a, pred_b),
        "rmse": ("rmse", yr, yr + rng.normal(size=y.size), yr + 0.5 * rng.normal(size=y.size)),
    }
    together = curves.paired_bootstraps(pairs)
    for key, (metric, yy, a, b) in pairs.items():
        point, low, high = _one_at_a_time(metric, yy, a, b)
        for iv in (together[key], curves.paired_bootstrap(metric, yy, a, b)):
            assert iv.replicates == 200
            assert (iv.difference, iv.low, iv.high) == pytest.approx((point, low, high), abs=1e-12)
