"""Write a corpus of PMML files with sklearn2pmml (run by the side environment's Python).

Usage: python sklearn2pmml_corpus.py OUTPUT_DIR
Each file is named <case>.pmml; the data set it was trained on is in CASES below and in
test_conformance_sklearn2pmml.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn2pmml import sklearn2pmml
from sklearn2pmml.pipeline import PMMLPipeline

LOADERS = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "diabetes": load_diabetes,
}


def data(name: str, categorical: bool):
    bunch = LOADERS[name](as_frame=True)
    X = bunch.data.copy()
    if categorical:
        first = X.iloc[:, 0]
        X["band"] = np.where(
            first < first.quantile(0.33),
            "low",
            np.where(first < first.quantile(0.66), "mid", "high"),
        )
    return X, bunch.target


def main(out: Path) -> None:
    cases = {
        "logistic": ("iris", False, LogisticRegression(max_iter=5000)),
        "tree": ("wine", False, DecisionTreeClassifier(max_depth=5, random_state=0)),
        "forest": (
            "breast_cancer",
            False,
            RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0),
        ),
        "boosting-binary": (
            "breast_cancer",
            False,
            GradientBoostingClassifier(n_estimators=10, random_state=0),
        ),
        "boosting-multiclass": (
            "iris",
            False,
            GradientBoostingClassifier(n_estimators=10, random_state=0),
        ),
        "linear": ("diabetes", False, LinearRegression()),
        "forest-regressor": (
            "diabetes",
            False,
            RandomForestRegressor(n_estimators=10, max_depth=6, random_state=0),
        ),
        "boosting-regressor": (
            "diabetes",
            False,
            GradientBoostingRegressor(n_estimators=10, random_state=0),
        ),
        "pipeline-logistic": ("wine", True, LogisticRegression(max_iter=5000)),
        "pipeline-forest": (
            "wine",
            True,
            RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0),
        ),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, (dataset, categorical, model) in cases.items():
        X, y = data(dataset, categorical)
        steps = []
        if categorical:
            numeric = [c for c in X.columns if c != "band"]
            steps.append(
                (
                    "prep",
                    ColumnTransformer(
                        [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(), ["band"])]
                    ),
                )
            )
        pipeline = PMMLPipeline([*steps, ("model", model)]).fit(X, y)
        sklearn2pmml(pipeline, str(out / f"{name}.pmml"))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
