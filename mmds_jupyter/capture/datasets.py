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


def _numeric_stats(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Statistics of all numeric columns at once (one vectorised pass, not a loop of quantiles)."""
    if frame.shape[1] == 0:
        return {}
    values = frame.to_numpy(dtype="float64", na_value=np.nan)
    nulls = np.isnan(values).sum(axis=0)
    out: dict[str, dict[str, Any]] = {}
    present = nulls < values.shape[0]
    with np.errstate(all="ignore"):
        if present.any():
            sub = values[:, present]
            mean, std = np.nanmean(sub, axis=0), np.nanstd(sub, axis=0)
            lo, hi = np.nanmin(sub, axis=0), np.nanmax(sub, axis=0)
            q = np.nanquantile(sub, [0.25, 0.5, 0.75], axis=0)
    j = 0
    for i, col in enumerate(frame.columns):
        stats: dict[str, Any] = {
            "dtype": str(frame[col].dtype),
            "nulls": int(nulls[i]),
            "kind": "numeric",
        }
        if present[i]:
            stats.update(
                mean=_number(mean[j]),
                std=_number(std[j]),
                min=_number(lo[j]),
                p25=_number(q[0, j]),
                p50=_number(q[1, j]),
                p75=_number(q[2, j]),
                max=_number(hi[j]),
            )
            j += 1
        out[str(col)] = stats
    return out


def _categorical_stats(series: pd.Series) -> dict[str, Any]:
    counts = series.astype("string").value_counts(dropna=True)
    return {
        "dtype": str(series.dtype),
        "nulls": int(series.isna().sum()),
        "kind": "categorical",
        "n_unique": int(counts.shape[0]),
        "top": {str(k): int(v) for k, v in counts.head(TOP_VALUES).items()},
    }


def column_stats(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per-column statistics, kept as the baseline for drift checks later."""
    numeric = [
        c
        for c in frame.columns
        if pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]
    stats = _numeric_stats(frame[numeric])
    for c in numeric:  # keep the original dtype name (bool stays bool)
        stats[str(c)]["dtype"] = str(frame[c].dtype)
    numeric_set = set(numeric)
    for c in frame.columns:
        if c not in numeric_set:
            stats[str(c)] = _categorical_stats(frame[c])
    return {str(c): stats[str(c)] for c in frame.columns}


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """The Dataset record of ``frame``."""
    return {
        "content_hash": content_hash(frame),
        "n_rows": int(frame.shape[0]),
        "n_cols": int(frame.shape[1]),
        "schema": {str(c): str(frame[c].dtype) for c in frame.columns},
        "stats": column_stats(frame),
    }
