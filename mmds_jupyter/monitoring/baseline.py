"""The baseline frozen at capture, and the same bins counted on new data.

A baseline holds, for every input of a version and for its score (the probability of the
positive class, of each class, or the prediction), the reference distribution of the data the
model was trained on (or tested on, when no training data was given): a numeric column as 10
quantile bins plus "out of range" and "missing", with a sample of values for the tests that
need them (KS, Wasserstein); a categorical column as its 20 most frequent values plus "other"
and "missing". New data is *summarized* against those bins — counts and a sample — so drift of
any number of rows is computed from a few hundred numbers and a sample, never by re-reading it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..capture.datasets import QUANTILE_SAMPLE, TextCodes, quantiles

FORMAT = 1
N_BINS = 10
TOP = 20
# Values kept per numeric column for KS and Wasserstein: their statistic then lies within about
# 1.36 * sqrt(2 / 5000) = 0.03 of the full data's, and both are computed in milliseconds.
SAMPLE = 5_000
# Rows of the reference data the model scores for the score's baseline: enough for deciles,
# and cheap next to the rest of a capture.
SCORE_ROWS = 5_000
OUT_OF_RANGE, MISSING, OTHER = "out of range", "missing", "other"


def is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _floats(series: pd.Series) -> np.ndarray:
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _sample(values: np.ndarray, size: int = SAMPLE) -> np.ndarray:
    """A fixed random sample (without replacement) of at most ``size`` values."""
    if values.shape[0] <= size:
        return values
    rng = np.random.default_rng(0)
    return values[rng.choice(values.shape[0], size, replace=False)]


def numeric_bins(series: pd.Series) -> dict[str, Any]:
    """A numeric column's reference: decile edges from its minimum to its maximum, the counts
    in each bin, out of range (none, by construction) and missing, and a sample."""
    values = _floats(series)
    present = values[~np.isnan(values)]
    present = present[np.isfinite(present)]
    if present.shape[0] == 0:
        return {"kind": "numeric", "edges": [], "counts": [0, int(values.shape[0])], "sample": []}
    sample = _sample(present, 2 * QUANTILE_SAMPLE)
    inner = quantiles(sample, tuple(np.arange(1, N_BINS) / N_BINS))
    edges = np.unique([float(present.min()), *inner, float(present.max())])
    col: dict[str, Any] = {"kind": "numeric", "edges": [float(e) for e in edges]}
    col["counts"] = [int(c) for c in numeric_counts(col, values)]
    col["sample"] = np.sort(_sample(present)).tolist()
    return col


# Values compared at a time when counting a numeric column: a block and its comparison
# results stay in the processor's cache.
COUNT_BLOCK = 1 << 15


def numeric_counts(col: dict[str, Any], values: np.ndarray) -> np.ndarray:
    """Counts of ``values`` in the column's bins, then out of range, then missing.

    Bin i holds [edges[i], edges[i+1]); the last bin also holds the maximum. Each bin is
    counted as the difference of how many values lie below its edges, compared block by block
    into one small buffer: some ten vectorised comparisons a value, instead of a binary search
    a value and arrays of the column's length (the counts are the same)."""
    edges = np.asarray(col["edges"], dtype="float64")
    n = values.shape[0]
    n_edges = len(edges)
    n_bins = max(n_edges - 1, 1) if n_edges else 0
    below = np.zeros(n_edges, dtype=np.int64)  # values < edges[i]
    at_most_last = 0  # values <= edges[-1]
    n_missing = 0
    buf = np.empty(min(COUNT_BLOCK, n), dtype=bool)
    for start in range(0, n, COUNT_BLOCK):
        block = values[start : start + COUNT_BLOCK]
        b = buf[: block.shape[0]]
        np.isnan(block, out=b)
        n_missing += int(np.count_nonzero(b))
        if not n_edges:
            continue
        for i in range(n_edges):
            np.less(block, edges[i], out=b)
            below[i] += np.count_nonzero(b)
        np.less_equal(block, edges[-1], out=b)
        at_most_last += int(np.count_nonzero(b))
    present = n - n_missing  # NaN compares false: it is in none of the counts above
    if not n_edges:
        return np.array([present, n_missing])
    counts = np.empty(n_bins + 2, dtype=np.int64)
    counts[: n_bins - 1] = np.diff(below)[: n_bins - 1]
    counts[n_bins - 1] = at_most_last - below[n_bins - 1]
    counts[n_bins] = below[0] + present - at_most_last  # below the minimum, above the maximum
    counts[n_bins + 1] = n_missing
    return counts


def _labels(series: pd.Series) -> pd.Series:
    """Values as text (1 and "1" are one category, as in the data set statistics)."""
    text = series if isinstance(series.dtype, pd.StringDtype) else series.astype("string")
    return text


def categorical_bins(series: pd.Series) -> dict[str, Any]:
    """A categorical column's reference: its 20 most frequent values, other and missing."""
    counts = _labels(series).value_counts(dropna=True)
    top = [str(k) for k in counts.index[:TOP]]
    col: dict[str, Any] = {"kind": "categorical", "categories": top}
    col["counts"] = [int(c) for c in categorical_counts(col, series)]
    return col


def categorical_counts(col: dict[str, Any], series: pd.Series) -> np.ndarray:
    """Counts of the column's categories, then of any other value, then of missing values."""
    counts = _labels(series).value_counts(dropna=True)
    if not counts.index.is_unique:
        counts = counts.groupby(level=0).sum()
    cats = col["categories"]
    known = counts.reindex(cats, fill_value=0).to_numpy()
    n_missing = int(series.isna().sum())
    other = int(counts.sum()) - int(known.sum())
    return np.concatenate([known, [other, n_missing]]).astype(np.int64)


def coded_counts(col: dict[str, Any], codes: np.ndarray, uniques: pd.Index) -> np.ndarray:
    """``categorical_counts`` of a text column from its factorization (codes into
    ``uniques``, -1 for missing), as scoring already holds it: no second pass over the text."""
    per_value = np.zeros(len(uniques) + 1, dtype=np.int64)  # [0] counts the missing
    for start in range(0, codes.shape[0], COUNT_BLOCK):
        per_value += np.bincount(codes[start : start + COUNT_BLOCK] + 1, minlength=len(uniques) + 1)
    seen = {str(u): int(c) for u, c in zip(uniques, per_value[1:], strict=True)}
    known = [seen.get(c, 0) for c in col["categories"]]
    other = int(per_value[1:].sum()) - sum(known)
    return np.array([*known, other, int(per_value[0])], dtype=np.int64)


def reference(series: pd.Series) -> dict[str, Any]:
    return numeric_bins(series) if is_numeric(series) else categorical_bins(series)


def score_frame(predictor: Any, task: str | None, X: Any) -> pd.DataFrame:
    """The model's score on ``X``, named as the score set's output columns: the probability of
    the positive class (binary), of each class (multiclass), or the prediction."""
    # A classifier without probabilities (scikit-learn's, or a PMML rule set declaring none)
    # has no ``predict_proba``: its score is its prediction.
    if task in ("binary", "multiclass") and hasattr(predictor, "predict_proba"):
        proba = np.asarray(predictor.predict_proba(X))
        classes = list(np.asarray(predictor.classes_))
        keep = classes[1:] if len(classes) == 2 else classes
        return pd.DataFrame({f"probability({c})": proba[:, classes.index(c)] for c in keep}).astype(
            "float64"
        )
    return pd.DataFrame({"prediction": np.asarray(predictor.predict(X))})


def head_rows(X: Any, n: int) -> Any:
    """A fixed random sample of at most ``n`` rows of a frame or array, in their order."""
    length = len(X)
    if length <= n:
        return X
    rows = np.sort(np.random.default_rng(0).choice(length, n, replace=False))
    return X.iloc[rows] if isinstance(X, pd.DataFrame) else np.asarray(X)[rows]


def build(
    frame: pd.DataFrame, scores: pd.DataFrame | None = None, source: str = "train"
) -> dict[str, Any]:
    """The baseline of ``frame`` (the inputs) and ``scores`` (the model's score columns)."""
    columns: dict[str, Any] = {}
    for c in frame.columns:
        columns[str(c)] = {"role": "input", **reference(frame[c])}
    if scores is not None:
        for c in scores.columns:
            columns[str(c)] = {"role": "score", **reference(scores[c])}
    return {"format": FORMAT, "source": source, "n_rows": int(len(frame)), "columns": columns}


def summarize(
    baseline: dict[str, Any],
    data: pd.DataFrame,
    role: str | None = None,
    codes: TextCodes | None = None,
) -> dict[str, Any]:
    """``data`` counted in the baseline's bins (of its columns of ``role``, or all), with a
    sample of each numeric column: all that drift needs, and what a score set keeps so that
    windows can add them up later. ``codes``: the text columns of ``data`` factorized (as
    scoring shares them), counted from their codes."""
    out: dict[str, Any] = {}
    # One sample of rows for every column: drawing it is the costly part at a million rows.
    rows = None
    if len(data) > SAMPLE:
        rows = np.sort(np.random.default_rng(0).choice(len(data), SAMPLE, replace=False))
    for name, col in baseline["columns"].items():
        if name not in data.columns or (role is not None and col["role"] != role):
            continue
        series = data[name]
        if col["kind"] == "numeric" and is_numeric(series):
            values = _floats(series)
            counts = numeric_counts(col, values)
            sample = values if rows is None else values[rows]
            sample = sample[np.isfinite(sample)]
            out[name] = {"counts": counts.tolist(), "sample": sample}
        elif col["kind"] == "numeric":  # text where numbers were: every value is out of range
            n_missing = int(series.isna().sum())
            moved = [0] * (len(col["counts"]) - 2) + [len(series) - n_missing, n_missing]
            out[name] = {"counts": moved, "sample": np.empty(0)}
        elif codes is not None and name in codes:
            out[name] = {"counts": coded_counts(col, *codes.get(name)).tolist()}
        else:
            out[name] = {"counts": categorical_counts(col, series).tolist()}
    return {"format": FORMAT, "n_rows": int(len(data)), "columns": out}


def bin_labels(col: dict[str, Any]) -> list[str]:
    """Readable names of a column's bins, in the order of its counts."""
    if col["kind"] == "categorical":
        return [*col["categories"], OTHER, MISSING]
    edges = col["edges"]
    inner = [f"[{edges[i]:.4g}, {edges[i + 1]:.4g})" for i in range(len(edges) - 1)]
    if len(edges) == 1:
        inner = [f"{edges[0]:.4g}"]
    return [*inner, OUT_OF_RANGE, MISSING]


def to_bytes(doc: dict[str, Any]) -> bytes:
    """A baseline or summary as compact JSON, columns in the model's order."""
    import json

    return json.dumps(doc, separators=(",", ":"), allow_nan=False).encode()


def from_bytes(blob: bytes) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(blob)
    return doc


def pack(summary: dict[str, Any]) -> dict[str, Any]:
    """A summary ready for JSON: each sample as the base64 of its float64 bytes (a tenth of
    the time of writing 5,000 numbers as text, and exact)."""
    import base64

    columns = {
        name: {
            **col,
            **(
                {"sample": base64.b64encode(np.asarray(col["sample"], "<f8").tobytes()).decode()}
                if "sample" in col
                else {}
            ),
        }
        for name, col in summary["columns"].items()
    }
    return {**summary, "columns": columns}


def unpack(summary: dict[str, Any]) -> dict[str, Any]:
    import base64

    columns = {
        name: {
            **col,
            **(
                {"sample": np.frombuffer(base64.b64decode(col["sample"]), "<f8")}
                if "sample" in col
                else {}
            ),
        }
        for name, col in summary["columns"].items()
    }
    return {**summary, "columns": columns}
