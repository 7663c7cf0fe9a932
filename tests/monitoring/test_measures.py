"""The drift measures: agreement with scipy and with PSI / Jensen-Shannon computed by hand, and
the verdicts (no drift, injected drift, not enough data)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import chi2_contingency, ks_2samp, wasserstein_distance

import mmds_jupyter as mmds
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.monitoring import baseline as bl
from mmds_jupyter.monitoring import drift


def test_psi_and_js_match_the_hand_computed_values():
    ref, cur = [50, 30, 20], [30, 30, 40]
    # PSI = sum (q - p) ln(q / p) over the shares
    hand_psi = (0.3 - 0.5) * math.log(0.3 / 0.5) + 0.0 + (0.4 - 0.2) * math.log(0.4 / 0.2)
    assert drift.psi(ref, cur) == pytest.approx(hand_psi, rel=1e-12)
    assert drift.psi(ref, cur) == pytest.approx(0.240794, abs=1e-6)
    # JS distance = sqrt((KL(p||m) + KL(q||m)) / 2), m the mean of the two
    m = [0.4, 0.3, 0.3]
    kl_p = 0.5 * math.log(0.5 / m[0]) + 0.3 * math.log(0.3 / m[1]) + 0.2 * math.log(0.2 / m[2])
    kl_q = 0.3 * math.log(0.3 / m[0]) + 0.3 * math.log(0.3 / m[1]) + 0.4 * math.log(0.4 / m[2])
    assert drift.jensen_shannon(ref, cur) == pytest.approx(math.sqrt((kl_p + kl_q) / 2))
    assert drift.psi(ref, ref) == 0.0 and drift.jensen_shannon(ref, ref) == pytest.approx(0.0)


def test_an_empty_bin_keeps_psi_finite():
    value = drift.psi([10, 0], [5, 5])
    p, q = np.array([1.0, 1e-4]), np.array([0.5, 0.5])
    assert value == pytest.approx(float(np.sum((q - p) * np.log(q / p))))


def _frames():
    rng = np.random.default_rng(7)
    ref = pd.DataFrame(
        {
            "income": rng.normal(50, 10, 400),
            "age": rng.integers(18, 90, 400),
            "plan": rng.choice(["basic", "plus", "pro"], 400, p=[0.5, 0.3, 0.2]),
        }
    )
    cur = pd.DataFrame(
        {
            "income": rng.normal(53, 12, 300),
            "age": rng.integers(18, 90, 300),
            "plan": rng.choice(["basic", "plus", "pro"], 300, p=[0.3, 0.3, 0.4]),
        }
    )
    return ref, cur


def test_ks_wasserstein_and_chi_square_agree_with_scipy():
    ref, cur = _frames()
    base = bl.build(ref)
    report = drift.drift_of_frame(base, cur, "m:1")
    rows = {r["column"]: r for r in report.columns}
    for col in ("income", "age"):
        ks = ks_2samp(ref[col], cur[col])
        assert rows[col]["ks"] == pytest.approx(ks.statistic, rel=1e-12)
        assert rows[col]["ks_p"] == pytest.approx(ks.pvalue, rel=1e-9)
        w = wasserstein_distance(ref[col], cur[col]) / np.std(ref[col])
        assert rows[col]["wasserstein"] == pytest.approx(w, rel=1e-12)
    counts = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref["plan"], cur["plan"]]
    )
    chi = chi2_contingency(counts.to_numpy(), correction=False)
    assert rows["plan"]["chi2"] == pytest.approx(chi.statistic, rel=1e-12)
    assert rows["plan"]["chi2_p"] == pytest.approx(chi.pvalue, rel=1e-9)
    # The p-values are corrected together (Benjamini-Hochberg), as scipy does it.
    raw = [rows["income"]["ks_p"], rows["age"]["ks_p"], rows["plan"]["chi2_p"]]
    adjusted = stats.false_discovery_control(raw)
    assert [rows[c]["p_adjusted"] for c in ("income", "age", "plan")] == pytest.approx(adjusted)
    # PSI of the deciles, computed here from the stored edges
    edges = np.asarray(base["columns"]["income"]["edges"])
    ref_counts = np.histogram(ref["income"], edges)[0]
    inside = cur["income"][(cur["income"] >= edges[0]) & (cur["income"] <= edges[-1])]
    cur_counts = np.r_[np.histogram(inside, edges)[0], len(cur) - len(inside), 0]
    assert rows["income"]["psi"] == pytest.approx(drift.psi(np.r_[ref_counts, 0, 0], cur_counts))


def _large(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(6)})
    frame["region"] = rng.choice(["north", "south", "east", "west"], n)
    frame["x3"] = frame["x3"] + shift
    return frame


@pytest.mark.parametrize("n", [500, 5000])
def test_a_frame_without_drift_flags_nothing(n):
    base = bl.build(_large(20_000, 1))
    report = drift.drift_of_frame(base, _large(n, 2), "m:1")
    assert report.drifting == [] and report.share_drifting == 0.0
    expected = "ks" if n <= drift.TEST_ROWS else "wasserstein"
    assert {r["decided_by"] for r in report.columns if r["kind"] == "numeric"} == {expected}


@pytest.mark.parametrize("n", [500, 5000])
def test_injected_drift_is_flagged_in_that_feature_only(n):
    base = bl.build(_large(20_000, 1))
    report = drift.drift_of_frame(base, _large(n, 3, shift=0.6), "m:1")
    assert report.drifting == ["x3"]
    assert report.share_drifting == pytest.approx(1 / 7)
    assert "1 of 7 inputs drift" in report._repr_html_()


def test_a_new_category_drifts_a_categorical_column():
    base = bl.build(_large(20_000, 1))
    cur = _large(5000, 2)
    cur.loc[: len(cur) // 2, "region"] = "abroad"
    report = drift.drift_of_frame(base, cur, "m:1")
    assert report.drifting == ["region"]
    row = next(r for r in report.columns if r["column"] == "region")
    assert row["decided_by"] == "jensen_shannon" and row["psi"] > 0.25


def test_too_few_rows_give_not_enough_data_not_a_verdict():
    base = bl.build(_large(20_000, 1))
    report = drift.drift_of_frame(base, _large(60, 3, shift=5.0), "m:1")
    assert report.verdict == drift.NOT_ENOUGH and report.share_drifting is None
    assert {r["verdict"] for r in report.columns} == {drift.NOT_ENOUGH}
    assert all(r["drift"] is None for r in report.columns)
    assert report.columns[3]["ks"] is not None  # the measures are still shown
    assert drift.drift_of_frame(base, _large(60, 3, shift=5.0), "m:1", min_rows=50).drifting == [
        "x3"
    ]


def test_missing_and_out_of_range_values_have_their_own_bins():
    ref = pd.DataFrame({"v": np.arange(100.0)})
    base = bl.build(ref)
    assert base["columns"]["v"]["counts"] == [10] * 10 + [0, 0]
    cur = pd.DataFrame({"v": [np.nan] * 5 + [500.0] * 3 + [-1.0] + list(np.arange(91.0))})
    counts = bl.summarize(base, cur)["columns"]["v"]["counts"]
    assert counts[-2:] == [4, 5] and sum(counts) == 100


def test_drift_between_two_frames_in_python():
    ref, cur = _frames()
    report = mmds.drift(ref, cur)
    assert {r["column"] for r in report.columns} == {"income", "age", "plan"}
    assert report.to_frame().shape[0] == 3
    with pytest.raises(InvalidInput, match="no column in common"):
        mmds.drift(ref, pd.DataFrame({"other": [1.0]}))


def _counts_by_search(edges: list[float], values: np.ndarray) -> list[int]:
    """The bins counted one value at a time: bin i holds [edges[i], edges[i+1]), the last bin
    also the maximum; then out of range, then missing."""
    counts = [0] * (max(len(edges) - 1, 1) if edges else 0) + [0, 0]
    for v in values:
        if math.isnan(v):
            counts[-1] += 1
        elif not edges:
            counts[0] += 1
        elif v < edges[0] or v > edges[-1]:
            counts[-2] += 1
        else:
            i = min(int(np.searchsorted(edges, v, side="right")) - 1, len(counts) - 3)
            counts[i] += 1
    return counts


@pytest.mark.parametrize("edges", [[], [2.0], [0.0, 2.0], [-1.0, 0.0, 0.5, 2.0, 3.0]])
def test_numeric_counts_match_counting_value_by_value(edges):
    # edges, values on them, infinities and NaN, across the blocks that counting works in
    rng = np.random.default_rng(3)
    n = bl.COUNT_BLOCK + 1_000
    values = rng.choice([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 4.0, np.inf, -np.inf, np.nan], n)
    values[:500] = rng.normal(1.0, 2.0, 500)
    assert bl.numeric_counts({"edges": edges}, values).tolist() == _counts_by_search(edges, values)


def test_text_counted_from_its_codes_as_from_its_values():
    s = pd.Series(["a", "b", None, "zz", "a", "c", None, "a"] * 5_000, dtype="string")
    col = bl.categorical_bins(pd.Series(["a", "b", "c", "d"], dtype="string"))
    codes, uniques = pd.factorize(s)
    got = bl.coded_counts(col, codes, uniques).tolist()
    assert got == bl.categorical_counts(col, s).tolist() == [15_000, 5_000, 5_000, 0, 5_000, 10_000]
