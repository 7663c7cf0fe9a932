"""Fingerprint data sets: content hash, schema, row count and per-column statistics."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

TOP_VALUES = 20


def as_frame(X: Any, y: Any | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """One DataFrame of the features and, when given, the target (column ``target`` or y's name)."""
    if isinstance(X, pd.DataFrame):
        frame = X
    else:
        arr = np.asarray(X)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1)
        cols = columns if columns and len(columns) == arr.shape[1] else None
        frame = pd.DataFrame(arr, columns=cols or [f"x{i}" for i in range(arr.shape[1])])
    if y is None:
        return frame
    target = y.name if isinstance(y, pd.Series) and y.name is not None else "target"
    if target in frame.columns:
        target = f"{target}__target"
    frame = frame.copy(deep=False)
    frame[str(target)] = np.asarray(y)
    return frame


def content_hash(frame: pd.DataFrame) -> str:
    """sha256 over column names, dtypes and every value, independent of the index."""
    h = hashlib.sha256()
    for col in frame.columns:
        h.update(f"{col}\x00{frame[col].dtype}\x00".encode())
    rows = pd.util.hash_pandas_object(frame, index=False)
    h.update(rows.to_numpy().tobytes())
    return h.hexdigest()


def _number(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if np.isfinite(f) else None


QUARTILES = (0.25, 0.5, 0.75)
# Above this many values, quartiles are estimated from a fixed random sample of this size:
# their standard error is then about 0.2% of the spread, and a 10-million-row scoring input
# is fingerprinted in the time of a 100,000-row one.
QUANTILE_SAMPLE = 100_000


def quantiles(values: np.ndarray, qs: tuple[float, ...] = QUARTILES) -> list[float]:
    """Quantiles of a non-empty array without NaN, as ``np.quantile`` (linear) computes them,
    from one partial sort instead of a sort per quantile."""
    n = values.shape[0]
    pos = np.asarray(qs) * (n - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    part = np.partition(values, np.unique(np.concatenate([lo, hi])))
    a, b, t = part[lo], part[hi], pos - lo
    return [float(x) for x in np.where(t < 0.5, a + (b - a) * t, b - (b - a) * (1 - t))]


def _numeric_stats(series: pd.Series) -> dict[str, Any]:
    """Statistics of one numeric column, on its contiguous values (the NaN-free fast path)."""
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    nulls = int(missing.sum())
    stats: dict[str, Any] = {"dtype": str(series.dtype), "nulls": nulls, "kind": "numeric"}
    if nulls:
        values = values[~missing]
    if values.shape[0] == 0:
        return stats
    sample = values
    if values.shape[0] > 2 * QUANTILE_SAMPLE:
        rng = np.random.default_rng(0)
        sample = values[rng.integers(0, values.shape[0], QUANTILE_SAMPLE)]
    with np.errstate(all="ignore"):
        p25, p50, p75 = quantiles(sample)
        stats.update(
            mean=_number(values.mean()),
            std=_number(values.std()),
            min=_number(values.min()),
            p25=_number(p25),
            p50=_number(p50),
            p75=_number(p75),
            max=_number(values.max()),
        )
    return stats


def _categorical_stats(series: pd.Series) -> dict[str, Any]:
    counts = series.value_counts(dropna=True)
    if not (pd.api.types.is_string_dtype(counts.index) and counts.index.is_unique):
        # values that differ but print alike (1 and "1") count as one category
        counts = counts.groupby(counts.index.map(str)).sum().sort_values(ascending=False)
    return {
        "dtype": str(series.dtype),
        "nulls": int(series.isna().sum()),
        "kind": "categorical",
        "n_unique": int(counts.shape[0]),
        "top": {str(k): int(v) for k, v in counts.head(TOP_VALUES).items()},
    }


def column_stats(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per-column statistics, kept as the baseline for drift checks later."""
    out: dict[str, dict[str, Any]] = {}
    for c in frame.columns:
        col = frame[c]
        numeric = pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        out[str(c)] = _numeric_stats(col) if numeric else _categorical_stats(col)
    return out


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """The Dataset record of ``frame``."""
    return {
        "content_hash": content_hash(frame),
        "n_rows": int(frame.shape[0]),
        "n_cols": int(frame.shape[1]),
        "schema": {str(c): str(frame[c].dtype) for c in frame.columns},
        "stats": column_stats(frame),
    }
