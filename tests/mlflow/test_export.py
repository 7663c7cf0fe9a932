"""`mmds export mlflow`: an MLflow model directory that MLflow itself loads and that predicts
what MMDS predicts."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow_checks import MLFLOW_WARNINGS, by_run
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmds_jupyter.cli import main
from mmds_jupyter.mlflow_io import export_mlflow, import_mlflow
from mmds_jupyter.registry import Registry

pytestmark = MLFLOW_WARNINGS


@pytest.fixture
def pyfunc(monkeypatch: pytest.MonkeyPatch) -> Any:
    """mlflow.pyfunc as a plain user has it: not told to allow pickles (an export is skops, which
    MLflow loads without that); imported here, where MLflow's own import-time notes are allowed."""
    monkeypatch.delenv("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Any type hint is inferred as AnyType": MLflow's
        import mlflow.pyfunc
    return mlflow.pyfunc


def test_an_exported_version_predicts_the_same_in_mlflow(
    cancer: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pyfunc: Any,
) -> None:
    numeric = [c for c in cancer["X_train"].columns if c != "country"]
    X_train, X_test = cancer["X_train"][numeric], cancer["X_test"][numeric]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(X_train, cancer["y_train"])
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", tmp_path / "home"
    with Registry(url=url, home=str(home), actor="maya") as reg:
        v = reg.track(
            model, name="churn", project="risk", X_test=X_test, y_test=cancer["y_test"],
            X_train=X_train, y_train=cancer["y_train"],
        )  # fmt: skip
        target = tmp_path / "exported"
        args = ["--url", url, "--home", str(home), "export", "mlflow", v.ref, str(target)]
        assert main(args) == 0
        assert "mlflow.pyfunc.load_model loads it" in capsys.readouterr().out

        loaded = pyfunc.load_model(str(target))
        np.testing.assert_array_equal(
            np.asarray(loaded.predict(X_test)), reg.load(v.ref).predict(X_test)
        )
        mlmodel = yaml.safe_load((target / "MLmodel").read_text())
        assert set(mlmodel["flavors"]) == {"sklearn", "python_function"}
        assert mlmodel["flavors"]["sklearn"]["serialization_format"] == "skops"
        assert (target / mlmodel["flavors"]["sklearn"]["pickled_model"]).is_file()
        # The signature is the score contract; the requirements are the captured environment.
        inputs = loaded.metadata.get_input_schema().to_dict()
        contract = reg.contract(v)
        assert [(c["name"], c["type"]) for c in inputs] == [
            (i.name, {"float": "double", "integer": "long"}[i.type]) for i in contract.inputs
        ]
        requirements = (target / "requirements.txt").read_text().split()
        assert f"scikit-learn=={v.environment['libraries']['scikit-learn']}" in requirements
        assert mlmodel["metadata"]["mmds_ref"] == v.ref

        # A folder that holds something is never written into.
        assert main(args) == 1
        assert "not an empty folder" in capsys.readouterr().err


def test_an_imported_mlflow_model_exports_as_it_came(
    sqlite_store: dict[str, Any], tmp_path: Path, pyfunc: Any
) -> None:
    with Registry(url=f"sqlite:///{tmp_path / 'm.db'}", home=str(tmp_path / "h")) as reg:
        import_mlflow(reg, sqlite_store["uri"], experiments=["churn-exp"])
        lr = by_run(reg)[sqlite_store["runs"]["child-lr"]["run_id"]]
        assert lr.artifact_format == "mlflow"  # pickled, kept as MLflow wrote it
        path = export_mlflow(reg, lr.ref, tmp_path / "again")
        loaded = pyfunc.load_model(str(path))
        probe = pd.DataFrame(sqlite_store["probe"])
        np.testing.assert_array_equal(
            np.asarray(loaded.predict(probe)), sqlite_store["runs"]["child-lr"]["predictions"]
        )


def test_the_python_api_imports_and_exports_with_the_process_registry(
    sqlite_store: dict[str, Any], tmp_path: Path, pyfunc: Any
) -> None:
    import mmds_jupyter as mmds

    mmds.connect(url=f"sqlite:///{tmp_path / 'g.db'}", home=str(tmp_path / "g"), actor="ann")
    try:
        summary = mmds.import_mlflow(sqlite_store["uri"], experiments=["churn-exp"])
        assert len(summary.imported) == 3 and summary.already_imported == 0
        search = mmds.get("churn-exp/model:1")
        path = mmds.export_mlflow(search.ref, tmp_path / "out")
        probe = pd.DataFrame(sqlite_store["probe"])
        np.testing.assert_array_equal(
            np.asarray(pyfunc.load_model(str(path)).predict(probe)),
            mmds.load(search.ref).predict(probe),
        )
    finally:
        mmds.default_registry().close()
