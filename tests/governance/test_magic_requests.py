"""Promotion requests from a notebook: %mmds request, %mmds requests --mine, %mmds approve."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mmds_jupyter


@pytest.fixture
def ip(tmp_path: Path, cancer: Any) -> Iterator[InteractiveShell]:
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    shell.user_ns.update(X=cancer["X_train"][["mean_radius"]], y=cancer["y_train"])
    shell.run_cell("from sklearn.linear_model import LogisticRegression")
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_request_and_approve_from_the_notebook(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    ip.run_cell("clf = LogisticRegression().fit(X, y)")
    ip.run_line_magic("mmds", "track clf --name churn --project risk")
    mmds_jupyter.bind_template("risk")
    ip.run_line_magic("mmds", "stage churn:1 validation")
    with pytest.raises(UsageError, match=r"mmds.request\('risk/churn:1', 'production'"):
        ip.run_line_magic("mmds", "stage churn:1 production")
    req = ip.run_line_magic("mmds", "request churn:1 production --comment 'validated'")
    assert req.status == "open" and [g["gate"] for g in req.blocking] == ["approvals"]
    assert "Request" in req._repr_html_() and "approvals" in req._repr_html_()
    with pytest.raises(UsageError, match="never the author"):
        ip.run_line_magic("mmds", f"approve {req.id}")
    registry = mmds_jupyter.default_registry()
    registry.actor = "bob"  # the approver's kernel
    capsys.readouterr()
    ip.run_line_magic("mmds", "requests --mine")
    assert f"request {req.id}: risk/churn:1 validation -> production [open]" in (
        capsys.readouterr().out
    )
    done = ip.run_line_magic("mmds", f"approve {req.id} --comment 'fine'")
    assert done.status == "done" and mmds_jupyter.get("churn:1").stage == "production"
    with pytest.raises(UsageError, match="is done already"):
        ip.run_line_magic("mmds", f"reject {req.id}")
