"""The example notebooks, executed by papermill on a real kernel, and what they registered."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from mmds_jupyter.registry import Registry

NOTEBOOKS = Path(__file__).resolve().parent.parent / "example_notebooks"
sys.path.insert(0, str(NOTEBOOKS))


def execute(name: str, out: Path, monkeypatch: pytest.MonkeyPatch, **params: object) -> Path:
    # The kernel inherits this process's environment: that is how it finds the registry,
    # and how it learns the notebook's path (papermill does not tell kernels their notebook).
    monkeypatch.setenv("MMDS_NOTEBOOK", str(NOTEBOOKS / name))
    target = out / name
    pm.execute_notebook(
        str(NOTEBOOKS / name),
        str(target),
        parameters=params,
        cwd=str(NOTEBOOKS),
        kernel_name="python3",
        progress_bar=False,
    )
    return target


@pytest.mark.slow
def test_train_then_compare_notebooks(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'mmds.db'}"
    monkeypatch.setenv("MMDS_URL", url)
    monkeypatch.setenv("MMDS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MMDS_USER", "maya")
    execute("01_train_and_track.ipynb", tmp_path, monkeypatch, n_customers=1500)
    reg = Registry(url=url, home=str(tmp_path / "home"))
    everything = reg.find()
    assert len(everything) >= 12
    assert set(everything["author"]) == {"maya"}
    assert set(reg.find(feature="zip_code")["name"]) == {"zip_rf", "zip_lr"}
    gb = reg.get("risk/churn_gb:1")
    assert gb.provenance["notebook"] == str(NOTEBOOKS / "01_train_and_track.ipynb")
    assert gb.provenance["cell"].startswith("%%mmds track --project risk")
    assert gb.provenance["kernel"]
    assert gb.metric("roc_auc", "country=US") is not None
    # The notebook asks for --slice country --slice contract: both are kept.
    pipe = reg.get("risk/churn_pipe:1")
    assert pipe.metric("accuracy", "contract=monthly") is not None
    assert pipe.metric("roc_auc", "country=US") is not None
    assert reg.get("marketing/ltv_rf:1").task == "regression"
    assert reg.get("marketing/segment:1").task == "multiclass"
    assert reg.get("risk/churn:1").tags == {"team": "retention"}

    out = execute("02_compare.ipynb", tmp_path, monkeypatch)
    challengers = reg.find(project="risk")
    challengers = challengers[challengers["aliases"].map(lambda a: "challenger" in a)]
    assert len(challengers) == 1
    top = challengers.iloc[0]
    assert top["name"] not in {"zip_rf", "zip_lr"}
    assert top["stage"] == ("production" if top["name"] == "churn" else "validation")
    assert reg.get("risk/churn@champion").stage == "production"
    executed = nbformat.read(out, as_version=4)
    html = [
        o["data"]["text/html"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert any("mmds-compare" in h for h in html)
    assert any("mmds-lineage" in h for h in html)
    # Headless runs keep plain HTML, not widget views that nbconvert could not show.
    assert not any(
        "application/vnd.jupyter.widget-view+json" in o.get("data", {})
        for c in executed.cells
        for o in c.get("outputs", [])
    )

    # The scoring notebook, as the scheduler runs it: parameters in, a score set out.
    from churn_data import write_new_customers

    batch = tmp_path / "batch.parquet"
    write_new_customers(str(batch), n=300)
    execute("03_score.ipynb", tmp_path, monkeypatch, input_path=str(batch))
    sets = reg.scores("risk/churn")
    assert len(sets) == 1 and sets.iloc[0]["n_rows"] == 300
    assert sets.iloc[0]["ref"] == reg.get("risk/churn@champion").ref
    assert list(reg.load_scores(int(sets.iloc[0]["id"]))["customer_id"]) == list(
        range(100_000, 100_300)
    )

    # Re-running the training notebook makes new versions whose parents are the old ones.
    execute("01_train_and_track.ipynb", tmp_path, monkeypatch, n_customers=1500, seed=1)
    assert reg.get("risk/churn_gb:2").parent_ref == "risk/churn_gb:1"
    assert reg.get("risk/churn_gb:1").version == 1
    assert reg.verify_events() is None
    reg.close()


@pytest.mark.slow
def test_governance_notebook_signs_a_model_off(tmp_path, monkeypatch):
    monkeypatch.setenv("MMDS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MMDS_URL", raising=False)
    out = execute("04_governance.ipynb", tmp_path, monkeypatch, n_customers=800)
    reg = Registry(home=str(tmp_path / "home"))
    v = reg.get("credit/churn@champion")
    assert v.stage == "production"
    (done,) = reg.requests(ref=v.ref, status="done")
    # Vera validated (the scoring test, the report, her tasks); Omar, the approver, signed off.
    assert [(d["actor"], d["comment"]) for d in done.decisions] == [
        ("omar", "evidence reviewed; approved for production")
    ]
    assert set(reg.tasks("credit", status="done")["title"]) == {
        "Review the data and the slices",
        "Write the validation memo",
    }
    assert reg.consumers(v.ref)["application"].tolist() == ["crm-retention"]
    # The gates passed on evidence: the scoring test's run and the attached comparison report.
    passed = {g["gate"]: g["passed"] for g in done.gates}
    assert passed.get("approvals") and all(passed.values()), done.gates
    (approvals,) = [g for g in done.gates if g["gate"] == "approvals"]
    assert "role 'approver'" in approvals["message"]  # the template names the approver role
    assert [a["by"] for a in approvals["evidence"]["approvals"]] == ["omar"]
    actors = reg.events(limit=None).groupby("action")["actor"].agg(set)
    assert actors["scoring_test.run"] == {"vera"} and actors["version.evidence"] == {"vera"}
    assert reg.scoring_test_results(v.ref)["passed"].all()
    moves = reg.alias_history("credit/churn")
    assert moves.iloc[0]["alias"].endswith("@champion") and moves.iloc[0]["version"] == v.ref
    assert reg.verify_events() is None
    # The gated move was refused in the notebook, naming the request to make, and the first
    # request showed the scoring test and the report blocking.
    cells = nbformat.read(out, as_version=4).cells
    text = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []))
    assert "mmds.request" in text
    assert "['credit/churn:2']" in text  # the request waited for Omar
    assert "blocks scoring_test" in text and "blocks comparison_report" in text
    reg.close()


@pytest.mark.slow
def test_monitoring_notebook_retrains_on_a_persisting_alert(tmp_path, monkeypatch):
    monkeypatch.setenv("MMDS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MMDS_URL", raising=False)
    monkeypatch.delenv("MMDS_ROOT_DIR", raising=False)  # the notebooks' folder (their cwd)
    execute("06_monitoring.ipynb", tmp_path, monkeypatch, n_per_week=600)
    reg = Registry(home=str(tmp_path / "home"))
    champion, challenger = reg.get("telco/churn@champion"), reg.get("telco/churn@challenger")
    assert champion.ref == "telco/churn:1" and challenger.parent_ref == champion.ref
    (run,) = reg.jobs.runs(job="retrain-telco.churn")
    assert (run.trigger, run.status) == ("alert", "succeeded")
    assert challenger.tags["retrain.alert"] == str(run.parameters["alert_id"])
    alert = reg.alerts("telco/churn").set_index("id").loc[run.parameters["alert_id"]]
    assert alert["level"] == "alert"
    (request,) = reg.requests(ref=challenger.ref, status="open")
    assert request.to_stage == "production"
    reg.close()


@pytest.mark.slow
def test_spark_notebook_tracks_compares_and_scores_in_spark(tmp_path, monkeypatch):
    monkeypatch.setenv("MMDS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MMDS_URL", raising=False)
    execute("07_spark.ipynb", tmp_path, monkeypatch, n_rows=1500)
    reg = Registry(home=str(tmp_path / "home"))
    spark_forest = reg.get("spark_demo/spark_forest")
    assert spark_forest.framework == "spark.ml" and spark_forest.stage == "production"
    assert reg.get("spark_demo/sklearn_forest").framework == "sklearn"
    assert {m.name for m in spark_forest.metrics} >= {"roc_auc", "accuracy"}
    (scored,) = reg.scores("spark_demo/spark_forest").to_dict("records")
    assert scored["mode"] == "production" and scored["n_rows"] > 0
    reg.close()
