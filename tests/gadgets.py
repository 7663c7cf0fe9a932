"""Attackers' model files: pipelines whose steps run code when the model is used.

Each gadget is a fitted scikit-learn Pipeline over columns ``a`` and ``b`` whose first steps,
when the model predicts, write the file ``marker`` (the side effect the tests look for), and
whose last step is a real fitted LogisticRegression (so it tracks like any classifier).
"""

from __future__ import annotations

import builtins
import functools
import operator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

FRAME = pd.DataFrame({"a": [0.1, 0.5, 0.9, 0.3], "b": [1.0, 0.0, 1.0, 0.0]})
TARGET = pd.Series([0, 1, 1, 0])


def _fill(text: str) -> FunctionTransformer:
    """A step that replaces every input value by ``text`` (an object array)."""
    return FunctionTransformer(np.full_like, kw_args={"fill_value": text, "dtype": object})


def _pipeline(*steps: Any) -> Pipeline:
    fitted = [(f"step{i}", s.fit(FRAME)) for i, s in enumerate(steps)]
    return Pipeline([*fitted, ("lr", LogisticRegression().fit(FRAME, TARGET))])


def gadgets(marker: Path) -> dict[str, tuple[Pipeline, list[str]]]:
    """name -> (model, the dangerous type names the refusal must list)."""
    code = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        # The one from issue 10: numpy.full_like fills the input with the text, then
        # numpy.vectorize(builtins.exec) runs it.
        "exec": (
            _pipeline(_fill(code), FunctionTransformer(np.vectorize(builtins.exec))),
            ["builtins.exec", "numpy.full_like", "numpy.vectorize"],
        ),
        "eval": (
            _pipeline(_fill(code), FunctionTransformer(np.vectorize(builtins.eval))),
            ["builtins.eval", "numpy.vectorize"],
        ),
        # Imports a module (on sys.path in the tests) whose import writes the marker.
        "__import__": (
            _pipeline(_fill("mmds_gadget_module"), FunctionTransformer(np.vectorize(__import__))),
            ["builtins.__import__", "numpy.vectorize"],
        ),
        "getattr": (
            _pipeline(FunctionTransformer(builtins.getattr, kw_args={})),
            ["builtins.getattr"],
        ),
        # X.to_csv(marker) through a method caller; numpy.savetxt(marker, X) through a partial.
        "methodcaller": (
            _pipeline(FunctionTransformer(operator.methodcaller("to_csv", str(marker)))),
            ["operator.methodcaller"],
        ),
        "partial": (
            _pipeline(FunctionTransformer(functools.partial(np.savetxt, str(marker)))),
            ["functools.partial", "numpy.savetxt"],
        ),
        "frompyfunc": (
            _pipeline(_fill(code), FunctionTransformer(np.frompyfunc(builtins.exec, 1, 1))),
            ["numpy.full_like"],
        ),
    }


def gadget_module(folder: Path, marker: Path) -> None:
    """The module the ``__import__`` gadget imports: importing it writes ``marker``."""
    (folder / "mmds_gadget_module.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
