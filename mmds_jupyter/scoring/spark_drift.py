"""A Spark DataFrame counted in a baseline's bins, in Spark: the drift of a Spark score set.

:func:`summarize` gives what :func:`..monitoring.baseline.summarize` gives for a pandas frame —
per column the counts in the baseline's bins (then "out of range" / "other", then "missing")
and, for numbers, a sample of at most ``baseline.SAMPLE`` values — from one Spark aggregation
and one sample of rows, so only those few hundred numbers reach the driver. Bins and labels
follow the pandas code exactly (bin i holds [edge i, edge i+1), the last also its maximum;
categories compared as text), so the same rows give the same counts either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..monitoring import baseline as bl

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def _numeric_slots(col: dict[str, Any], value: Column) -> list[Column]:
    """One condition per count of a numeric column: each bin, out of range, missing."""
    from pyspark.sql import functions as F

    missing = value.isNull() | F.isnan(value)
    edges = [float(e) for e in col["edges"]]
    if not edges:
        return [~missing, missing]
    n_bins = max(len(edges) - 1, 1)
    outside = ~missing & ((value < edges[0]) | (value > edges[-1]))
    inside = ~missing & ~outside
    # The number of inner edges at or below the value is the bin (numpy's searchsorted, right).
    index: Column = F.lit(0)
    for edge in edges[1:n_bins]:
        index = index + (value >= edge).cast("int")
    return [inside & (index == i) for i in range(n_bins)] + [outside, missing]


def _categorical_slots(col: dict[str, Any], df: DataFrame, name: str) -> list[Column]:
    """One condition per count of a categorical column: each category, other, missing."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    raw = F.col(f"`{name}`")
    dtype = df.schema[name].dataType
    missing = raw.isNull()
    if isinstance(dtype, (T.DoubleType, T.FloatType)):
        missing = missing | F.isnan(raw)
    if isinstance(dtype, T.BooleanType):  # as pandas writes them
        text = F.when(raw, F.lit("True")).otherwise(F.lit("False"))
    else:
        text = raw.cast("string")
    cats = [str(c) for c in col["categories"]]
    known = [~missing & (text == c) for c in cats]
    other = ~missing & ~text.isin(cats) if cats else ~missing
    return [*known, other, missing]


def summarize(baseline: dict[str, Any], df: DataFrame, role: str) -> dict[str, Any]:
    """``df`` counted in the baseline's bins of its columns of ``role`` ("input" or "score"),
    with a sample of each numeric column; the shape of :func:`..monitoring.baseline.summarize`."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    aggs: list[Column] = [F.count(F.lit(1)).alias("n")]
    plan: list[tuple[str, int]] = []  # (column, how many counts)
    numeric: list[str] = []
    for name, col in baseline["columns"].items():
        if name not in df.columns or col["role"] != role:
            continue
        dtype = df.schema[name].dataType
        if col["kind"] == "numeric" and isinstance(dtype, (T.NumericType, T.BooleanType)):
            slots = _numeric_slots(col, F.col(f"`{name}`").cast("double"))
            numeric.append(name)
        elif col["kind"] == "numeric":  # text where numbers were: every value is out of range
            missing = F.col(f"`{name}`").isNull()
            slots = [F.lit(False)] * (len(col["counts"]) - 2) + [~missing, missing]
        else:
            slots = _categorical_slots(col, df, name)
        start = len(aggs)
        aggs += [F.count(F.when(s, 1)).alias(f"c{start + i}") for i, s in enumerate(slots)]
        plan.append((name, len(slots)))
    row = df.agg(*aggs).collect()[0]
    n_rows = int(row["n"])
    samples = _samples(df, numeric, n_rows)
    out: dict[str, Any] = {}
    at = 1
    for name, width in plan:
        counts = [int(row[at + i]) for i in range(width)]
        at += width
        out[name] = {"counts": counts}
        if baseline["columns"][name]["kind"] == "numeric":
            out[name]["sample"] = samples.get(name, np.empty(0))
    return {"format": bl.FORMAT, "n_rows": n_rows, "columns": out}


def _samples(df: DataFrame, names: list[str], n_rows: int) -> dict[str, np.ndarray]:
    """The finite values of each column in one fixed sample of at most ``bl.SAMPLE`` rows
    (every row when there are no more)."""
    from pyspark.sql import functions as F

    if not names:
        return {}
    rows = df
    if n_rows > bl.SAMPLE:
        # A little over the share needed, then cut, so the sample is rarely short.
        rows = df.sample(False, min(1.0, 1.2 * bl.SAMPLE / n_rows), seed=0).limit(bl.SAMPLE)
    picked = rows.select(
        *[F.col(f"`{n}`").cast("double").alias(f"s{i}") for i, n in enumerate(names)]
    ).collect()
    out = {}
    for i, name in enumerate(names):
        values = np.array([r[i] for r in picked], dtype="float64")  # None becomes nan
        out[name] = values[np.isfinite(values)]
    return out
