"""The same calls against a local Registry and a RemoteRegistry (``registry`` is parametrised):
same results, same types."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from mmds_jupyter.comparison import Comparison
from mmds_jupyter.encode import version_dict
from mmds_jupyter.entities import Version
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.lineage_graph import Lineage
from mmds_jupyter.scoring.contract import Contract
from mmds_jupyter.scoring.performance import ActualsResult
from mmds_jupyter.scoring.score import ScoreResult

from .conftest import fresh_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
NUM = ["mean_radius", "mean_texture", "mean_perimeter", "mean_area"]


def track_two(reg: Any, project: str, cancer: dict[str, Any]) -> tuple[Version, Version]:
    """churn:1 (a logistic pipeline) and churn:2 (a forest derived from it), with test data
    sliced by country and training data."""
    Xtr, Xte = cancer["X_train"], cancer["X_test"]
    common = dict(
        project=project,
        X_test=Xte[NUM + ["country"]],
        y_test=cancer["y_test"],
        slices=["country"],
        X_train=Xtr[NUM],
        y_train=cancer["y_train"],
    )
    lr = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    v1 = reg.track(
        lr.fit(Xtr[NUM], cancer["y_train"]), name="churn", tags={"team": "credit"}, **common
    )
    rf = RandomForestClassifier(n_estimators=10, random_state=0).fit(Xtr[NUM], cancer["y_train"])
    v2 = reg.track(rf, name="churn", parent=v1.ref, **common)
    return v1, v2


def test_track_and_get(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    assert isinstance(v2, Version)
    assert (v1.ref, v2.ref) == (f"{project}/churn:1", f"{project}/churn:2")
    assert v2.parent_ref == v1.ref and v1.tags == {"team": "credit"}
    assert {m.slice for m in v1.metrics} == {None, "country=US", "country=DE", "country=FR"}
    assert [f.name for f in v1.features] == NUM
    got = registry.get(f"{project}/churn")
    assert version_dict(got) == version_dict(v2)
    assert got.created_at.tzinfo is not None
    assert registry.children(v1) == [v2.ref]
    assert {d["relation"] for d in registry.datasets(v1.ref)} == {"trained_on", "evaluated_on"}


def test_find_search_count_with_filters(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    registry.set_stage(v2, "validation")
    found = registry.find(project=project)
    assert isinstance(found, pd.DataFrame) and sorted(found["ref"]) == [v1.ref, v2.ref]
    assert {"roc_auc", "accuracy"} <= set(found.columns)
    assert list(registry.find(project=project, stage="validation")["ref"]) == [v2.ref]
    assert list(registry.find(project=project, tag="team=credit")["ref"]) == [v1.ref]
    assert len(registry.find(project=project, feature="mean_area")) == 2
    assert registry.find(project=project, feature="nope").empty
    us = registry.find(project=project, slice="country=US", where="accuracy>0")
    assert sorted(us["ref"]) == [v1.ref, v2.ref]
    rows, warnings = registry.search(registry.query(project=project, order_by="-version", limit=1))
    assert [r["ref"] for r in rows] == [v2.ref] and warnings == []
    assert rows[0]["created_at"] == v2.created_at
    assert registry.count(registry.query(project=project)) == 2
    assert registry.count(registry.query(project=project), cap=1) == 1
    assert registry.count(registry.query(project=project, stage="production")) == 0


def test_vocabulary_names_what_a_search_can_use(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    track_two(registry, project, cancer)
    names = registry.vocabulary(registry.query(project=project))
    assert {"roc_auc", "accuracy"} <= set(names["metrics"])
    assert names["features"] == sorted(NUM)
    assert names["tags"] == ["team=credit"]
    assert names["slices"] == ["country=DE", "country=FR", "country=US"]
    assert registry.vocabulary(registry.query(project=project, tag="team=credit"))["tags"] == [
        "team=credit"
    ]
    assert len(registry.vocabulary(registry.query(project=project), limit=1)["features"]) == 1
    with pytest.raises(InvalidInput, match="limit"):
        registry.vocabulary(registry.query(project=project), limit=0)
    with pytest.raises(InvalidInput, match="Did you mean roc_auc"):
        registry.find(project=project, where="rocauc>0.5")


def test_compare_and_lineage(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    cmp = registry.compare(v1.ref, f"{project}/churn:latest")
    assert isinstance(cmp, Comparison) and cmp.refs == [v1.ref, v2.ref]
    assert any(key == "roc_auc" for _, key, _, _ in cmp.rows())
    lin = registry.lineage(v2.ref, depth=2)
    assert isinstance(lin, Lineage)
    assert any(n.label == v1.ref for n in lin.upstream())
    assert {e.relation for e in lin.edges} >= {"derived_from", "trained_on", "evaluated_on"}
    assert list(lin.to_frame().columns) == ["from", "relation", "to"]


def test_dataset_page_by_hash(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    hashes = {d["relation"]: d["content_hash"] for d in registry.datasets(v1.ref)}
    page = registry.dataset(hashes["evaluated_on"][:8])
    assert isinstance(page, dict) and page["content_hash"] == hashes["evaluated_on"]
    assert (page["name"], page["n_rows"]) == ("test", len(cancer["X_test"]))
    assert page["stats"]["country"]["kind"] == "categorical"
    assert page["stats"]["mean_radius"]["mean"] == pytest.approx(
        cancer["X_test"]["mean_radius"].mean()
    )
    # Other tests' projects track the same data: this project's versions, newest first.
    mine = [v["ref"] for v in page["tested_on"] if v["project"] == project]
    assert mine == [v2.ref, v1.ref]
    assert not [v for v in page["trained_on"] if v["project"] == project]
    trained = registry.dataset(hashes["trained_on"])
    assert [v["ref"] for v in trained["trained_on"] if v["project"] == project] == [v2.ref, v1.ref]
    assert isinstance(page["created_at"], str)
    with pytest.raises(InvalidInput, match="at least its first 8 hex digits"):
        registry.dataset("abc")
    with pytest.raises(NotFound, match="No data set"):
        registry.dataset("0" * 64)


def test_events_of_model_version_and_alias(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    registry.alias(v1, "champion")
    registry.alias(v2, "champion")
    model = registry.events(ref=f"{project}/churn")
    assert model["action"].tolist().count("version.create") == 2
    assert str(model["time"].dtype).startswith("datetime64") and model["time"].dt.tz is not None
    assert set(registry.events(ref=v1.ref)["object_ref"]) == {v1.ref}
    alias = registry.events(ref=f"{project}/churn@champion")
    assert len(alias) == 2 and set(alias["object_ref"]) == {f"{project}/churn@champion"}
    assert alias.iloc[0]["after"]["version"] == v2.ref
    assert registry.latest_event_id() >= model["id"].max()
    assert registry.verify_events() is None


def test_alias_stage_tag_untag_describe(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, _ = track_two(registry, project, cancer)
    assert registry.alias(v1.ref, "champion").aliases == ["champion"]
    assert registry.get(f"{project}/churn@champion").version == 1
    assert registry.set_stage(v1, "validation", reason="ready").stage == "validation"
    assert registry.tag(v1, {"owner": "alice"}).tags == {"team": "credit", "owner": "alice"}
    assert registry.untag(v1, "team").tags == {"owner": "alice"}
    assert registry.describe(v1, "Retrained in March.").description == "Retrained in March."
    assert registry.describe(v1, None).description is None
    assert registry.set_stage(v1, "archived", force=True).aliases == []
    assert set(registry.projects()["name"]) >= {project}
    models = registry.models(project)
    assert list(models["name"]) == ["churn"] and models["last_tracked"].dt.tz is not None


def test_contract_get_and_edit(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, _ = track_two(registry, project, cancer)
    contract = registry.contract(v1.ref)
    assert isinstance(contract, Contract) and contract.policy == "flag"
    assert [i.name for i in contract.inputs][: len(NUM)] == NUM
    edited = registry.contract(v1.ref, policy="reject")
    assert edited.policy == "reject" and edited.edits["policy"] == "reject"
    assert registry.contract(v1).policy == "reject"


def test_score_scores_actuals_performance(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    from mmds_jupyter.errors import InvalidInput

    project = fresh_project(request)
    v1, _ = track_two(registry, project, cancer)
    data = cancer["X_test"][NUM].head(20).reset_index(drop=True)
    data.insert(0, "id", range(20))
    tested = registry.score(v1, data, mode="test", key="id")
    assert isinstance(tested, ScoreResult) and tested.score_set_id is None
    assert len(tested.outputs) == 20 and "id" in tested.outputs.columns
    with pytest.raises(InvalidInput, match="production scoring uses versions in 'production'"):
        registry.score(v1, data, mode="production", key="id")
    registry.set_stage(v1, "production")
    stored = registry.score(v1.ref, data, mode="production", key="id")
    assert stored.score_set_id is not None
    sets = registry.scores(f"{project}/churn")
    assert list(sets["id"]) == [stored.score_set_id]
    loaded = registry.load_scores(stored.score_set_id)
    pd.testing.assert_frame_equal(
        loaded.reset_index(drop=True), stored.outputs.reset_index(drop=True), check_dtype=False
    )
    actual = pd.DataFrame({"id": range(20), "y": cancer["y_test"].head(20).to_numpy()})
    result = registry.add_actuals(f"{project}/churn", actual, key="id", target="y")
    assert isinstance(result, ActualsResult) and (result.matched, result.unmatched) == (20, 0)
    perf = registry.performance(f"{project}/churn")
    assert len(perf) == 1 and perf.iloc[0]["matched"] == 20


def test_scoring_tests_and_pmml(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, _ = track_two(registry, project, cancer)
    inputs = cancer["X_test"][NUM].head(10).reset_index(drop=True)
    expected = registry.score(v1, inputs).outputs
    created = registry.create_scoring_test(v1.ref, inputs, expected, name="smoke")
    assert created["name"] == "smoke"
    results = registry.run_scoring_tests(v1.ref)
    assert [(r["test"], r["passed"]) for r in results] == [("smoke", True)]
    table = registry.scoring_test_results(v1)
    assert list(table["passed"]) == [True] and table["ran_at"].dt.tz is not None
    pmml = registry.export_pmml(v1.ref)
    assert isinstance(pmml, bytes) and b"<PMML" in pmml


def test_load_checks_the_file(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    project = fresh_project(request)
    v1, v2 = track_two(registry, project, cancer)
    X = cancer["X_test"][NUM]
    model = registry.load(v2.ref)
    np.testing.assert_array_equal(model.predict(X), v2.load().predict(X))
    data, fmt = registry.model_file(v1)
    assert fmt == "skops" and len(data) > 100
    # The jobs API answers the same entities from either side (other tests' jobs may exist
    # on the shared server, so not an empty list); no scheduler has checked in.
    from mmds_jupyter.scheduler.entities import Job

    assert all(isinstance(j, Job) for j in registry.jobs.list())
    assert registry.jobs.schedulers() == []


def test_import_pmml(registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest) -> None:
    project = fresh_project(request)
    v1, _ = track_two(registry, project, cancer)
    document = registry.export_pmml(v1.ref)
    data = dict(X_test=cancer["X_test"][NUM + ["country"]], y_test=cancer["y_test"])
    imported = registry.import_pmml(document, "churn_pmml", project, slices=["country"], **data)
    assert isinstance(imported, Version) and imported.framework == "pmml"
    assert imported.metric("roc_auc") == pytest.approx(v1.metric("roc_auc"))
    assert imported.metric("roc_auc", "country=US") is not None
    with pytest.raises(Exception) as refused:
        registry.import_pmml(document, "churn_pmml", project, slices=["nope"], **data)
    assert type(refused.value).__name__ == "InvalidInput" and "nope" in str(refused.value)


def test_permissions_on_a_laptop_or_a_server_without_roles_allow_everything(
    registry: Any, cancer: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    from mmds_jupyter.auth.permissions import OPERATIONS

    project = fresh_project(request)
    X, y = cancer["X_train"][NUM], cancer["y_train"]
    v = registry.track(LogisticRegression(max_iter=500).fit(X, y), name="churn", project=project)
    allowed = registry.permissions(v.ref)
    assert allowed == {
        "ref": v.ref,
        "user": "maya",
        "operations": sorted(OPERATIONS),
        "stages": ["validation", "production", "retired", "archived"],
        "aliases": {"champion": True},
    }
