"""`mmds import mlflow` from real MLflow stores (SQLite, and `mlflow server` over HTTP into an
MMDS server): every field, idempotence, resuming, trust, the CLI, and MLflow as an extra."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mlflow_checks import MLFLOW_WARNINGS, by_run, check_import, state

from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.mlflow_io import import_mlflow
from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import RemoteRegistry

pytestmark = MLFLOW_WARNINGS


def registry(tmp_path: Path, name: str = "mmds") -> Registry:
    return Registry(
        url=f"sqlite:///{tmp_path / f'{name}.db'}", home=str(tmp_path / name), actor="importer"
    )


def test_the_import_reproduces_each_field(sqlite_store: dict[str, Any], tmp_path: Path) -> None:
    bar = io.StringIO()
    with registry(tmp_path) as reg:
        summary = import_mlflow(reg, sqlite_store["uri"], registered_models=True, progress=bar)
        check_import(reg, sqlite_store, summary)
        assert "Imported 4 version(s)" in str(summary) and "no logged model" in str(summary)
    # The progress bar: runs done / total, and the rate.
    assert re.search(r"\] 4/4 \([0-9.]+ runs/s\)\n$", bar.getvalue()), bar.getvalue()


def test_a_second_import_adds_nothing(sqlite_store: dict[str, Any], tmp_path: Path) -> None:
    with registry(tmp_path) as reg:
        import_mlflow(reg, sqlite_store["uri"], registered_models=True)
        before, last_event = state(reg), reg.latest_event_id()
        again = import_mlflow(reg, sqlite_store["uri"], registered_models=True)
        assert again.imported == [] and again.already_imported == 4
        assert again.aliases == [] and again.stages == []
        assert state(reg) == before and reg.latest_event_id() == last_event


def test_an_interrupted_import_resumes_to_the_same_result(
    sqlite_store: dict[str, Any], tmp_path: Path
) -> None:
    with registry(tmp_path, "whole") as whole, registry(tmp_path, "parts") as parts:
        import_mlflow(whole, sqlite_store["uri"], registered_models=True)
        first = import_mlflow(parts, sqlite_store["uri"], registered_models=True, max_runs=2)
        assert len(first.imported) == 2 and first.stopped_after == 2
        assert "run the same import again" in str(first)
        assert first.aliases == []  # the registry's aliases wait for the runs
        rest = import_mlflow(parts, sqlite_store["uri"], registered_models=True)
        assert len(rest.imported) == 2 and rest.already_imported == 2
        assert state(parts) == state(whole)


def test_an_import_killed_mid_way_resumes(sqlite_store: dict[str, Any], tmp_path: Path) -> None:
    """A process killed while writing the third version (inside the transaction of a batch
    of versions) leaves whole versions only; the next import ends with the same result as
    one uninterrupted."""
    db, home = tmp_path / "killed.db", tmp_path / "killed"
    code = (
        "import os, sys\n"
        "from mmds_jupyter.registry import Registry\n"
        "import mmds_jupyter.store.new_version as nv\n"
        "from mmds_jupyter.mlflow_io import import_mlflow\n"
        f"reg = Registry(url='sqlite:///{db}', home='{home}', actor='importer')\n"
        "made = []\n"
        "inner = nv._insert\n"
        "def counting(s, spec, projects):\n"
        "    made.append(spec)\n"
        "    if len(made) == 3:\n"
        "        os._exit(9)  # killed: no clean-up, no summary\n"
        "    return inner(s, spec, projects)\n"
        "nv._insert = counting\n"
        f"import_mlflow(reg, {sqlite_store['uri']!r}, registered_models=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr[-2000:]
    with registry(tmp_path, "killed") as killed, registry(tmp_path, "whole") as whole:
        kept = len(by_run(killed))
        assert 1 <= kept < 3  # the batch being written when killed left nothing
        resumed = import_mlflow(killed, sqlite_store["uri"], registered_models=True)
        assert resumed.already_imported == kept and len(resumed.imported) == 4 - kept
        import_mlflow(whole, sqlite_store["uri"], registered_models=True)
        assert state(killed) == state(whole)


def test_trusted_pickles_are_described_by_mmds(
    sqlite_store: dict[str, Any], tmp_path: Path
) -> None:
    with registry(tmp_path) as reg:
        import_mlflow(reg, sqlite_store["uri"], trust_pickles=True, experiments=["churn-exp"])
        lr = by_run(reg)[sqlite_store["runs"]["child-lr"]["run_id"]]
        assert lr.estimator_class == "sklearn.linear_model.LogisticRegression"
        assert lr.artifact_format == "skops" and "loadable" not in lr.tags
        assert lr.params["C"] == 0.5 and lr.task == "binary"
        probe = pd.DataFrame(sqlite_store["probe"])
        np.testing.assert_array_equal(
            reg.load(lr).predict(probe), sqlite_store["runs"]["child-lr"]["predictions"]
        )
        # Without --registered-models the logged model's own name is the model's name.
        assert lr.name == "model"
        assert {v.project for v in by_run(reg).values()} == {"churn-exp"}


def test_projects_from_a_run_tag(sqlite_store: dict[str, Any], tmp_path: Path) -> None:
    with registry(tmp_path) as reg:
        summary = import_mlflow(reg, sqlite_store["uri"], project_from="tag:team")
        (only,) = by_run(reg).values()
        assert only.project == "risk" and only.tags["team"] == "risk"
        assert sum(why == "no tag team to name its project" for _, why in summary.skipped) == 3
        with pytest.raises(InvalidInput, match="'experiment' or 'tag:KEY'"):
            import_mlflow(reg, sqlite_store["uri"], project_from="owner")
        with pytest.raises(InvalidInput, match="no experiment named 'nope'"):
            import_mlflow(reg, sqlite_store["uri"], experiments=["nope"])


def test_the_cli_imports_and_summarises(
    sqlite_store: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["--url", f"sqlite:///{tmp_path / 'cli.db'}", "--home", str(tmp_path / "cli")]
    uri = sqlite_store["uri"]
    args = [*base, "import", "mlflow", "--tracking-uri", uri, "--experiment", "other", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] == ["other/adder:1"] and out["already_imported"] == 0
    assert main([*base, "import", "mlflow", "--tracking-uri", uri, "--registered-models"]) == 0
    text = capsys.readouterr().out
    assert "Imported 3 version(s)" in text and "1 imported before" in text
    assert "@champion → churn-exp/churn:2" in text
    assert main([*base, "import", "mlflow", "--tracking-uri", uri, "--max-runs", "0"]) == 1
    assert "max_runs is a number of runs of at least 1" in capsys.readouterr().err


@pytest.mark.slow
def test_an_mlflow_server_into_an_mmds_server(http_store: dict[str, Any], tmp_path: Path) -> None:
    """MLflow's REST API in, MMDS's REST API out: the import only uses the registry service."""
    from jupyter_servers import jupyter_server

    (tmp_path / "nb").mkdir()
    db = f"sqlite:///{tmp_path / 'server.db'}"
    server = jupyter_server(tmp_path, db, tmp_path / "home", tmp_path / "nb", MMDS_USER="importer")
    with server as s, RemoteRegistry(s["url"], token=s["token"], home=str(tmp_path / "c")) as reg:
        summary = import_mlflow(reg, http_store["uri"], registered_models=True)
        check_import(reg, http_store, summary, actor="importer")  # the server's identity
        again = import_mlflow(reg, http_store["uri"], registered_models=True)
        assert again.imported == [] and again.already_imported == 4


def test_without_mlflow_the_error_names_the_extra(tmp_path: Path) -> None:
    """MMDS imports without MLflow; `mmds import mlflow` says which extra to install."""
    code = (
        "import sys\n"
        "class NoMLflow:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'mlflow' or name.startswith('mlflow.'):\n"
        "            raise ImportError('No module named ' + repr(name))\n"
        "sys.meta_path.insert(0, NoMLflow())\n"
        "import mmds_jupyter, mmds_jupyter.cli\n"
        "assert 'mlflow' not in sys.modules\n"
        f"sys.exit(mmds_jupyter.cli.main(['--url', 'sqlite:///{tmp_path / 'x.db'}', '--home', "
        f"'{tmp_path}', 'import', 'mlflow', '--tracking-uri', 'sqlite:///nowhere.db']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "pip install 'mmds-jupyter[mlflow]'" in done.stderr


def test_a_batch_of_records_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """``import_versions`` (what the importer sends, 200 runs at a time): every record is
    checked before anything is written; an origin named twice or imported before answers
    the version its first record made."""

    def record(run: str, **extra: Any) -> dict[str, Any]:
        return {
            "origin": f"mlflow-run:{run}",
            "name": "batch",
            "project": "bulk",
            "framework": "mlflow",
            "estimator_class": "unknown",
            "metrics": [{"name": "rmse", "value": 0.5}],
            **extra,
        }

    with registry(tmp_path) as reg:
        with pytest.raises(InvalidInput, match="colour"):
            reg.import_versions([record("a"), record("b", colour="red")])
        assert reg.imported(["mlflow-run:a", "mlflow-run:b"]) == {}
        made = reg.import_versions([record("a"), record("b"), record("a")])
        assert [v.ref for v in made] == ["bulk/batch:1", "bulk/batch:2", "bulk/batch:1"]
        again = reg.import_versions([record("c"), record("b")])
        assert [v.ref for v in again] == ["bulk/batch:3", "bulk/batch:2"]
        events = reg.events()
        creates = events[events["action"] == "version.create"]
        assert sorted(creates["object_ref"]) == [f"bulk/batch:{n}" for n in (1, 2, 3)]
        assert reg.verify_events() is None  # the hash chain holds across a batch
