"""Helpers for the PMML tests: data sets, pypmml scoring, tolerances."""

from __future__ import annotations

import warnings
from io import StringIO

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine

# MMDS evaluates with the same double arithmetic as scikit-learn.
MMDS_TOLERANCE = 1e-9
# pypmml ships a DataFrame to the JVM as JSON; its own Model.predict(df) writes doubles with 10
# significant digits (pandas' default), which alone moves diabetes predictions by 1e-7.
# score_pypmml() writes 15 digits and reads the answer back exactly, leaving differences of a
# few ulps (inputs rounded at the 15th digit, JVM summation order).
PYPMML_TOLERANCE = 1e-9


def dataset(name: str, *, categorical: bool = False, missing: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
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
        X["band"] = np.where(first < first.quantile(0.33), "low", np.where(first < first.quantile(0.66), "mid", "high"))
        X["band"] = X["band"].astype(object)
    if missing:
        rng = np.random.default_rng(0)
        X.iloc[rng.choice(len(X), size=len(X) // 10, replace=False), 1] = np.nan
        if categorical:
            X.loc[X.index[rng.choice(len(X), size=len(X) // 20, replace=False)], "band"] = np.nan
    return X, y


def score_pypmml(xml: bytes | str, df: pd.DataFrame) -> pd.DataFrame:
    """Score df with pypmml, the reference PMML engine."""
    from pypmml import Model

    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    with warnings.catch_warnings():
        # py4j and pypmml are not ours; their import-time notices must not fail the run.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        model = Model.fromString(text)
        payload = df.reset_index(drop=True).to_json(orient="split", index=False, double_precision=15)
        result = model.call("predict", payload)
        return pd.read_json(StringIO(result), orient="split", precise_float=True, dtype=False)
