"""Files written by sklearn2pmml (the JPMML producer): MMDS agrees with pypmml on every row.

sklearn2pmml refuses the scikit-learn in the project venv, so it runs in a side venv
(.venv-pmml-producers, built once by make_side_env.sh with scikit-learn 1.9.0).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from pmml_helpers import ENGINES, assert_same_scores, dataset, force_engine, score_pypmml

from mmds_jupyter.pmml import PMMLEvaluator, PMMLFallbackWarning, describe, load_pmml

HERE = Path(__file__).parent
CASES = {
    "logistic": ("iris", False),
    "tree": ("wine", False),
    "forest": ("breast_cancer", False),
    "boosting-binary": ("breast_cancer", False),
    "boosting-multiclass": ("iris", False),
    "linear": ("diabetes", False),
    "forest-regressor": ("diabetes", False),
    "boosting-regressor": ("diabetes", False),
    "pipeline-logistic": ("wine", True),
    "pipeline-forest": ("wine", True),
}


@pytest.fixture(scope="session")
def sklearn2pmml_corpus() -> Path:
    """PMML files written by sklearn2pmml in the side venv (built on first use, then cached)."""
    build = subprocess.run(
        ["bash", str(HERE / "make_side_env.sh")], capture_output=True, text=True, timeout=1800
    )
    if build.returncode != 0:
        reason = f"cannot build the sklearn2pmml side venv: {build.stderr.strip()[-2000:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    python = build.stdout.strip().splitlines()[-1]
    script = HERE / "sklearn2pmml_corpus.py"
    # The corpus is cached beside the side venv, keyed by the script that writes it.
    digest = hashlib.sha256(script.read_bytes()).hexdigest()[:16]
    out = Path(python).parent.parent / f"corpus-{digest}"
    if all((out / f"{name}.pmml").exists() for name in CASES):
        return out
    run = subprocess.run(
        [python, str(HERE / "sklearn2pmml_corpus.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert run.returncode == 0, f"sklearn2pmml failed:\n{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_sklearn2pmml_file_agrees_with_pypmml(
    name: str, sklearn2pmml_corpus: Path, pypmml_available: None
) -> None:
    data, categorical = CASES[name]
    X, _ = dataset(data, categorical=categorical)
    path = sklearn2pmml_corpus / f"{name}.pmml"
    doc = load_pmml(path)
    assert describe(doc)["producer"]["name"] == "SkLearn2PMML package"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PMMLFallbackWarning)
        evaluator = PMMLEvaluator(doc)
    assert evaluator.engine == "mmds", [str(w.message) for w in caught]
    assert_same_scores(evaluator.predict(X), score_pypmml(path.read_bytes(), X))


# JPMML writes "if A, else if B, ..." nodes, chained into binary splits. (pipeline-forest's
# trees compile too, splits on `band` included, but two of them derive a field of their own,
# which keeps the ensemble on the per-tree path.)
ENSEMBLES = ["forest", "boosting-binary", "boosting-multiclass", "forest-regressor"]


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("name", ENSEMBLES)
def test_sklearn2pmml_ensembles_agree_with_pypmml_in_every_engine(
    name: str,
    engine: str,
    sklearn2pmml_corpus: Path,
    pypmml_available: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each way of scoring a tree ensemble (numpy walk, numpy top levels, compiled) runs on
    JPMML's trees and gives pypmml's answer."""
    data, categorical = CASES[name]
    X, _ = dataset(data, categorical=categorical)
    path = sklearn2pmml_corpus / f"{name}.pmml"
    evaluator = PMMLEvaluator(load_pmml(path))
    used = force_engine(monkeypatch, engine)
    assert_same_scores(evaluator.predict(X), score_pypmml(path.read_bytes(), X))
    assert set(used) == ({engine} - {"numpy-walk"})


def test_side_env_uses_its_own_python() -> None:
    # The side venv must never be the interpreter running the tests.
    assert ".venv-pmml-producers" not in sys.executable
