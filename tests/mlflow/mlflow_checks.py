"""What an imported MLflow store must look like in MMDS, checked field by field against what
MLflow itself reports (MlflowClient), for any registry (local or remote)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from mmds_jupyter.errors import UntrustedArtifact
from mmds_jupyter.mlflow_io.model_dir import NOT_LOADABLE

# MLflow's own SQL store uses a loader strategy SQLAlchemy 2.1 deprecates; not ours to fix.
MLFLOW_WARNINGS = [
    pytest.mark.filterwarnings(
        "ignore:The ``noload`` loader strategy is deprecated:DeprecationWarning"
    ),
]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat()


def by_run(registry: Any) -> dict[str, Any]:
    """Every imported version, by its MLflow run id."""
    refs = registry.find(include_archived=True, limit=1000)["ref"]
    versions = [registry.get(r) for r in refs]
    return {v.tags["mlflow.run_id"]: v for v in versions if "mlflow.run_id" in v.tags}


def state(registry: Any) -> list[tuple[Any, ...]]:
    """Everything an import wrote, comparable between two registries."""
    out = []
    for run_id, v in sorted(by_run(registry).items()):
        out.append(
            (
                run_id,
                v.ref,
                v.stage,
                sorted(v.aliases),
                v.params,
                v.overall_metrics,
                v.tags,
                v.parent_ref,
                v.framework,
                v.estimator_class,
                v.artifact_sha256,
                v.provenance,
                v.description,
                sorted((d["name"], d["relation"], d["content_hash"]) for d in registry.datasets(v)),
            )
        )
    return out


def check_import(
    registry: Any, logged: dict[str, Any], summary: Any, actor: str | None = None
) -> None:
    """Each field of each run came over; ``actor`` (the registry's by default) imported it."""
    actor = actor or registry.actor
    client = MlflowClient(logged["uri"])
    runs = {name: client.get_run(r["run_id"]) for name, r in logged["runs"].items()}
    versions = by_run(registry)
    probe = pd.DataFrame(logged["probe"])

    # Every run with a logged model became one version; the run without one is named as skipped.
    with_models = {r.info.run_id for n, r in runs.items() if n != "notes-only"}
    assert set(versions) == with_models
    assert (runs["notes-only"].info.run_id, "no logged model") in summary.skipped
    assert sorted(summary.imported) == sorted(v.ref for v in versions.values())

    for name, run in runs.items():
        if name == "notes-only":
            continue
        v = versions[run.info.run_id]
        prov = v.provenance
        # Parameters (as text in MLflow), last metric values, the run's own tags.
        assert {k: str(p) for k, p in v.params.items() if k in run.data.params} == dict(
            run.data.params
        )
        assert v.overall_metrics == pytest.approx(dict(run.data.metrics))
        own = {k: t for k, t in run.data.tags.items() if not k.startswith("mlflow.")}
        assert {k: v.tags[k] for k in own} == own
        # Times, user, run name and source as provenance; where it came from.
        assert prov["start_time"] == iso(run.info.start_time)
        assert prov["end_time"] == iso(run.info.end_time)
        assert prov["user"] == run.info.user_id == v.author
        assert prov["run_name"] == run.info.run_name == name
        assert prov["notebook"] == run.data.tags["mlflow.source.name"]
        assert prov["mlflow"]["tracking_uri"] == logged["uri"]
        assert prov["mlflow"]["run_id"] == run.info.run_id
        assert prov["origin"].startswith(f"mlflow-run:{run.info.run_id}/")
        assert prov["imported_by"] == actor

    search = versions[runs["search"].info.run_id]
    tree = versions[runs["child-tree"].info.run_id]
    lr = versions[runs["child-lr"].info.run_id]
    adder = versions[runs["adder"].info.run_id]
    assert search.project == tree.project == lr.project == "churn-exp"
    assert adder.ref == "other/adder:1"
    assert search.description == "Hyper-parameter search."
    # The metric's history, as MLflow gives it.
    history = client.get_metric_history(runs["search"].info.run_id, "loss")
    assert search.provenance["mlflow"]["metric_history"]["loss"] == [
        [m.step, m.timestamp, m.value] for m in sorted(history, key=lambda m: m.step)
    ]
    # A skops scikit-learn model is described by MMDS's own introspection and loads with MMDS's
    # allow-list; its contract comes from the MLflow signature.
    assert (search.framework, search.estimator_class) == ("sklearn", "sklearn.pipeline.Pipeline")
    assert [f.name for f in search.features] == list(probe.columns)
    assert search.steps and search.params["logisticregression__max_iter"] == 500
    contract = registry.contract(search)
    assert [(i.name, i.type) for i in contract.inputs] == [(c, "float") for c in probe.columns]
    assert search.artifact_format == "skops"
    np.testing.assert_array_equal(
        registry.load(search).predict(probe), logged["runs"]["search"]["predictions"]
    )
    assert tree.estimator_class == "sklearn.tree.DecisionTreeClassifier"
    np.testing.assert_array_equal(
        registry.load(tree, trusted=False).predict(probe),
        logged["runs"]["child-tree"]["predictions"],
    )
    # A pickled model: files stored, not loadable until trusted.
    assert lr.tags["loadable"] == NOT_LOADABLE and lr.artifact_format == "mlflow"
    assert lr.estimator_class == "unknown"
    with pytest.raises(UntrustedArtifact, match="not loadable until trusted"):
        registry.load(lr)
    np.testing.assert_array_equal(
        registry.load(lr, trusted=True).predict(probe),
        logged["runs"]["child-lr"]["predictions"],
    )
    # Another flavour, recorded with its files.
    assert adder.framework == "python_function" and adder.artifact_format == "mlflow"
    assert "MLmodel" in {f["path"] for f in adder.provenance["mlflow"]["files"]}
    # Nested runs are lineage.
    assert tree.parent_ref == lr.parent_ref == search.ref
    assert sorted(registry.children(search)) == sorted([tree.ref, lr.ref])
    # The logged data set is a Dataset record the runs were trained on.
    for v in (search, tree, lr):
        (ds,) = registry.datasets(v)
        assert (ds["name"], ds["relation"], ds["n_rows"]) == ("cancer-train", "trained_on", 569)
    # The registered model: its name, versions, stages and alias.
    assert (tree.name, lr.name) == ("churn", "churn")
    assert tree.tags["mlflow.registered_model"] == "churn:1"
    assert lr.tags["mlflow.registered_model"] == "churn:2"
    assert (tree.stage, lr.stage) == ("validation", "production")
    assert lr.aliases == ["champion"] and tree.aliases == []
    # The event log says who imported each version.
    events = registry.events(action="version.create", limit=None)
    assert set(events["actor"]) == {actor}
