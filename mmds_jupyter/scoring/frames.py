"""Read score inputs and write score outputs: DataFrames, Parquet and CSV files."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidInput


def read_input(data: Any) -> pd.DataFrame:
    """A DataFrame as given, or the contents of a Parquet or CSV file at a path."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, (str, os.PathLike)):
        path = Path(data).expanduser()
        if not path.exists():
            raise InvalidInput(f"The input file {path} does not exist.")
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        raise InvalidInput(f"Cannot read {path}: give a .parquet or .csv file, or a DataFrame.")
    raise InvalidInput(
        f"Scoring input must be a DataFrame or a file path, not {type(data).__name__}."
    )


def to_parquet_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as Parquet, without its index.

    Only text and categorical columns are dictionary-encoded: numbers such as probabilities
    and ids rarely repeat, and trying a dictionary on them was most of the write's time."""
    text = [
        str(c)
        for c, dtype in frame.dtypes.items()
        if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype)
    ]
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False, use_dictionary=text)
    return buf.getvalue()


def from_parquet_bytes(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))
