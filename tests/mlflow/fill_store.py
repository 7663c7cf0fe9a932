"""Fill an MLflow tracking store the way a team's months of MLflow use would, through MLflow's
own API: runs with parameters, metric histories, tags, notes, a logged data set, nested runs,
models in three shapes (a pickled and a skops scikit-learn model, a pyfunc model), a run
without a model, and a registered model with two versions, a stage and an alias.

Run as a program (``python fill_store.py TRACKING_URI OUT.json``) so MLflow's process-wide
state and warnings stay out of the test process; it writes what it logged to OUT.json.
"""

from __future__ import annotations

import json
import sys
import warnings

import mlflow
from mlflow import MlflowClient
from mlflow.models import infer_signature
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier


class Adder(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input.sum(axis=1)


def main(uri: str, out_path: str) -> None:
    warnings.simplefilter("ignore")
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:, :5].rename(columns=lambda c: c.replace(" ", "_"))
    y = data.target
    X_probe = X.iloc[:20]
    out: dict = {"runs": {}}

    mlflow.set_experiment("churn-exp")
    with mlflow.start_run(run_name="search", description="Hyper-parameter search.") as parent:
        mlflow.set_tag("team", "risk")
        mlflow.log_params({"search": "grid", "cv": 3})
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            mlflow.log_metric("loss", loss, step=step)
        dataset = mlflow.data.from_pandas(X.assign(target=y), name="cancer-train", targets="target")
        mlflow.log_input(dataset, context="training")
        base = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
        mlflow.sklearn.log_model(
            base,
            name="model",
            signature=infer_signature(X, base.predict(X)),
            pip_requirements=["scikit-learn"],
        )
        out["runs"]["search"] = {
            "run_id": parent.info.run_id,
            "predictions": base.predict(X_probe).tolist(),
        }
        for i, (kind, model) in enumerate(
            [
                ("tree", DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)),
                ("lr", LogisticRegression(C=0.5, max_iter=500).fit(X, y)),
            ]
        ):
            with mlflow.start_run(run_name=f"child-{kind}", nested=True) as child:
                mlflow.log_param("kind", kind)
                mlflow.log_metric("accuracy", float((model.predict(X) == y).mean()))
                mlflow.log_input(dataset, context="training")
                mlflow.sklearn.log_model(
                    model,
                    name="model",
                    serialization_format="skops" if kind == "tree" else "cloudpickle",
                    skops_trusted_types=["sklearn.tree._tree.Tree"] if kind == "tree" else None,
                    pip_requirements=["scikit-learn", "skops"],
                    registered_model_name="churn",
                )
                out["runs"][f"child-{kind}"] = {
                    "run_id": child.info.run_id,
                    "predictions": model.predict(X_probe).tolist(),
                    "registered_version": i + 1,
                }
    with mlflow.start_run(run_name="notes-only") as bare:
        mlflow.log_param("note", "no model here")
        out["runs"]["notes-only"] = {"run_id": bare.info.run_id}

    mlflow.set_experiment("other")
    with mlflow.start_run(run_name="adder") as run:
        mlflow.log_metric("r2", 1.0)
        mlflow.pyfunc.log_model(name="adder", python_model=Adder(), pip_requirements=["pandas"])
        out["runs"]["adder"] = {"run_id": run.info.run_id}

    client.set_registered_model_alias("churn", "champion", "2")
    client.transition_model_version_stage("churn", "1", "Staging")
    client.transition_model_version_stage("churn", "2", "Production")
    out["probe"] = X_probe.to_dict(orient="list")
    out["experiments"] = {
        e.name: e.experiment_id for e in client.search_experiments() if e.name != "Default"
    }
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
