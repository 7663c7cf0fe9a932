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


def column_stats(series: pd.Series) -> dict[str, Any]:
    """Statistics of one column, kept as the baseline for drift checks later."""
    nulls = int(series.isna().sum())
    stats: dict[str, Any] = {"dtype": str(series.dtype), "nulls": nulls}
    if pd.api.types.is_bool_dtype(series):
        series = series.astype("int8")
    if pd.api.types.is_numeric_dtype(series):
        s = series.dropna().astype("float64")
        if len(s):
            q = np.quantile(s.to_numpy(), [0.25, 0.5, 0.75])
            stats.update(
                kind="numeric",
                mean=_number(s.mean()),
                std=_number(s.std(ddof=0)),
                min=_number(s.min()),
                p25=_number(q[0]),
                p50=_number(q[1]),
                p75=_number(q[2]),
                max=_number(s.max()),
            )
        else:
            stats["kind"] = "numeric"
        return stats
    counts = series.astype("string").value_counts(dropna=True)
    stats.update(
        kind="categorical",
        n_unique=int(counts.shape[0]),
        top={str(k): int(v) for k, v in counts.head(TOP_VALUES).items()},
    )
    return stats


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """The Dataset record of ``frame``."""
    return {
        "content_hash": content_hash(frame),
        "n_rows": int(frame.shape[0]),
        "n_cols": int(frame.shape[1]),
        "schema": {str(c): str(frame[c].dtype) for c in frame.columns},
        "stats": {str(c): column_stats(frame[c]) for c in frame.columns},
    }
