"""Promotion requests from the `mmds` command: a modeller requests, the gates show, the
author's approval is refused, another user's approval moves the version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.cli import main
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_perimeter"]
TEMPLATE = """\
name: reviewed
stages: [development, validation, production]
transitions:
  - from: development
    to: validation
    gates:
      checks: [comparison_report, documentation]
  - from: validation
    to: production
    gates:
      approvals: {count: 1, role: approver}
"""


def mmds(db: tuple[str, str], user: str, *args: str, code: int = 0) -> None:
    """``mmds ARGS`` as ``user`` (MMDS_USER; the test's monkeypatch restores it)."""
    import os

    os.environ["MMDS_USER"] = user
    assert main(["--url", db[0], "--home", db[1], *args]) == code


@pytest.fixture
def db(db_url: str, tmp_path: Path, cancer: Any) -> tuple[str, str]:
    reg = Registry(url=db_url, home=str(tmp_path / "home"), actor="maya")
    lr = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    reg.track(lr, name="churn", project="risk", X_test=cancer["X_test"][COLS],
              y_test=cancer["y_test"])  # fmt: skip
    reg.close()
    return db_url, str(tmp_path / "home")


def test_request_approve_and_list_from_the_cli(
    db: tuple[str, str], tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMDS_USER", "maya")
    template = tmp_path / "reviewed.yaml"
    template.write_text(TEMPLATE)
    mmds(db, "olga", "template", "save", str(template))
    mmds(db, "olga", "template", "bind", "risk", "--template", "reviewed")
    assert "project risk follows template reviewed (version 1)" in capsys.readouterr().out
    ref = "risk/churn:1"

    # The gated move is refused to `mmds stage`, naming the command to use.
    mmds(db, "maya", "stage", ref, "validation", code=1)
    err = capsys.readouterr().err
    assert "mmds request risk/churn:1 validation" in err and len(err.strip().splitlines()) == 1
    mmds(db, "maya", "request", ref, "validation", "--comment", "ready", "--json")
    req = json.loads(capsys.readouterr().out)
    assert req["status"] == "open"
    assert [g["gate"] for g in req["gates"] if not g["passed"]] == [
        "comparison_report", "documentation",
    ]  # fmt: skip
    report = tmp_path / "compare.html"
    report.write_text("<html>churn:1 against churn@champion</html>")
    mmds(db, "vera", "attach", ref, "comparison", str(report))
    assert "comparison compare.html attached to risk/churn:1" in capsys.readouterr().out
    mmds(db, "maya", "tag", ref, "purpose=churn", "owner=maya", "limitations=none",
         "training_data=crm", "intended_use=offers")  # fmt: skip
    capsys.readouterr()
    mmds(db, "maya", "request", ref, "validation")
    out = capsys.readouterr().out
    assert f"request {req['id']}: {ref} development -> validation [done]" in out, out
    assert "pass  comparison_report" in out

    # Production needs an approver who is not the author.
    mmds(db, "maya", "request", ref, "production", "--json")
    req = json.loads(capsys.readouterr().out)
    mmds(db, "maya", "approve", str(req["id"]), code=1)
    assert "never the author" in capsys.readouterr().err
    mmds(db, "bob", "requests", "--mine", "--json")
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [req["id"]]
    mmds(db, "maya", "requests", "--mine")
    assert capsys.readouterr().out.strip() == "(nothing)"
    mmds(db, "bob", "approve", str(req["id"]), "--comment", "looks good")
    assert "[done]" in capsys.readouterr().out
    mmds(db, "bob", "show", ref, "--json")
    assert json.loads(capsys.readouterr().out)["stage"] == "production"
    mmds(db, "bob", "requests", ref, "--status", "done", "--json")
    done = json.loads(capsys.readouterr().out)
    assert [(r["to_stage"], r["decisions"][-1]["actor"]) for r in done if r["decisions"]] == [
        ("production", "bob")
    ]
    mmds(db, "bob", "template", "list")
    assert "reviewed v1  projects: risk" in capsys.readouterr().out
    # The champion's history names the approved request and who approved it.
    mmds(db, "maya", "alias", ref, "champion")
    capsys.readouterr()
    mmds(db, "maya", "aliases", "at", "risk/churn@champion", "2999-01-01")
    out = capsys.readouterr().out
    assert f"request {req['id']} approved by bob." in out, out
    mmds(db, "maya", "aliases", "history", "risk/churn", "--json")
    [move] = json.loads(capsys.readouterr().out)
    assert (move["request"], move["approved_by"]) == (req["id"], ["bob"])
