"""Scoring through pypmml for documents the numpy evaluator does not support."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd


class PypmmlScorer:
    """pypmml's Model, fed with doubles that round-trip exactly.

    pypmml's own Model.predict(df) serializes inputs with pandas' default 10 significant digits,
    which changes predictions (1e-7 on linear models, whole branches on trees when a value sits
    on a split); this writes every double in full instead.
    """

    def __init__(self, text: str) -> None:
        from pypmml import Model

        with warnings.catch_warnings():
            # py4j's import-time notices are not ours to fix.
            warnings.simplefilter("ignore", DeprecationWarning)
            self.model: Any = Model.fromString(text)

    @property
    def output_names(self) -> list[str]:
        """Names of the columns pypmml returns."""
        return list(self.model.outputNames)

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Score df row by row on the JVM."""
        result = self.model.call("predict", exact_json(df))
        return read_split_json(result, df.index)


def read_split_json(text: str, index: pd.Index) -> pd.DataFrame:
    """pmml4s' 'split' JSON answer as a frame, numbers exactly as written. (pandas' reader
    refuses subnormal doubles such as 1e-320, which naive Bayes probabilities reach.)"""
    answer = json.loads(text)
    columns = list(zip(*answer["data"], strict=True)) if answer["data"] else []
    out = pd.DataFrame(
        {
            name: _column(list(columns[i]) if columns else [])
            for i, name in enumerate(answer["columns"])
        },
        index=index,
    )
    return out


def _column(values: list[Any]) -> Any:
    """Numbers as float64 (None as NaN), anything else as objects."""
    if all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values):
        if any(isinstance(v, float) for v in values) or any(v is None for v in values):
            return np.array([np.nan if v is None else v for v in values], dtype=float)
        return np.array(values, dtype=np.int64) if values else np.array([], dtype=float)
    return np.array(values, dtype=object)


def exact_json(df: pd.DataFrame) -> str:
    """The 'split' JSON that pmml4s reads, with doubles written to round-trip exactly."""
    columns = []
    for name in df.columns:
        values = df[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        if missing.any():
            values = values.copy()
            values[missing] = None
        columns.append(values)
    rows = list(zip(*[c.tolist() for c in columns], strict=True)) if columns else []
    return json.dumps({"columns": [str(c) for c in df.columns], "data": rows}, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot send {type(value).__name__} to pypmml")
