"""Drift of new data against a version's baseline, per input and for the score.

Every measure is computed from a *summary* (counts in the baseline's bins and a sample, see
:mod:`.baseline`), so a stored score set's drift needs no second read of its rows:

* PSI and Jensen-Shannon distance (natural log, as scipy and Evidently compute it) on the bins;
* normalised Wasserstein (the distance divided by the reference's standard deviation) and the
  two-sample KS test on the samples (numeric columns);
* the chi-square test of the 2 x k table of counts (categorical columns).

Which one decides: below ``min_rows`` rows, none ("not enough data"); up to 1,000 rows, the
test (KS or chi-square) at 5% after Benjamini-Hochberg correction over all columns, because
with few rows a distance is mostly noise; above, the distance (Wasserstein for numbers,
Jensen-Shannon for categories) at 0.1, because with many rows every test rejects.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidInput
from . import baseline as bl

MIN_ROWS = 100
TEST_ROWS = 1_000
EXACT_KS = 1_000
ALPHA = 0.05
DISTANCE_THRESHOLD = 0.1
# A bin empty on one side counts as this share, so that PSI stays finite (as Evidently does).
EMPTY_SHARE = 1e-4
NOT_ENOUGH = "not enough data"
COLUMNS = [
    "column", "role", "kind", "rows", "psi", "jensen_shannon", "wasserstein", "ks",
    "ks_p", "chi2", "chi2_p", "p_adjusted", "decided_by", "drift", "verdict",
]  # fmt: skip


def psi(ref_counts: Any, cur_counts: Any) -> float:
    """Population stability index of two count vectors over the same bins."""
    p, q = _shares(ref_counts), _shares(cur_counts)
    return float(np.sum((q - p) * np.log(q / p)))


def _shares(counts: Any) -> np.ndarray:
    c = np.asarray(counts, dtype="float64")
    total = c.sum()
    share = c / total if total else c
    return np.where(share == 0, EMPTY_SHARE, share)


def jensen_shannon(ref_counts: Any, cur_counts: Any) -> float:
    """Jensen-Shannon distance (natural log) of two count vectors over the same bins."""
    from scipy.spatial.distance import jensenshannon

    p = np.asarray(ref_counts, dtype="float64")
    q = np.asarray(cur_counts, dtype="float64")
    if not p.sum() or not q.sum():
        return float("nan")
    return float(jensenshannon(p / p.sum(), q / q.sum()))


def wasserstein_normed(ref: np.ndarray, cur: np.ndarray) -> float:
    """Wasserstein distance in units of the reference's standard deviation."""
    from scipy.stats import wasserstein_distance

    return float(wasserstein_distance(ref, cur) / max(float(np.std(ref)), 1e-3))


def chi_square(ref_counts: Any, cur_counts: Any) -> tuple[float, float]:
    """The chi-square test that two count vectors come from one distribution."""
    from scipy.stats import chi2_contingency

    table = np.array([ref_counts, cur_counts], dtype="float64")
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    res = chi2_contingency(table, correction=False)
    return float(res.statistic), float(res.pvalue)


@dataclass
class DriftReport:
    """Drift of one data set (or score set) against a version's baseline: one row per column
    (inputs and the score), and the share of inputs that drift."""

    ref: str
    n_rows: int
    n_reference: int
    reference_source: str
    columns: list[dict[str, Any]]
    score_set_id: int | None = None
    min_rows: int = MIN_ROWS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def judged(self) -> list[dict[str, Any]]:
        return [c for c in self.columns if c["role"] == "input" and c["drift"] is not None]

    @property
    def n_drifting(self) -> int:
        return sum(1 for c in self.judged if c["drift"])

    @property
    def share_drifting(self) -> float | None:
        """The share of inputs that drift, or None when there is not enough data to say."""
        return self.n_drifting / len(self.judged) if self.judged else None

    @property
    def drifting(self) -> list[str]:
        return [c["column"] for c in self.columns if c["drift"]]

    @property
    def verdict(self) -> str:
        if self.share_drifting is None:
            return NOT_ENOUGH
        return f"{self.n_drifting} of {len(self.judged)} inputs drift"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.columns, columns=COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "score_set_id": self.score_set_id,
            "n_rows": self.n_rows,
            "n_reference": self.n_reference,
            "reference_source": self.reference_source,
            "min_rows": self.min_rows,
            "share_drifting": self.share_drifting,
            "n_drifting": self.n_drifting,
            "verdict": self.verdict,
            "columns": self.columns,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DriftReport:
        return cls(
            ref=d["ref"],
            n_rows=d["n_rows"],
            n_reference=d["n_reference"],
            reference_source=d["reference_source"],
            columns=d["columns"],
            score_set_id=d.get("score_set_id"),
            min_rows=d.get("min_rows", MIN_ROWS),
        )

    def __repr__(self) -> str:
        where = f" (score set {self.score_set_id})" if self.score_set_id else ""
        return f"<DriftReport {self.ref}{where}: {self.n_rows} rows, {self.verdict}>"

    def _repr_html_(self) -> str:
        where = f", score set {self.score_set_id}" if self.score_set_id else ""
        share = self.share_drifting
        head = (
            f"<b>Drift of {html.escape(self.ref)}</b>{where}: {self.n_rows:,} rows against "
            f"{self.n_reference:,} {html.escape(self.reference_source)} rows — "
            f"<b>{html.escape(self.verdict)}</b>" + (f" ({share:.0%})" if share is not None else "")
        )
        table = self.to_frame().drop(columns=["ks_p", "chi2_p"])
        shown = table.style.format(precision=3, na_rep="").apply(
            lambda row: ["font-weight: bold" if row["drift"] else "" for _ in row], axis=1
        )
        return f"<div>{head}</div>{shown.hide(axis='index').to_html()}"


def compare(
    baseline: dict[str, Any],
    summary: dict[str, Any],
    ref: str,
    min_rows: int = MIN_ROWS,
    score_set_id: int | None = None,
) -> DriftReport:
    """The drift report of a summary (``baseline.summarize``) against its baseline."""
    from scipy.stats import false_discovery_control, ks_2samp

    if not isinstance(min_rows, int) or isinstance(min_rows, bool) or min_rows < 1:
        raise InvalidInput(f"min_rows is a whole number of at least 1, not {min_rows!r}.")
    n = int(summary["n_rows"])
    rows: list[dict[str, Any]] = []
    for name, col in baseline["columns"].items():
        got = summary["columns"].get(name)
        if got is None:
            continue
        ref_counts, cur_counts = col["counts"], got["counts"]
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(column=name, role=col["role"], kind=col["kind"], rows=n)
        row["psi"] = psi(ref_counts, cur_counts) if sum(cur_counts) else None
        row["jensen_shannon"] = jensen_shannon(ref_counts, cur_counts) if sum(cur_counts) else None
        if col["kind"] == "numeric":
            ref_s, cur_s = np.asarray(col["sample"]), np.asarray(got.get("sample", []))
            if len(ref_s) and len(cur_s):
                row["wasserstein"] = wasserstein_normed(ref_s, cur_s)
                with warnings.catch_warnings():
                    # scipy falls back to the asymptotic p-value when the exact one fails
                    warnings.filterwarnings("ignore", "ks_2samp: Exact", RuntimeWarning)
                    # exact p-values only for small samples (scipy's own choice up to 10,000
                    # values costs 15 ms a column at 5,000 a side, for the same answer)
                    exact = max(len(ref_s), len(cur_s)) <= EXACT_KS
                    ks = ks_2samp(ref_s, cur_s, method="auto" if exact else "asymp")
                row["ks"], row["ks_p"] = float(ks.statistic), float(ks.pvalue)
        else:
            row["chi2"], row["chi2_p"] = chi_square(ref_counts, cur_counts)
        rows.append(row)
    _decide(rows, n, min_rows, false_discovery_control)
    return DriftReport(
        ref=ref,
        n_rows=n,
        n_reference=int(baseline["n_rows"]),
        reference_source=baseline["source"],
        columns=rows,
        score_set_id=score_set_id,
        min_rows=min_rows,
    )


def _decide(rows: list[dict[str, Any]], n: int, min_rows: int, bh: Any) -> None:
    """Each column's verdict: the corrected test up to 1,000 rows, the distance above."""
    p_values = [r["ks_p"] if r["kind"] == "numeric" else r["chi2_p"] for r in rows]
    tested = [i for i, p in enumerate(p_values) if p is not None]
    if tested:
        adjusted = bh(np.array([p_values[i] for i in tested]))
        for i, p in zip(tested, adjusted, strict=True):
            rows[i]["p_adjusted"] = float(p)
    for r in rows:
        if n < min_rows:
            r.update(decided_by=None, drift=None, verdict=NOT_ENOUGH)
            continue
        if n <= TEST_ROWS:
            measure = "ks" if r["kind"] == "numeric" else "chi2"
            value = r["p_adjusted"]
            drift = value is not None and value < ALPHA
        else:
            measure = "wasserstein" if r["kind"] == "numeric" else "jensen_shannon"
            value = r[measure]
            drift = value is not None and value >= DISTANCE_THRESHOLD
        if value is None:
            r.update(decided_by=None, drift=None, verdict=NOT_ENOUGH)
            continue
        r.update(decided_by=measure, drift=bool(drift), verdict="drift" if drift else "no drift")


def drift_of_frame(
    baseline: dict[str, Any], data: pd.DataFrame, ref: str, min_rows: int = MIN_ROWS
) -> DriftReport:
    """Drift of any data frame: its inputs, and the score when it has the score's columns."""
    missing = [
        c for c, col in baseline["columns"].items() if col["role"] == "input" and c not in data
    ]
    if missing and len(missing) == sum(
        1 for col in baseline["columns"].values() if col["role"] == "input"
    ):
        raise InvalidInput(
            f"The data has none of the inputs of {ref} (e.g. {', '.join(missing[:5])}); "
            "pass a frame with the model's input columns."
        )
    return compare(baseline, bl.summarize(baseline, data), ref, min_rows)


def compare_frames(reference: pd.DataFrame, data: Any, min_rows: int | None = None) -> DriftReport:
    """Drift of ``data`` against a reference frame given directly (every column they share)."""
    from ..scoring.frames import read_input
    from .stored import check_min_rows

    frame = read_input(data)
    shared = [c for c in reference.columns if c in frame.columns]
    if not shared:
        raise InvalidInput("The reference frame and the data have no column in common.")
    base = bl.build(reference[shared], source="reference")
    return compare(base, bl.summarize(base, frame), "reference frame", check_min_rows(min_rows))
