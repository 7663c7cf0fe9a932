"""Where a model came from when no Jupyter server says it: papermill, nbconvert, scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mmds_jupyter.capture.provenance import launcher_notebook
from mmds_jupyter.registry import Registry

ROOT = Path(__file__).resolve().parent.parent

TRAIN = """\
import numpy as np
import mmds_jupyter as mmds
from sklearn.linear_model import LogisticRegression

X = np.random.RandomState(seed).rand(40, 2)
y = (X[:, 0] > 0.5).astype(int)
v = mmds.track(LogisticRegression().fit(X, y), name="churn", project="risk")
"""


def _env(tmp_path: Path) -> dict[str, str]:
    """The registry in tmp_path, this worktree's code, and nothing that names a notebook."""
    drop = ("MMDS_NOTEBOOK", "JPY_SESSION_NAME", "MMDS_RUN_ID", "MMDS_JOB")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    path = os.pathsep.join([str(ROOT), str(ROOT / "magics"), env.get("PYTHONPATH", "")])
    return {
        **env,
        "MMDS_URL": f"sqlite:///{tmp_path / 'mmds.db'}",
        "MMDS_HOME": str(tmp_path / "home"),
        "PYTHONPATH": path,
    }


def _notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 0")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(TRAIN)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def _run(cmd: list[str], tmp_path: Path, cwd: Path) -> None:
    proc = subprocess.run(cmd, env=_env(tmp_path), cwd=cwd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
def test_papermill_nbconvert_and_scripts_record_where_the_model_came_from(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    nb = _notebook(folder / "train.ipynb")
    # Relative paths, as typed in a terminal in that folder.
    papermill = [sys.executable, "-m", "papermill", "--no-progress-bar", "-k", "python3"]
    _run([*papermill, "train.ipynb", "out1.ipynb", "-p", "seed", "1"], tmp_path, folder)
    _run([*papermill, "-p", "seed", "2", "train.ipynb", "out2.ipynb"], tmp_path, folder)
    nbconvert = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute"]
    _run([*nbconvert, "train.ipynb", "--output", "out3.ipynb"], tmp_path, folder)
    script = folder / "train.py"
    script.write_text("seed = 3\n" + TRAIN)
    _run([sys.executable, "train.py"], tmp_path, folder)
    _run([sys.executable, str(script)], tmp_path, tmp_path)

    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "home"))
    try:
        versions = [reg.get(f"risk/churn:{n}") for n in range(1, 6)]
    finally:
        reg.close()
    found = [(v.provenance["notebook"], v.provenance["notebook_from"]) for v in versions]
    assert found == [
        (str(nb), "papermill"),
        (str(nb), "papermill"),
        (str(nb), "nbconvert"),
        (str(script), "script"),
        (str(script), "script"),
    ]
    # A model re-tracked from the same notebook (or script) derives from the previous version.
    parents = [v.parent_ref for v in versions]
    assert parents == [None, "risk/churn:1", "risk/churn:2", None, "risk/churn:4"]
    assert all(v.provenance["run_id"] is None for v in versions)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["python", "/venv/bin/papermill", "-p", "x", "a.ipynb", "in.ipynb", "out.ipynb"], "in"),
        (["python", "-m", "papermill", "--cwd", "d", "sub/in.ipynb", "o.ipynb"], "sub/in"),
        (["python", "/venv/bin/papermill", "s3://bucket/in.ipynb", "o.ipynb"], "s3"),
        (
            [
                "python",
                "/venv/bin/jupyter-nbconvert",
                "--execute",
                "--to",
                "notebook",
                "in.ipynb",
                "--output",
                "o.ipynb",
            ],
            "in",
        ),  # fmt: skip
        (["python", "-m", "nbconvert", "--execute", "a.ipynb", "b.ipynb"], None),
        (["python", "/venv/bin/jupyter-lab"], None),
        (["bash", "-c", "papermill"], None),
    ],
)
def test_the_notebook_on_a_papermill_or_nbconvert_command_line(
    argv: list[str], expected: str | None
) -> None:
    found = launcher_notebook(argv, "/work")
    if expected is None:
        assert found is None
    elif expected == "s3":
        assert found == ("s3://bucket/in.ipynb", "papermill")
    else:
        assert found is not None and found[0] == f"/work/{expected}.ipynb"
