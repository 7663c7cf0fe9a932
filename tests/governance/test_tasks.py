"""Custom processes: tasks of a project or a model, declared in the template or added by hand,
completed with a comment and an attachment after their dependencies; a milestone's weighted
progress; the gate ``{tasks: MILESTONE}`` blocks a request until they are done; my tasks."""

from __future__ import annotations

from typing import Any

import pytest
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter import task_progress
from mmds_jupyter.cli import main
from mmds_jupyter.errors import ConflictError, InvalidInput
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]
TEMPLATE = """name: checked
stages: [development, validation, production]
transitions:
  - {from: development, to: validation}
  - from: validation
    to: production
    gates:
      checks: [{tasks: validation}]
tasks:
  - {title: Data review, milestone: validation, assignee: vera, weight: 1, due_days: 14}
  - {title: Validation report, milestone: validation, group: validators, weight: 3,
     depends_on: [Data review]}
"""


def track(reg: Any, cancer: Any, project: str) -> str:
    model = DecisionTreeClassifier(max_depth=2, random_state=0)
    model.fit(cancer["X_train"][COLS], cancer["y_train"])
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    return str(reg.track(model, "churn", project, X_test=X, y_test=y).ref)


def test_template_tasks_gate_a_request_until_done(reg: Registry, cancer: Any) -> None:
    reg.save_template(TEMPLATE)
    reg.bind_template("risk", "checked")
    ref = track(reg, cancer, "risk")
    reg.set_stage(ref, "validation")
    req = reg.request(ref, "production")
    [gate] = req.gates
    assert not gate["passed"] and "0% done" in gate["message"], gate

    found = reg.tasks("risk/churn")
    assert list(found["title"]) == ["Data review", "Validation report"]
    assert list(found["source"]) == ["template", "template"]
    review, report = (int(i) for i in found["id"])
    assert found["depends_on"].iloc[1] == [review] and found["due"].iloc[0] is not pd_nat()
    # A project task (no milestone) and my tasks.
    extra = reg.add_task("risk", "Tell the business", assignee="maya", weight=2)
    assert extra["model"] is None
    assert list(reg.tasks(mine=True)["title"]) == ["Validation report", "Tell the business"]
    with pytest.raises(ConflictError, match=f"depends on task.*{review} \\(Data review\\)"):
        reg.complete_task(report, comment="done")
    reg.complete_task(review, comment="data fine")
    done = reg.complete_task(report, comment="signed", attachment="<html>report</html>")
    assert done["status"] == "done" and done["completed_by"] == "maya"
    assert reg.artifacts.get(done["attachment_sha256"]) == b"<html>report</html>"
    with pytest.raises(ConflictError, match="completed already"):
        reg.complete_task(report)
    p = task_progress(reg.tasks("risk/churn"))
    assert p["validation"]["progress"] == 1.0 and p[None]["progress"] == 0.0

    req = reg.request(ref, "production")
    assert req.status == "done" and reg.get(ref).stage == "production"
    assert req.gates[0]["evidence"]["progress"] == 1.0
    # The template's tasks are made once per model.
    assert len(reg.tasks("risk/churn")) == 3
    actions = list(reg.events("risk/churn", limit=None)["action"])
    assert actions.count("task.add") == 2 and actions.count("task.complete") == 2


def test_weighted_progress_and_bad_tasks(reg: Registry, cancer: Any) -> None:
    track(reg, cancer, "risk")
    a = reg.add_task("risk/churn", "Fairness check", milestone="review", weight=1)
    b = reg.add_task("risk/churn", "Sign-off", milestone="review", weight=3, depends_on=[a["id"]])
    reg.complete_task(a["id"])
    assert task_progress(reg.tasks("risk/churn"))["review"]["progress"] == 0.25
    assert b["depends_on"] == [a["id"]]
    with pytest.raises(InvalidInput, match="title"):
        reg.add_task("risk", " ")
    with pytest.raises(InvalidInput, match="weight"):
        reg.add_task("risk", "x", weight=0)
    with pytest.raises(InvalidInput, match="due date"):
        reg.add_task("risk", "x", due="soon")
    with pytest.raises(InvalidInput, match="its own project"):
        reg.add_task("other", "x", depends_on=[a["id"]])
    with pytest.raises(InvalidInput, match="not a task above it"):
        reg.save_template(TEMPLATE.replace("depends_on: [Data review]", "depends_on: [Nope]"))


def pd_nat() -> Any:
    import pandas as pd

    return pd.NaT


def test_the_cli_adds_lists_and_completes(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")

    def cli(*args: str, code: int = 0) -> str:
        assert main(["--url", url, "--home", home, *args]) == code
        out = capsys.readouterr()
        return out.out + out.err

    assert "task 1" in cli("tasks", "add", "risk", "Write the model card", "--weight", "2")
    assert "Write the model card" in cli("tasks", "list", "risk")
    assert "done" in cli("tasks", "complete", "1", "--comment", "written")
    assert "completed already" in cli("tasks", "complete", "1", code=1)


def test_tasks_locally_and_remotely(
    registry: Any, cancer: Any, request: pytest.FixtureRequest
) -> None:
    project = "tasks-" + request.node.callspec.id
    track(registry, cancer, project)
    a = registry.add_task(f"{project}/churn", "Review", milestone="m", due="2026-06-30")
    assert a["due"].isoformat().startswith("2026-06-30") and a["model"] == f"{project}/churn"
    b = registry.add_task(project, "Brief", weight=3, depends_on=[a["id"]], assignee="someone")
    found = registry.tasks(f"{project}/churn")
    assert list(found["id"]) == [a["id"], b["id"]]
    assert list(registry.tasks(project, status="open")["title"]) == ["Review", "Brief"]
    done = registry.complete_task(a["id"], comment="ok", attachment="notes")
    assert done["status"] == "done" and done["completed_at"].tzinfo is not None
    assert list(registry.tasks(project, status="done")["id"]) == [a["id"]]
    with pytest.raises(ConflictError):
        registry.complete_task(a["id"])
