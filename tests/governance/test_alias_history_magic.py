"""Alias history and rollback from a notebook: %mmds alias --reason, alias-history, rollback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

import mmds_jupyter


@pytest.fixture
def ip(tmp_path: Path, cancer: Any) -> Iterator[InteractiveShell]:
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    shell.user_ns.update(X_train=cancer["X_train"], y_train=cancer["y_train"])
    shell.user_ns.update(X_test=cancer["X_test"], y_test=cancer["y_test"])
    shell.run_cell(
        "from sklearn.linear_model import LogisticRegression\n"
        "cols = ['mean_radius', 'mean_texture']\n"
        "a = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)"
    )
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_a_notebook_moves_rolls_back_and_reads_the_alias_history(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(2):
        ip.run_line_magic("mmds", "track a --name churn --test X_test[cols] y_test")
    ip.run_line_magic("mmds", "alias churn:1 champion --reason 'first release' --request 5")
    ip.run_line_magic("mmds", "alias churn:2 champion --reason retrained")
    ip.run_line_magic("mmds", "rollback churn@champion --reason 'v2 drifts'")
    assert "-> default/churn:1 (rolled back)" in capsys.readouterr().out
    history = ip.run_line_magic("mmds", "alias-history churn --alias champion")
    assert list(history["reason"]) == ["v2 drifts", "retrained", "first release"]
    assert history["request"].iloc[-1] == 5
    when = history["time"].iloc[1].isoformat()
    move = ip.run_line_magic("mmds", f"alias-history churn@champion --at {when}")
    assert (move.version, move.reason) == ("default/churn:2", "retrained")
    assert ip.run_line_magic("mmds", "alias-history churn@champion --at 2000-01-01") is None
    assert "was not set" in capsys.readouterr().out
