"""Consumers: who uses which model for what, by hand and from production scoring; retiring a
version that consumers use lists them and needs force plus a reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from scheduler.conftest import NOTEBOOKS, fit_model
from scheduler.processes import run_attempt
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.cli import main
from mmds_jupyter.errors import ConflictError, InvalidInput, NotFound
from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

ROOT = Path(__file__).resolve().parents[2]

COLS = ["mean_radius", "mean_texture", "mean_area"]


def two_versions(reg: Registry, cancer: Any) -> tuple[str, str]:
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    v1 = reg.track(model, "churn", "risk", X_test=X, y_test=y).ref
    v2 = reg.track(model, "churn", "risk", X_test=X, y_test=y).ref
    reg.set_stage(v1, "production")
    reg.alias(v1, "champion")
    return v1, v2


def test_consumers_by_hand_and_from_scoring_guard_retirement(
    reg: Registry, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1, v2 = two_versions(reg, cancer)
    added = reg.add_consumer("churn@champion", "pricing-api", owner="ana", purpose="quotes")
    assert (added["reference"], added["version"], added["source"]) == (
        "risk/churn@champion",
        v1,
        "manual",
    )
    with pytest.raises(ConflictError, match="already a consumer"):
        reg.add_consumer("risk/churn@champion", "pricing-api")
    with pytest.raises(NotFound):
        reg.add_consumer("risk/churn@shadow", "x")
    with pytest.raises(InvalidInput, match="Name the application"):
        reg.add_consumer("risk/churn", " ")

    # Production scoring records who scored with which version, how many rows, when.
    X = cancer["X_test"][COLS].reset_index(drop=True)
    reg.score("risk/churn:1", X.iloc[:50], mode="production", application="billing")
    reg.score("risk/churn:1", X.iloc[50:80], mode="production", application="billing")
    monkeypatch.setenv("MMDS_JOB", "nightly")
    reg.score("risk/churn@champion", X.iloc[80:90], mode="production")
    reg.score("risk/churn@champion", X.iloc[90:95], mode="test")  # test scoring: not a use
    found = reg.consumers("risk/churn")
    by_app = {r["application"]: r for r in found.to_dict("records")}
    assert set(by_app) == {"pricing-api", "billing", "job:nightly"}
    assert (by_app["billing"]["rows"], by_app["billing"]["calls"]) == (80, 2)
    assert by_app["billing"]["last_version"] == v1 and by_app["billing"]["source"] == "scoring"
    assert by_app["job:nightly"]["reference"] == "risk/churn@champion"
    assert by_app["billing"]["last_used"] is not None

    # Retiring v1 names who would break; force needs a reason.
    with pytest.raises(ConflictError) as refused:
        reg.set_stage(v1, "retired")
    for app in ("pricing-api", "billing", "job:nightly"):
        assert app in str(refused.value)
    with pytest.raises(InvalidInput, match="give the reason"):
        reg.set_stage(v1, "retired", force=True)
    assert reg.get(v1).stage == "production"
    # A consumer that ends no longer holds the version; the others still do.
    reg.end_consumer(int(by_app["billing"]["id"]), reason="moved to v2")
    assert "billing" not in set(reg.consumers("risk/churn")["application"])
    assert "billing" in set(reg.consumers("risk/churn", include_ended=True)["application"])
    with pytest.raises(ConflictError, match="2 consumer"):
        reg.set_stage(v1, "retired")
    done = reg.set_stage(v1, "retired", force=True, reason="replaced by v2; apps told")
    assert done.stage == "retired"
    # v2 has no consumer: it retires freely; the events record each consumer change.
    reg.set_stage(v2, "retired")
    actions = list(reg.events("risk/churn", limit=None)["action"])
    assert actions.count("consumer.add") == 3 and actions.count("consumer.end") == 1


def test_the_cli_adds_lists_and_ends_consumers(
    tmp_path: Path, cancer: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    with Registry(url=url, home=home, actor="maya") as reg:
        v1, _ = two_versions(reg, cancer)

    def mmds(*args: str) -> tuple[int, str]:
        code = main(["--url", url, "--home", home, *args])
        out = capsys.readouterr()
        return code, out.out + out.err

    code, out = mmds("consumers", "add", "risk/churn@champion", "pricing-api", "--owner", "ana")
    assert code == 0 and "consumer 1" in out
    code, out = mmds("consumers", "list", "risk/churn", "--json")
    rows = json.loads(out)
    assert [(r["application"], r["version"]) for r in rows] == [("pricing-api", v1)]
    code, out = mmds("stage", v1, "retired")
    assert code == 1 and "pricing-api" in out and "force" in out
    code, out = mmds("consumers", "end", "1", "--reason", "gone")
    assert code == 0
    assert mmds("stage", v1, "retired", "--force")[0] == 0


def test_consumers_locally_and_remotely(
    registry: Any, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = "consumers-" + type(registry).__name__.lower()
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])
    X = cancer["X_test"][COLS].reset_index(drop=True)
    v1 = registry.track(model, "churn", project, X_test=X, y_test=cancer["y_test"]).ref
    registry.set_stage(v1, "production")
    registry.alias(v1, "champion")
    added = registry.add_consumer(f"{project}/churn@champion", "pricing-api", owner="ana")
    assert added["version"] == v1 and added["since"].tzinfo is not None
    # The application a scoring process declares travels with its call.
    monkeypatch.setenv("MMDS_APPLICATION", "billing")
    registry.score(f"{project}/churn@champion", X.iloc[:20], mode="production")
    found = registry.consumers(f"{project}/churn")
    by_app = {r["application"]: r for r in found.to_dict("records")}
    assert set(by_app) == {"pricing-api", "billing"}
    assert by_app["billing"]["reference"] == f"{project}/churn@champion"
    assert (by_app["billing"]["rows"], by_app["billing"]["last_version"]) == (20, v1)
    with pytest.raises(ConflictError, match="billing"):
        registry.set_stage(v1, "retired")
    ended = registry.end_consumer(int(by_app["billing"]["id"]), reason="done")
    assert ended["until"] is not None
    with pytest.raises(NotFound):
        registry.end_consumer(99999)


@pytest.mark.slow
def test_a_scheduled_run_that_scores_in_production_is_a_consumer(
    db_url: str, tmp_path: Path
) -> None:
    """The scheduler's own runner process runs the notebook on a real kernel; nothing tells the
    notebook which job it is but the runner, so the consumer comes from the job's name."""
    root = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, root)
    home = str(tmp_path / "home")
    with Registry(url=db_url, home=home, actor="sam") as reg:
        v1 = reg.track(fit_model(0), name="churn").ref
        reg.set_stage(v1, "production")
        reg.alias(v1, "champion")
        assert reg.consumers("default/churn").empty
        sched = Scheduler(reg, MMDSScheduler(root_dir=str(root)))
        # The job names the alias; the runner pins it to churn:1 for this run.
        params = {"model_ref": "churn@champion", "out_dir": str(tmp_path)}
        sched.create("nightly", "score.ipynb", parameters=params)
        run = sched.run("nightly")
        assert reg.run_store().start_run(run.id, "me", "local", "sam") is not None
        # Only what a scheduler's environment holds: no job or application of this process.
        drop = ("MMDS_JOB", "MMDS_APPLICATION", "MMDS_RUN_ID", "MMDS_NOTEBOOK")
        proc = run_attempt(db_url, home, run.id, drop)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert sched.get_run(run.id).status == "succeeded"
        scored = json.loads((tmp_path / "scored.jsonl").read_text().splitlines()[-1])
        assert (scored["model"], scored["param"]) == (v1, v1)
        found = reg.consumers("default/churn").to_dict("records")
        assert [r["application"] for r in found] == ["job:nightly"]
        (job,) = found
        assert (job["source"], job["reference"], job["last_version"]) == (
            "scoring",
            "default/churn@champion",
            v1,
        )
        assert (job["rows"], job["calls"]) == (3, 1)  # the notebook scores three rows
        assert job["last_used"] is not None and job["last_used"] >= job["since"]
        # The job's use now guards the version it scored.
        with pytest.raises(ConflictError, match="job:nightly"):
            reg.set_stage(v1, "retired")
        # It uses the champion, whichever version that is: once the alias moves on, the job's
        # next run scores the new one, and the old one retires without breaking it.
        v2 = reg.track(fit_model(1), name="churn").ref
        reg.set_stage(v2, "production")
        reg.alias(v2, "champion")
        assert reg.set_stage(v1, "retired").stage == "retired"
        (job,) = reg.consumers("default/churn").to_dict("records")
        assert (job["application"], job["version"], job["last_version"]) == ("job:nightly", v2, v1)
