"""Promotion requests from the `mmds` command: a modeller requests, the gates show, the
author's approval is refused, another user's approval moves the version; each check gate
blocks, naming what to do, and passes once the user has done it with `mmds`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

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


GATED = """\
name: gated
stages: [development, production]
transitions:
  - from: development
    to: production
    gates:
      checks:
        - scoring_test
        - contract_declared
        - metric: {name: roc_auc, min: 0.93, slice: country=US}
        - tasks: signoff
"""
METRIC = "metric roc_auc on country=US >= 0.93"


@pytest.fixture
def gated_db(db_url: str, tmp_path: Path, cancer: Any) -> tuple[str, str]:
    """churn:1 a weak tree on one column, churn:2 a strong model whose contract (as for a
    model imported without ranges) gives no domain for mean_radius; both with country slices."""
    home = str(tmp_path / "home")
    reg = Registry(url=db_url, home=home, actor="maya")
    weak = DecisionTreeClassifier(max_depth=1, random_state=0)
    for model, cols in [(weak, COLS[:1]), (LogisticRegression(max_iter=3000), COLS)]:
        model.fit(cancer["X_train"][cols], cancer["y_train"])
        reg.track(model, name="churn", project="risk", X_test=cancer["X_test"][[*cols, "country"]],
                  y_test=cancer["y_test"], slices=["country"])  # fmt: skip
    inputs = reg.contract("risk/churn:2").to_dict()["inputs"]
    unbounded = {"min": None, "max": None}
    reg.contract("risk/churn:2", {"inputs": [
        {**i, **unbounded} if i["name"] == "mean_radius" else i for i in inputs
    ]})  # fmt: skip
    reg.close()
    return db_url, home


def test_each_check_gate_blocks_then_passes_from_the_cli(
    gated_db: tuple[str, str], tmp_path: Path, cancer: Any, capsys: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("MMDS_USER", "maya")
    db, weak, strong = gated_db, "risk/churn:1", "risk/churn:2"
    template = tmp_path / "gated.yaml"
    template.write_text(GATED)
    mmds(db, "olga", "template", "save", str(template))
    mmds(db, "olga", "template", "bind", "risk", "--template", "gated")
    capsys.readouterr()

    def blocking(ref: str) -> tuple[dict[str, Any], dict[str, str]]:
        mmds(db, "maya", "request", ref, "production", "--json")
        req = json.loads(capsys.readouterr().out)
        return req, {g["gate"]: g["message"] for g in req["gates"] if not g["passed"]}

    # The metric on the slice: the weak version is refused, naming the gate and the value.
    mmds(db, "maya", "request", weak, "production")
    out = capsys.readouterr().out
    assert f"BLOCK  {METRIC}: roc_auc on country=US of {weak} is " in out, out
    assert "the gate needs >= 0.93" in out
    _, blocked = blocking(strong)
    assert list(blocked) == ["scoring_test", "contract_declared", "tasks signoff"]  # metric passes

    # scoring_test: create one and run it, as the message says.
    assert f"mmds test create {strong} --inputs X.csv --expected y.csv" in blocked["scoring_test"]
    assert f"run it: mmds test {strong}" in blocked["scoring_test"]
    X = cancer["X_test"][COLS].head(8)
    with Registry(url=db[0], home=db[1], actor="maya") as reg:  # the expected outputs
        expected = pd.DataFrame({"prediction": reg.get(strong).load().predict(X)})
    X.to_csv(tmp_path / "X.csv", index=False)
    expected.to_csv(tmp_path / "y.csv", index=False)
    mmds(db, "vera", "test", "create", strong, "--inputs", str(tmp_path / "X.csv"),
         "--expected", str(tmp_path / "y.csv"), "--name", "smoke")  # fmt: skip
    mmds(db, "vera", "test", strong)
    assert "PASS test smoke" in capsys.readouterr().out

    # contract_declared: read the contract, give mean_radius a range, keep it.
    message = blocked["contract_declared"]
    assert "gives no domain for mean_radius" in message
    assert f"mmds contract {strong} --json > contract.json" in message
    assert f"mmds contract {strong} --update contract.json" in message
    mmds(db, "maya", "contract", strong, "--json")
    contract = json.loads(capsys.readouterr().out)
    radius = cancer["X_train"]["mean_radius"]
    for i in contract["inputs"]:
        if i["name"] == "mean_radius":
            i["min"], i["max"] = float(radius.min()), float(radius.max())
    (tmp_path / "contract.json").write_text(json.dumps(contract))
    mmds(db, "maya", "contract", strong, "--update", str(tmp_path / "contract.json"))
    capsys.readouterr()
    _, blocked = blocking(strong)
    assert list(blocked) == ["tasks signoff"]

    # tasks: the milestone has no task, then an open one, then every one done.
    assert "mmds tasks add risk/churn TITLE --milestone signoff" in blocked["tasks signoff"]
    mmds(db, "olga", "tasks", "add", "risk/churn", "Risk sign-off", "--milestone", "signoff",
         "--assignee", "vera")  # fmt: skip
    task_id = capsys.readouterr().out.split(":", 1)[0].removeprefix("task ")
    _, blocked = blocking(strong)
    assert f"open task(s) {task_id}" in blocked["tasks signoff"]
    assert "mmds tasks complete ID --comment" in blocked["tasks signoff"]
    mmds(db, "vera", "tasks", "complete", task_id, "--comment", "signed off")
    capsys.readouterr()
    req, blocked = blocking(strong)
    assert (req["status"], blocked) == ("done", {})
    mmds(db, "maya", "show", strong, "--json")
    assert json.loads(capsys.readouterr().out)["stage"] == "production"
    # A bad contract file is one clear error.
    (tmp_path / "bad.json").write_text("[1, 2]")
    mmds(db, "maya", "contract", strong, "--update", str(tmp_path / "bad.json"), code=1)
    assert "must hold a JSON object" in capsys.readouterr().err
