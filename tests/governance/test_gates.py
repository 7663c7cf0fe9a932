"""Life-cycle templates and promotion requests, driven as a user would: every gate kind blocks
and then passes, approvals are never the author's, an expired version cannot become champion,
a template bound to a version does not change under it, a bad template names its line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter.errors import ConflictError, InvalidInput, PermissionDenied
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_perimeter"]

CHECKS = """\
name: checked
stages: [development, validation, production, retired]
transitions:
  - from: development
    to: validation
    gates:
      checks:
        - scoring_test
        - contract_declared
        - documentation
        - comparison_report
  - from: validation
    to: production
    gates:
      approvals: {count: 2, role: approver}
  - {from: production, to: retired}
review:
  production: {every_months: 6, expires_after_months: 12}
"""

METRIC = """\
name: metric
stages: [development, validation]
transitions:
  - from: development
    to: validation
    gates:
      checks:
        - metric: {name: roc_auc, min: 0.93, slice: country=US}
"""


def track(reg: Registry, cancer: Any, model: Any, cols: list[str] = COLS) -> Any:
    model.fit(cancer["X_train"][cols], cancer["y_train"])
    X = cancer["X_test"][[*cols, "country"]]
    return reg.track(
        model, name="churn", project="risk", X_test=X, y_test=cancer["y_test"], slices=["country"]
    )


def blocking(req: Any) -> list[str]:
    return [g["gate"] for g in req.blocking]


def test_every_check_blocks_then_passes_and_approvals_are_never_the_authors(
    reg: Registry, cancer: Any
) -> None:
    reg.save_template(CHECKS)
    assert reg.bind_template("risk", "checked")["version"] == 1
    v = track(reg, cancer, LogisticRegression(max_iter=3000))
    # A contract input without a domain is undeclared.
    inputs = reg.contract(v).to_dict()["inputs"]
    radius = next(i for i in inputs if i["name"] == "mean_radius")
    bounds = radius["min"], radius["max"]

    def with_radius(**bounds: Any) -> list[dict[str, Any]]:
        return [{**i, **bounds} if i is radius else i for i in inputs]

    reg.contract(v, {"inputs": with_radius(min=None, max=None)})

    # The gated move is refused to set_stage, naming the request to open.
    with pytest.raises(ConflictError, match=r"mmds.request\('risk/churn:1', 'validation'"):
        reg.set_stage(v, "validation")
    req = reg.request(v, "validation", comment="ready for validation")
    assert req.status == "open" and req.author == "maya" and req.template == "checked v1"
    assert blocking(req) == [
        "scoring_test", "contract_declared", "documentation", "comparison_report",
    ]  # fmt: skip
    gate = {g["gate"]: g for g in req.gates}
    assert gate["contract_declared"]["evidence"]["undeclared"] == ["mean_radius"]
    assert gate["documentation"]["evidence"]["missing"] == [
        "purpose", "owner", "limitations", "training_data", "intended_use",
    ]  # fmt: skip
    assert "mmds test risk/churn:1" in gate["scoring_test"]["message"]

    # Each check is met the way a user meets it; the request checked again records it.
    X = cancer["X_test"][COLS].head(5)
    expected = pd.DataFrame({"prediction": v.load().predict(X)})
    reg.create_scoring_test(v, X, expected, name="smoke")
    reg.run_scoring_tests(v)
    reg.contract(v, {"inputs": with_radius(min=bounds[0], max=bounds[1])})
    reg.tag(v, {"purpose": "churn", "owner": "maya", "limitations": "EU only",
                "training_data": "crm 2026", "intended_use": "retention offers"})  # fmt: skip
    assert blocking(reg.request(v, "validation")) == ["comparison_report"]
    reg.attach(v, "comparison", "<html>v1 vs v0</html>", name="compare.html")
    done = reg.request(v, "validation")
    assert done.id == req.id and done.status == "done" and done.blocking == []
    assert reg.get(v).stage == "validation"
    gate = {g["gate"]: g for g in done.gates}
    assert gate["scoring_test"]["evidence"]["tests"]["smoke"]["passed"] is True
    assert gate["comparison_report"]["evidence"]["files"][0]["actor"] == "maya"

    # Approvals: two holders of the approver role, neither the author nor the requester.
    req = reg.acting_as("vera").request(v, "production", comment="validated")
    assert blocking(req) == ["approvals"]
    for author in ("vera", "maya"):  # the requester, the version's author
        with pytest.raises(PermissionDenied, match="never the author"):
            reg.acting_as(author).approve(req.id)
    bob, carol = reg.acting_as("bob"), reg.acting_as("carol")
    assert [r.id for r in bob.requests(waiting_for_me=True)] == [req.id]
    assert reg.requests(waiting_for_me=True) == []
    half = bob.approve(req.id, comment="metrics fine")
    assert half.status == "open" and "1 of 2" in half.gates[0]["message"]
    with pytest.raises(ConflictError, match="decided on request"):
        bob.approve(req.id)
    assert bob.requests(waiting_for_me=True) == []
    final = carol.approve(req.id, comment="ok")
    assert final.status == "done" and reg.get(v).stage == "production"
    assert [d["actor"] for d in final.decisions] == ["bob", "carol"]
    with pytest.raises(ConflictError, match="is done already"):
        carol.reject(req.id)
    # Requests and approvals are events of the hash-chained log.
    actions = list(reg.events(v.ref)["action"])
    assert {"request.open", "request.approve", "request.done"} <= set(actions)
    assert reg.verify_events() is None

    # A rejection closes a request; its author may also withdraw one.
    req = reg.request(v, "production", comment="review")  # a review of its own stage
    assert reg.acting_as("bob").reject(req.id, comment="not now").status == "rejected"
    req = reg.request(v, "production")
    assert req.status == "open"
    assert reg.reject(req.id, comment="withdrawn").status == "rejected"


def test_a_metric_threshold_on_a_slice_blocks_a_weak_version_and_passes_a_strong_one(
    reg: Registry, cancer: Any
) -> None:
    reg.save_template(METRIC)
    reg.bind_template("risk", "metric")
    weak = track(reg, cancer, DecisionTreeClassifier(max_depth=1, random_state=0), COLS[:1])
    strong = track(reg, cancer, LogisticRegression(max_iter=3000))
    req = reg.request(weak, "validation")
    [gate] = req.gates
    assert not gate["passed"] and gate["evidence"]["slice"] == "country=US"
    assert gate["evidence"]["value"] == weak.metric("roc_auc", "country=US") < 0.93
    assert reg.get(weak).stage == "development"
    req = reg.request(strong, "validation")
    assert req.status == "done" and req.gates[0]["evidence"]["value"] >= 0.93
    assert reg.get(strong).stage == "validation"
    # A move the template does not have is refused, to set_stage and request alike.
    with pytest.raises(InvalidInput, match="allows from validation: none"):
        reg.set_stage(strong, "production")


def test_an_expired_version_cannot_become_champion_until_reviewed(
    reg: Registry, cancer: Any
) -> None:
    head, tail = CHECKS.split("    gates:\n      checks:", 1)
    expiring = head + tail.split("comparison_report\n", 1)[1]
    reg.save_template(expiring)
    reg.bind_template("risk", "checked")
    v = track(reg, cancer, LogisticRegression(max_iter=3000))
    reg.set_stage(v, "validation")
    req = reg.request(v, "production")
    reg.acting_as("bob").approve(req.id)
    reg.acting_as("carol").approve(req.id)
    reg.alias(v, "champion")  # in force: fine
    start = reg.clock()
    reg.clock = lambda: start + timedelta(days=400)  # 13 months later
    with pytest.raises(ConflictError, match="expired on .* cannot be champion"):
        reg.alias(v, "champion")
    review = reg.request(v, "production", comment="yearly review")
    assert review.from_stage == review.to_stage == "production"
    # A review without gates of its own needs one approver (not the author).
    assert [g["gate"] for g in review.gates] == ["approvals"]
    assert reg.acting_as("bob").approve(review.id).status == "done"
    assert reg.alias(v, "champion").aliases == ["champion"]


def test_a_template_bound_to_a_version_does_not_change_under_it(reg: Registry, cancer: Any) -> None:
    reg.bind_template("risk")  # the default template ships
    old = track(reg, cancer, LogisticRegression(max_iter=3000))
    reg.set_stage(old, "validation")
    # Changing the template (an audited event) applies to new versions only.
    looser = reg.templates()[0]["source"].replace(
        "    gates:\n      approvals: {count: 1, role: approver}\n", ""
    )
    assert reg.save_template(looser)["version"] == 2
    assert list(reg.events(action="template.save")["after"])[0]["version"] == 2
    new = track(reg, cancer, LogisticRegression(max_iter=3000))
    reg.set_stage(new, "validation")
    assert reg.set_stage(new, "production").stage == "production"
    with pytest.raises(ConflictError, match="default v1"):
        reg.set_stage(old, "production")
    assert reg.request(old, "production").template == "default v1"
    # Rebinding the project keeps what its versions froze.
    reg.save_template(METRIC)
    reg.bind_template("risk", "metric")
    assert reg.request(old, "production").template == "default v1"


def test_projects_without_a_template_keep_free_moves(reg: Registry, cancer: Any) -> None:
    v = track(reg, cancer, LogisticRegression(max_iter=3000))
    assert reg.set_stage(v, "production").stage == "production"
    assert reg.set_stage(v, "development").stage == "development"
    with pytest.raises(InvalidInput, match=r"binds no life-cycle template.*bind_template"):
        reg.request(v, "production")


BAD = [
    ("name: x\nstages: [development]\ntransitions:\n  - from: development\n    to: prod\n", 5,
     "'prod' is not one of"),
    ("name: x\nstages: [development, validation]\ntransitions:\n  - from: development\n"
     "    to: validation\n    gates:\n      checks: [no_alert]\n", 7, "is not valid under"),
    ("name: x\nstages: [development\n", 3, "not valid YAML"),
    ("name: x\nstages: [development]\ntransitions: []\nreview:\n  production: {}\n", 5,
     "not a stage here"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), BAD)
def test_a_bad_template_names_its_line(
    sqlite_reg: Registry, tmp_path: Path, text: str, line: int, message: str, capsys: Any
) -> None:
    from mmds_jupyter.cli import main

    with pytest.raises(InvalidInput, match=f"line {line}: .*{message}"):
        sqlite_reg.save_template(text)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    url, home = sqlite_reg.url, sqlite_reg.home
    assert main(["--url", url, "--home", home, "template", "save", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"bad.yaml line {line}:" in err[0] and message in err[0], err
    assert sqlite_reg.templates() == []
