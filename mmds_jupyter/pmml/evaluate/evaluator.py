"""PMMLEvaluator: score a DataFrame with numpy, or with pypmml when a document needs it."""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..document import PMMLDocument
from ..errors import PMMLFallbackWarning
from ..loader import collector_paused
from .compiler import CompiledDocument, compile_document
from .fallback import PypmmlScorer
from .frame import (
    Frame,
    Unsupported,
    categorical_strings,
    full,
    kind_of,
    to_number_column,
    to_string_column,
)
from .outputs import OutputColumn, evaluate_outputs, labels_to_numbers


class PMMLEvaluator:
    """Vectorized scorer for a PMMLDocument; `engine` tells which engine scores it."""

    engine: Literal["mmds", "pypmml"]

    def __init__(self, doc: PMMLDocument) -> None:
        self.doc = doc
        self._compiled: CompiledDocument | None = None
        self._fallback: PypmmlScorer | None = None
        try:
            with collector_paused():
                self._compiled = compile_document(doc)
            self.engine = "mmds"
        except Unsupported as exc:
            warnings.warn(
                f"The MMDS PMML evaluator does not support {exc}; this document is scored with "
                "pypmml instead (slower, needs Java).",
                PMMLFallbackWarning,
                stacklevel=2,
            )
            self._fallback = PypmmlScorer(doc.to_string())
            self.engine = "pypmml"

    @property
    def output_names(self) -> list[str]:
        """Names of the columns predict() returns."""
        if self._compiled is not None:
            return [c.name for c in self._compiled.outputs]
        assert self._fallback is not None
        return self._fallback.output_names

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        """Score every row of df; one column per output field."""
        if self._compiled is None:
            assert self._fallback is not None
            return self._fallback.predict(df)
        compiled = self._compiled
        frame = Frame(len(df))
        for name, data_field in compiled.inputs.items():
            kind = kind_of(data_field.get("dataType"), name)
            if name not in df.columns:
                frame.values[name] = full(len(df), None, kind)
            elif kind == "num":
                frame.values[name] = to_number_column(df[name])
            elif (factorized := categorical_strings(df[name])) is not None:
                frame.put_factorized(name, *factorized)
            else:
                frame.values[name] = to_string_column(df[name])
        for name, expr in compiled.derived:
            frame.lazy[name] = expr.fn
        prediction, seen = compiled.model.predict(frame)
        columns = evaluate_outputs(compiled.outputs, prediction, seen)
        return pd.DataFrame(
            {c.name: _typed(columns[c.name], c, compiled.target_type) for c in compiled.outputs},
            index=df.index,
        )


def _typed(values: np.ndarray, column: OutputColumn, target_type: str | None) -> Any:
    data_type = column.data_type
    if column.feature in ("predictedValue", "predictedDisplayValue") and data_type is None:
        data_type = target_type
    if column.kind == "str" and data_type in ("integer", "double", "float"):
        numbers = labels_to_numbers(values)
        if data_type == "integer" and not np.isnan(numbers).any():
            return numbers.astype(np.int64)
        return numbers
    if column.kind == "num" and data_type == "integer" and not np.isnan(values).any():
        return values.astype(np.int64)
    if column.kind == "num" and data_type == "string":
        return values
    return values
