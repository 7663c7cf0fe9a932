"""Helpers for the PMML tests: data sets, pypmml scoring, tolerances."""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

# MMDS evaluates with the same double arithmetic as scikit-learn.
MMDS_TOLERANCE = 1e-9
# pypmml ships a DataFrame to the JVM as JSON; its own Model.predict(df) writes doubles with 10
# significant digits (pandas' default), which alone moves diabetes predictions by 1e-7 and sends
# values sitting on a split threshold down the wrong branch. score_pypmml() writes every double
# exactly (17 digits) and reads the answer back exactly, leaving differences of a few ulps from
# the JVM's order of summation.
PYPMML_TOLERANCE = 1e-9


def dataset(
    name: str, *, categorical: bool = False, missing: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """A scikit-learn data set as a DataFrame, optionally with a categorical column and NaNs."""
    loader = {
        "iris": load_iris,
        "wine": load_wine,
        "breast_cancer": load_breast_cancer,
        "diabetes": load_diabetes,
    }[name]
    bunch = loader(as_frame=True)
    X = bunch.data.copy()
    y = bunch.target.to_numpy()
    if categorical:
        # Informative: the band of the first feature, as strings.
        first = X.iloc[:, 0]
        X["band"] = np.where(
            first < first.quantile(0.33),
            "low",
            np.where(first < first.quantile(0.66), "mid", "high"),
        )
        X["band"] = X["band"].astype(object)
    if missing:
        rng = np.random.default_rng(0)
        X.iloc[rng.choice(len(X), size=len(X) // 10, replace=False), 1] = np.nan
        if categorical:
            X.loc[X.index[rng.choice(len(X), size=len(X) // 20, replace=False)], "band"] = np.nan
    return X, y


# How tree ensembles are scored, each forced on through its size thresholds; blocks are small so
# that a few hundred rows make several of them (and a last one shorter than the rest).
ENGINES = {
    "numpy-walk": {"MMDS_PMML_JIT": "0", "TOP_MIN_ROWS": 1 << 30, "BLOCK_ELEMENTS": 7 * 10},
    "numpy-top-levels": {"MMDS_PMML_JIT": "0", "TOP_MIN_ROWS": 1, "TOP_BLOCK": 97},
    "compiled": {"JIT_FIRST_PAIRS": 0, "JIT_MIN_PAIRS": 0, "JIT_BLOCK": 90},
}


def force_engine(monkeypatch: pytest.MonkeyPatch, engine: str) -> list[str]:
    """Force one of ENGINES; the returned list fills with the engines that then score
    ("numpy-walk" runs inside the others too, so it is never listed)."""
    from mmds_jupyter.pmml.evaluate import forest, forest_jit

    used: list[str] = []
    top, kernel = forest.Forest._top, forest_jit.kernel

    def spy_top(self: Any, *args: Any) -> Any:
        used.append("numpy-top-levels")
        return top(self, *args)

    def spy_kernel(pairs: int) -> Any:
        compiled = kernel(pairs)
        if compiled is not None:
            used.append("compiled")
        return compiled

    monkeypatch.setattr(forest.Forest, "_top", spy_top)
    monkeypatch.setattr(forest_jit, "kernel", spy_kernel)
    for name, value in ENGINES[engine].items():
        if name.startswith("MMDS_"):
            monkeypatch.setenv(name, str(value))
        else:
            monkeypatch.setattr(forest_jit if name.startswith("JIT_") else forest, name, value)
    return used


def score_pypmml(xml: bytes | str, df: pd.DataFrame) -> pd.DataFrame:
    """Score df with pypmml, the reference PMML engine."""
    from pypmml import Model

    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    with warnings.catch_warnings():
        # py4j and pypmml are not ours; their import-time notices must not fail the run.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        model = Model.fromString(text)
        payload = _exact_json(df)
        result = model.call("predict", payload)
        from mmds_jupyter.pmml.evaluate.fallback import read_split_json

        return read_split_json(result, pd.RangeIndex(len(df)))


def _exact_json(df: pd.DataFrame) -> str:
    """The 'split' JSON pypmml expects, with doubles written to round-trip exactly."""
    rows = [
        [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in row]
        for row in df.astype(object).itertuples(index=False, name=None)
    ]
    return json.dumps({"columns": [str(c) for c in df.columns], "data": rows})


def random_inputs(n: int = 400, seed: int = 1) -> pd.DataFrame:
    """Numbers around the split points, categories a/b/c plus an invalid one, ~15% missing."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0.5, 2.0, n)
    x2 = rng.normal(0.0, 1.5, n)
    # Exact split values too, where <= and < disagree.
    x1[:8] = [5, 0.5, 0, 2, -2, 3, 1, -1]
    x2[:8] = [1, 0, -1, 0.5, 1.5, -0.25, 0, 1]
    c = rng.choice(np.array(["a", "b", "c", "z"], dtype=object), n)
    df = pd.DataFrame({"x1": x1, "x2": x2, "c": c})
    for column in df.columns:
        df.loc[rng.random(n) < 0.15, column] = np.nan if column != "c" else None
    return df


def assert_same_scores(ours: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Every output column agrees row by row (missing equals missing).

    One known pmml4s quirk is tolerated: when every class probability of a row is missing,
    pmml4s still names the first class as the prediction; MMDS reports it missing.
    """
    probability_columns = [c for c in reference.columns if c.startswith("probability(")]
    unknown = np.zeros(len(reference), dtype=bool)
    if probability_columns:
        unknown = reference[probability_columns].isna().all(axis=1).to_numpy()
    for column in ours.columns:
        assert column in reference.columns, (
            f"pypmml has no column {column!r}: {list(reference.columns)}"
        )
        mine = ours[column].to_numpy()
        theirs = reference[column].to_numpy()
        if theirs.dtype.kind == "i":
            # pmml4s writes a missing integer as Long.MIN_VALUE.
            theirs = np.where(theirs == np.iinfo(np.int64).min, np.nan, theirs.astype(float))
        numeric = pd.api.types.is_numeric_dtype(ours[column].dtype)
        if numeric:
            np.testing.assert_allclose(
                mine.astype(float),
                pd.to_numeric(pd.Series(theirs), errors="coerce").to_numpy(dtype=float),
                rtol=0,
                atol=PYPMML_TOLERANCE,
                err_msg=f"column {column!r}",
            )
        else:
            left = np.array(_labels(mine), dtype=object)
            right = np.array(_labels(theirs), dtype=object)
            quirk = unknown & np.array([v is None for v in left], dtype=bool)
            right[quirk] = None
            differ = np.flatnonzero(left != right)
            assert differ.size == 0, (
                f"column {column!r} differs in rows {differ[:10].tolist()}: "
                f"ours {left[differ[:5]].tolist()} pypmml {right[differ[:5]].tolist()}"
            )


def _labels(values: np.ndarray) -> list[str | None]:
    """Class labels as strings, with every kind of missing value as None."""
    # pmml4s writes a missing entityId as "".
    return [
        None if v is None or v == "" or (isinstance(v, float) and np.isnan(v)) else str(v)
        for v in values
    ]
