"""Property-based requests generated from the OpenAPI document: the API never answers 5xx.

The in-process server of pytest-jupyter shares the test's event loop, and schemathesis calls
synchronously, so this runs a real jupyter server in a subprocess on the same registry.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from jupyter_servers import jupyter_server  # noqa: E402

OPENAPI = Path(__file__).parents[2] / "mmds_jupyter" / "server" / "openapi.json"
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]  # 102 operations, two servers


@pytest.fixture(scope="module", params=["extension", "mmds-server"])
def api_server(
    request: pytest.FixtureRequest,
    mmds_registry: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """The same routes served by the Jupyter extension and by `mmds server` (team mode, as a
    server admin so that every operation is reached)."""
    base = tmp_path_factory.mktemp("st")
    # The generated POSTs write (jobs paused, runs cancelled): into a copy of the registry, so
    # other tests never see them, and with job notebooks confined to a temporary folder.
    db_url = f"sqlite:///{base / 'mmds.db'}"
    src = sqlite3.connect(mmds_registry["url"].removeprefix("sqlite:///"))
    dst = sqlite3.connect(base / "mmds.db")
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    home = base / "artifacts"  # where tests/team/serving.start_server puts a server's files
    shutil.copytree(mmds_registry["home"], home)
    notebooks = base / "notebooks"
    notebooks.mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('region = "north"\nrows = 10\nmodel_ref = "risk/churn:1"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params]
    nbformat.write(nb, notebooks / NOTEBOOK)
    if request.param == "extension":
        with jupyter_server(base, db_url, home, notebooks) as server:
            yield server
        return
    from team.serving import start_server

    from mmds_jupyter.cli import main

    assert main(["--url", db_url, "users", "add", "fuzz"]) == 0
    assert main(["--url", db_url, "grant", "admin", "--user", "fuzz"]) == 0
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--url", db_url, "tokens", "create", "fuzz"]) == 0
    token = out.getvalue().strip().splitlines()[-1]
    team = start_server(db_url, base, f"--notebook-dir={notebooks}")
    try:
        yield {"url": team.url + "/", "token": token, "log": str(team.log_path)}
    finally:
        team.stop()


# Examples per operation and generation mode (derandomized: the same ones on every run). 20 x 2
# modes x 102 operations x 2 servers is about 8,000 requests, a fifth of CI's time budget at most;
# MMDS_SCHEMATHESIS_EXAMPLES=200 for a deeper run before a release.
EXAMPLES = int(os.environ.get("MMDS_SCHEMATHESIS_EXAMPLES", "20"))
NOTEBOOK = "score.ipynb"


def _with_real_notebook(case: Any) -> Any:
    """A generated job that names the one notebook there is, so its other fields get checked.

    Positive cases only: a negative case must stay invalid.
    """
    if isinstance(case.body, dict):
        case.body = {**case.body, "notebook": NOTEBOOK}
    return case


def test_api_conforms_and_never_fails(api_server: dict[str, str]) -> None:
    """Every operation of openapi.json, with valid and invalid generated arguments.

    Run through schemathesis' Python API rather than its pytest plugin, which does not load
    under pytest 9.
    """
    from hypothesis import given

    schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text()))
    base_url = f"{api_server['url']}mmds/api"
    headers = {"Authorization": f"token {api_server['token']}"}
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # A filter's grammar (metric conditions, ages, references) is richer than JSON Schema says,
    # so a schema-valid string may rightly get a 400 that names the bad part; every other
    # check runs, not_a_server_error among them.
    excluded = [positive_data_acceptance]
    operations = [result.ok() for result in schema.get_all_operations()]
    # 47 + governance (requests, approvals, evidence, templates: 8; alias history, audit,
    # consumers: 10) + MLflow imports (3) + drift and baselines (2) + search vocabulary (1)
    # + monitors, alerts, champion/challenger (6) + evaluate, report (2) + archive, holds,
    # purge, webhooks, tasks (14) + the monitoring view (1) + retraining (3) + job replace,
    # job change (PATCH), job delete, the notebooks a job can run (4) + what the caller may do
    # to a version (1) + one attached piece of evidence (1)
    assert len(operations) == 104
    statuses: dict[tuple[str, str], list[int]] = {}
    from schemathesis.generation.modes import GenerationMode

    for operation, mode in [(op, m) for op in operations for m in GenerationMode]:
        key = (operation.method.upper(), operation.path)
        strategy = operation.as_strategy(mode)
        if key == ("POST", "/jobs") and mode == GenerationMode.POSITIVE:
            strategy = strategy.map(_with_real_notebook)
        seen = statuses.setdefault(key, [])

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            # The same examples on every run, so CI cannot pass or fail by chance.
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call_and_validate(
                base_url=base_url, headers=headers, excluded_checks=excluded
            )
            seen.append(response.status_code)  # noqa: B023 - check() runs within this turn

        check()
    # Generated jobs got past the body checks into Scheduler.create, and some were stored.
    assert 201 in statuses[("POST", "/jobs")], statuses[("POST", "/jobs")]
