"""Columns of values that an evaluation reads and writes, with lazily computed derived fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

Kind = Literal["num", "str"]
"""How a field's values are held: float64 with NaN for missing, or objects with None."""

NUMERIC_TYPES = frozenset({"double", "float", "integer", "boolean"})


class Unsupported(Exception):
    """Raised while compiling a document when an element is beyond the MMDS evaluator."""


def kind_of(data_type: str | None, where: str) -> Kind:
    """Map a PMML dataType to the way its values are held."""
    if data_type is None or data_type in NUMERIC_TYPES:
        return "num"
    if data_type == "string":
        return "str"
    raise Unsupported(f"dataType={data_type!r} of {where}")


def parse_value(text: str, kind: Kind) -> float | str:
    """Parse a PMML attribute or cell value for a field of the given kind."""
    if kind == "str":
        return text
    lowered = text.strip().lower()
    if lowered == "true":
        return 1.0
    if lowered == "false":
        return 0.0
    return float(text)


def is_missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of missing entries (NaN or None)."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    return pd.isna(values)


def missing_value(kind: Kind) -> float | None:
    """The placeholder for a missing value of a kind."""
    return np.nan if kind == "num" else None


def full(n: int, value: float | str | None, kind: Kind) -> np.ndarray:
    """A column of n copies of one value."""
    if kind == "num":
        return np.full(n, np.nan if value is None else float(value))
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def to_string_column(series: pd.Series) -> np.ndarray:
    """Convert an input column to PMML strings, keeping missing entries as None."""
    if not pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            return values
    missing = series.isna().to_numpy()
    out = series.astype(str).to_numpy(dtype=object)
    if pd.api.types.is_float_dtype(series.dtype):
        # Numbers read as categories must give "1", not "1.0", to match Value elements.
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        integral = ~missing & (numbers == np.floor(numbers))
        out[integral] = numbers[integral].astype(np.int64).astype(str).astype(object)
    out[missing] = None
    return out


def categorical_strings(series: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(values, codes, distinct values) of a categorical column of text, None for any other
    column. Its codes are its factorization: scoring, which has factorized the data already,
    passes text this way so that the evaluator neither converts nor factorizes it again."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return None
    uniques = np.asarray(series.cat.categories, dtype=object)
    if pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
        return None
    codes = series.cat.codes.to_numpy().astype(np.intp)
    with_missing = np.append(uniques, np.array([None], dtype=object))
    return with_missing[codes], codes, uniques  # code -1 reads the appended None


def to_number_column(series: pd.Series) -> np.ndarray:
    """Convert an input column to float64 with NaN for missing or non-numeric entries."""
    if series.dtype == np.float64:
        return series.to_numpy()
    if series.dtype == bool:
        return series.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype=float, na_value=np.nan)
    lowered = series.map(
        lambda v: {"true": 1.0, "false": 0.0}.get(v, v) if isinstance(v, str) else v
    )
    return pd.to_numeric(lowered, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


class Frame:
    """Named columns for n rows; derived fields are computed on first use and then kept."""

    def __init__(self, n: int, parent: Frame | None = None) -> None:
        self.n = n
        self.parent = parent
        self.values: dict[str, np.ndarray] = {}
        self.lazy: dict[str, Callable[[Frame], np.ndarray]] = {}
        self.codes: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def get(self, name: str) -> np.ndarray:
        """The column of a field, computing it if it is a derived field not yet computed."""
        frame: Frame | None = self
        while frame is not None:
            if name in frame.values:
                return frame.values[name]
            if name in frame.lazy:
                # Computed in the frame that declares it, so sibling scopes share the result.
                compute = frame.lazy.pop(name)
                frame.values[name] = compute(frame)
                return frame.values[name]
            frame = frame.parent
        raise KeyError(name)

    def child(self) -> Frame:
        """A nested scope whose new fields do not leak into this one."""
        return Frame(self.n, self)

    def put_factorized(
        self, name: str, values: np.ndarray, codes: np.ndarray, uniques: np.ndarray
    ) -> None:
        """Set a string column whose factorization is known (codes -1 where missing)."""
        self.values[name] = values
        self.codes[id(values)] = (values, codes, uniques)

    def factorize(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques) of a string column, -1 for missing; cached for the whole frame tree.

        Comparing small integer codes is far cheaper than comparing Python strings row by row,
        and a categorical column is usually compared many times (one-hot fields, predicates).
        """
        root = self
        while root.parent is not None:
            root = root.parent
        hit = root.codes.get(id(values))
        if hit is not None and hit[0] is values:
            return hit[1], hit[2]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
        root.codes[id(values)] = (values, codes, uniques)
        return codes, uniques


class Scope:
    """Compile-time record of which fields exist and how their values are held."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.kinds: dict[str, Kind] = {}
        self.optypes: dict[str, str] = {}

    def kind(self, name: str) -> Kind:
        """The kind of a declared field."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.kinds:
                return scope.kinds[name]
            scope = scope.parent
        raise Unsupported(f"a reference to field {name!r} outside its scope")

    def optype(self, name: str) -> str | None:
        """The optype of a declared field, if known."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.optypes:
                return scope.optypes[name]
            scope = scope.parent
        return None

    def declare(self, name: str, kind: Kind, optype: str | None = None) -> None:
        """Add a field to this scope."""
        self.kinds[name] = kind
        if optype is not None:
            self.optypes[name] = optype

    def child(self) -> Scope:
        """A nested scope (a model's local transformations or a chained segment)."""
        return Scope(self)
