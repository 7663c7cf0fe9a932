"""Write the PMML files of other producers that tests/pmml/test_conformance_producers.py scores.

Run once, and again only to refresh the committed files:
    /work/main/.venv-pmml-producers/bin/python tests/pmml/producers/make_files.py sklearn2pmml
    /work/main/.venv/bin/python tests/pmml/producers/make_files.py nyoka
(sklearn2pmml refuses the project venv's scikit-learn, so it runs in the side venv built by
tests/pmml/make_side_env.sh; nyoka runs in the project venv.) Models are trained on iris.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from sklearn.cluster import KMeans
from sklearn.datasets import load_iris
from sklearn.linear_model import LinearRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, SVR

HERE = Path(__file__).parent
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def iris():
    bunch = load_iris(as_frame=True)
    X = bunch.data.copy()
    X.columns = FEATURES
    y = bunch.target_names[bunch.target]
    return X, y


def models():
    """name: (estimator, target kind) — the targets: species (classes), petal_width (number)."""
    return {
        "svc": (SVC(kernel="rbf", gamma=0.5, C=1.0), "species"),
        "svc_linear": (SVC(kernel="linear"), "species"),
        "svr": (SVR(kernel="rbf", gamma=0.3), "number"),
        "mlp": (MLPClassifier(hidden_layer_sizes=(6,), max_iter=2000, random_state=0), "species"),
        "mlp_regressor": (
            MLPRegressor(hidden_layer_sizes=(5,), max_iter=3000, random_state=0),
            "number",
        ),
        "gaussian_nb": (GaussianNB(), "species"),
        "kmeans": (KMeans(n_clusters=3, n_init=10, random_state=0), "none"),
        "linear": (LinearRegression(), "number"),
    }


def training(kind: str):
    X, y = iris()
    if kind == "number":
        return X[FEATURES[:3]], X["petal_width"].to_numpy()
    if kind == "none":
        return X, None
    return X, y


def write_sklearn2pmml(out: Path) -> None:
    from sklearn2pmml import sklearn2pmml
    from sklearn2pmml.pipeline import PMMLPipeline

    for name, (estimator, kind) in models().items():
        X, y = training(kind)
        pipeline = PMMLPipeline([("model", estimator)])
        pipeline.fit(X, y) if y is not None else pipeline.fit(X)
        if kind == "species":
            pipeline.target_fields = ["species"]
        elif kind == "number":
            pipeline.target_fields = ["petal_width"]
        sklearn2pmml(pipeline, str(out / f"sklearn2pmml_{name}.pmml"))


def write_nyoka(out: Path) -> None:
    from nyoka import skl_to_pmml

    for name, (estimator, kind) in models().items():
        if name in ("svr",):
            continue
        X, y = training(kind)
        pipeline = Pipeline([("model", estimator)])
        pipeline.fit(X, y) if y is not None else pipeline.fit(X)
        target = {"species": "species", "number": "petal_width", "none": "cluster"}[kind]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            skl_to_pmml(pipeline, list(X.columns), target, str(out / f"nyoka_{name}.pmml"))


if __name__ == "__main__":
    producer = sys.argv[1]
    out = HERE / "files"
    out.mkdir(exist_ok=True)
    {"sklearn2pmml": write_sklearn2pmml, "nyoka": write_nyoka}[producer](out)
