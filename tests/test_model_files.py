"""Model files from other people: a file that would run code loads only with trusted=True.

Every gadget of issue 10 is tracked by one user (the attacker) and then used by another through
each front end that loads a model: ``Registry.load``/``mmds.load``, ``mmds.score``, the
``%mmds load``/``%mmds score`` magics and the ``mmds score`` command. The gadgets write a marker
file when they run; the tests check that the front end refuses the file, names every type it
refused, and that the marker was never written.
"""

from __future__ import annotations

import importlib
import sys

import numpy as np
import pytest
from gadgets import FRAME, gadget_module, gadgets
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.feature_selection import SelectKBest
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC

import mmds_jupyter
from mmds_jupyter.capture.serialize import allowed_types
from mmds_jupyter.errors import UntrustedArtifact

NUM = ["mean_radius", "mean_texture", "zip_code"]


@pytest.fixture
def planted(sqlite_reg, tmp_path, monkeypatch):
    """(registry, marker, {model name: refused type names}) with every gadget tracked."""
    marker = tmp_path / "ran"
    folder = tmp_path / "modules"
    folder.mkdir()
    gadget_module(folder, marker)
    monkeypatch.syspath_prepend(str(folder))
    importlib.invalidate_caches()
    names = {}
    for kind, (model, dangerous) in gadgets(marker).items():
        name = "g_" + kind.strip("_")
        sqlite_reg.track(model, name=name, project="evil")
        names[f"evil/{name}"] = dangerous
    assert not marker.exists()  # tracking never runs the model
    yield sqlite_reg, marker, names
    sys.modules.pop("mmds_gadget_module", None)


def _named_all(exc: BaseException, dangerous: list[str]) -> None:
    for type_name in dangerous:
        assert type_name in str(exc), (type_name, str(exc))
    assert "trusted=True" in str(exc)


def test_gadgets_are_refused_by_load_and_score(planted):
    reg, marker, names = planted
    for ref, dangerous in names.items():
        with pytest.raises(UntrustedArtifact) as refused:
            reg.load(ref).predict(FRAME)
        _named_all(refused.value, dangerous)
        with pytest.raises(UntrustedArtifact) as refused:
            reg.score(ref, FRAME)
        _named_all(refused.value, dangerous)
        reg.set_stage(ref, "production")
        with pytest.raises(UntrustedArtifact):
            reg.score(ref, FRAME.assign(id=range(len(FRAME))), mode="production", key="id")
    assert not marker.exists()
    assert reg.scores().empty  # nothing was stored either


def test_public_api_refuses_gadgets(planted, tmp_path):
    reg, marker, names = planted
    mmds_jupyter.connect(url=reg.url, home=reg.home, actor="victor")
    try:
        for ref, dangerous in names.items():
            with pytest.raises(UntrustedArtifact) as refused:
                mmds_jupyter.load(ref).predict(FRAME)
            _named_all(refused.value, dangerous)
            with pytest.raises(UntrustedArtifact):
                mmds_jupyter.get(ref).load()
            with pytest.raises(UntrustedArtifact):
                mmds_jupyter.score(ref, FRAME)
    finally:
        mmds_jupyter.default_registry().close()
    assert not marker.exists()


def test_trusted_true_loads_what_the_caller_vouches_for(planted, cancer):
    reg, marker, _ = planted
    # The file loads (building it runs nothing); only using it would run the code.
    model = reg.load("evil/g_exec", trusted=True)
    assert [name for name, _ in model.steps][-1] == "lr"
    assert not marker.exists()
    # Harmless models that hold a function need the same say-so: SelectKBest keeps its
    # score_func, HistGradientBoosting on pandas categories keeps partial(check_array, ...).
    X, y = cancer["X_train"][NUM], cancer["y_train"]
    cat = X.assign(country=cancer["X_train"]["country"].astype("category"))
    holding = {
        "f_classif": (make_pipeline(SelectKBest(k=2), LogisticRegression(max_iter=3000)), X),
        "check_array": (HistGradientBoostingClassifier(max_iter=5), cat),
    }
    for function, (model, data) in holding.items():
        model.fit(data, y)
        version = reg.track(model, name=function)
        with pytest.raises(UntrustedArtifact, match=function):
            reg.load(version)
        loaded = reg.load(version, trusted=True)
        np.testing.assert_array_equal(loaded.predict(data), model.predict(data))


def _typical_models(cancer):
    X, y = cancer["X_train"], cancer["y_train"]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUM),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["country"]),
        ]
    )
    return [
        (make_pipeline(pre, LogisticRegression(max_iter=3000)).fit(X, y), X),
        (make_pipeline(pre, RandomForestClassifier(n_estimators=5)).fit(X, y), X),
        (GradientBoostingClassifier(n_estimators=5).fit(X[NUM], y), X[NUM]),
        (HistGradientBoostingClassifier(max_iter=5).fit(X[NUM], y), X[NUM]),
        (HistGradientBoostingRegressor(max_iter=5).fit(X[NUM], X["mean_area"]), X[NUM]),
        (make_pipeline(StandardScaler(), SVC()).fit(X[NUM], y), X[NUM]),
        (CalibratedClassifierCV(SVC(), ensemble=False).fit(X[NUM], y), X[NUM]),
        (KNeighborsClassifier().fit(X[NUM], y), X[NUM]),
        (MLPClassifier(max_iter=5).fit(X[NUM], y), X[NUM]),
        (Ridge().fit(X[NUM], X["mean_area"]), X[NUM]),
        (make_pipeline(FunctionTransformer(np.log1p), Ridge()).fit(X[NUM], y), X[NUM]),
    ]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_typical_models_load_without_trust(sqlite_reg, cancer):
    for i, (model, X) in enumerate(_typical_models(cancer)):
        sqlite_reg.track(model, name=f"m{i}")
        loaded = sqlite_reg.load(f"m{i}")
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_allow_list_holds_only_classes():
    names = allowed_types()
    assert "sklearn.tree._tree.Tree" in names
    assert "sklearn.linear_model._logistic.LogisticRegression" in names
    for dotted in names:
        module, _, attr = dotted.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), attr), type), dotted
    for gadget in (
        "numpy.vectorize",
        "numpy.frompyfunc",
        "numpy.full_like",
        "functools.partial",
        "operator.methodcaller",
        "builtins.exec",
        "builtins.object",
    ):
        assert gadget not in names


@pytest.fixture
def ip(planted):
    reg, marker, names = planted
    mmds_jupyter.connect(url=reg.url, home=reg.home, actor="victor")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    shell.user_ns["new"] = FRAME
    yield shell, marker, names
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_magics_refuse_gadgets(ip):
    shell, marker, names = ip
    for ref, dangerous in names.items():
        with pytest.raises(UsageError) as refused:
            shell.run_line_magic("mmds", f"load {ref} --as model")
        _named_all(refused.value, dangerous)
        assert "model" not in shell.user_ns
        with pytest.raises(UsageError) as refused:
            shell.run_line_magic("mmds", f"score {ref} --data new")
        _named_all(refused.value, dangerous)
    shell.run_line_magic("mmds", "load evil/g_exec --as model --trusted")
    assert shell.user_ns["model"].steps[-1][0] == "lr"
    assert not marker.exists()


def test_cli_score_refuses_gadgets(planted, tmp_path, monkeypatch, capsys):
    from mmds_jupyter.cli import main

    reg, marker, names = planted
    data = tmp_path / "batch.csv"
    FRAME.to_csv(data, index=False)
    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    for ref, dangerous in names.items():
        assert main(["score", ref, "--data", str(data)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("mmds: error: The model file of") and err.count("\n") == 1
        _named_all(Exception(err), dangerous)
    assert not marker.exists()


def test_distributed_scoring_worker_refuses_gadgets(planted):
    from mmds_jupyter.scoring import distributed

    reg, marker, names = planted
    for ref in names:
        version = reg.get(ref)
        blob = reg.artifacts.get(version.artifact_sha256)
        with pytest.raises(UntrustedArtifact):
            distributed._worker_model(version.artifact_sha256, "skops", blob)
    assert not marker.exists()


def test_a_model_holding_a_function_scores_only_when_trusted(sqlite_reg, cancer, tmp_path, capsys):
    """SelectKBest keeps f_classif: scoring it needs trusted=True, and the trusted load is not
    reused by a later call that did not vouch for the file."""
    from mmds_jupyter.cli import main
    from mmds_jupyter.scoring import distributed

    X, y = cancer["X_train"][NUM], cancer["y_train"]
    model = make_pipeline(SelectKBest(k=2), LogisticRegression(max_iter=3000)).fit(X, y)
    version = sqlite_reg.track(model, name="kbest", X_test=X, y_test=y)
    with pytest.raises(UntrustedArtifact, match="f_classif"):
        sqlite_reg.score(version, X)
    scored = sqlite_reg.score(version, X, trusted=True)
    np.testing.assert_array_equal(scored.outputs["prediction"], model.predict(X))
    with pytest.raises(UntrustedArtifact, match="f_classif"):
        sqlite_reg.score(version, X)  # the trusted model stays with trusted calls
    blob = sqlite_reg.artifacts.get(version.artifact_sha256)
    distributed._worker_model(version.artifact_sha256, "skops", blob, trusted=True)
    with pytest.raises(UntrustedArtifact):
        distributed._worker_model(version.artifact_sha256, "skops", blob)
    data = tmp_path / "batch.csv"
    X.to_csv(data, index=False)
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home, "score", "default/kbest:1"]
    assert main([*base, "--data", str(data)]) == 1
    assert "f_classif" in capsys.readouterr().err
    assert main([*base, "--data", str(data), "--trusted"]) == 0


CONCURRENT_FIRST_LOADS = """
import sys, threading
import numpy as np
from sklearn.linear_model import LogisticRegression
from mmds_jupyter.capture import serialize

data = serialize.dump(LogisticRegression().fit(np.eye(4), [0, 1, 0, 1]), "skops")
errors, start = [], threading.Barrier(8)

def first_load():
    start.wait()
    try:
        serialize.load(data, "skops")
    except Exception as exc:
        errors.append(repr(exc))

threads = [threading.Thread(target=first_load) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors)
sys.exit(1 if errors else 0)
"""


@pytest.mark.slow
def test_eight_threads_loading_their_first_model_at_once_all_succeed() -> None:
    """A server's first concurrent loads: the allow-list is built once, not raced."""
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", CONCURRENT_FIRST_LOADS], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
