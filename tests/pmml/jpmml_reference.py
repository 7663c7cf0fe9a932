"""JPMML-Evaluator, the most widely used PMML evaluator, as a reference for the tests.

One JVM per test process (jpype starts it on first use); evaluators are built per document.
String columns go over as object dtype: pandas' string dtype trips jpmml_evaluator.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

# Declared outputs must agree with JPMML-Evaluator within this (relative above 1).
JPMML_TOLERANCE = 1e-6


def score_jpmml(xml: bytes | str, df: pd.DataFrame) -> pd.DataFrame:
    """Score df with JPMML-Evaluator; rows it refuses come back with their error text."""
    from jpmml_evaluator import make_evaluator

    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        evaluator = make_evaluator(data).verify()
        objects = df.copy()
        for column in objects.columns:
            if not pd.api.types.is_numeric_dtype(objects[column]):
                objects[column] = objects[column].astype(object)
        return evaluator.evaluateAll(objects)


def assert_declared_outputs_agree(
    ours: pd.DataFrame,
    reference: pd.DataFrame,
    names: list[str],
    rows: np.ndarray | None = None,
    who: str = "JPMML-Evaluator",
) -> None:
    """Every declared output (by name) agrees row by row, missing equals missing; numbers
    within JPMML_TOLERANCE (relative above 1), labels exactly (as text)."""
    assert names, "the document declares no outputs"
    keep = np.ones(len(ours), dtype=bool) if rows is None else rows
    for name in names:
        assert name in ours.columns, f"MMDS did not produce the declared output {name!r}"
        assert name in reference.columns, f"{who} has no column {name!r}"
        mine = ours[name].to_numpy()[keep]
        theirs = reference[name].to_numpy()[keep]
        if pd.api.types.is_numeric_dtype(ours[name].dtype) and not pd.api.types.is_bool_dtype(
            ours[name].dtype
        ):
            a = mine.astype(float)
            b = pd.to_numeric(pd.Series(theirs), errors="coerce").to_numpy(dtype=float)
            assert (np.isnan(a) == np.isnan(b)).all(), (
                f"{name!r}: missing in different rows: ours {a[:8]}, {who} {b[:8]}"
            )
            both = ~np.isnan(a)
            error = np.abs(a[both] - b[both]) / np.maximum(1.0, np.abs(b[both]))
            assert error.size == 0 or error.max() <= JPMML_TOLERANCE, (
                f"{name!r} differs from {who} by up to {error.max():.3g}"
            )
        else:
            left = np.array([_text(v) for v in mine], dtype=object)
            right = np.array([_text(v) for v in theirs], dtype=object)
            differ = np.flatnonzero(left != right)
            assert differ.size == 0, (
                f"{name!r} differs from {who} in rows {differ[:10].tolist()}: "
                f"ours {left[differ[:5]].tolist()}, theirs {right[differ[:5]].tolist()}"
            )


def _text(value: object) -> str | None:
    """A label as text: None for missing (and pmml4s' empty string); 2.0 and 2 alike."""
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)
