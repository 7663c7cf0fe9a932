"""The registry against SQLite and a real PostgreSQL: numbering, refs, search, audit."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import text

from mmds_jupyter.errors import AmbiguousReference, ConflictError, InvalidInput, NotFound

FEATS = ["mean_radius", "mean_texture", "zip_code"]


@pytest.fixture(scope="module")
def models(request):
    cancer = request.getfixturevalue("cancer")
    lr = LogisticRegression(max_iter=3000).fit(cancer["X_train"][FEATS], cancer["y_train"])
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        cancer["X_train"][FEATS[:2]], cancer["y_train"]
    )
    return lr, tree


def _track(reg, model, cancer, name="churn", project="risk", **kw):
    return reg.track(
        model,
        name=name,
        project=project,
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        slices=["country"],
        **kw,
    )


def _counts(reg):
    reg.db.ensure_schema()
    with reg.db.engine.connect() as c:
        return tuple(
            c.execute(text(f"select count(*) from {t}")).scalar()
            for t in ("versions", "events", "datasets", "metrics")
        )


def test_versions_are_numbered_per_model(reg, models, cancer):
    lr, tree = models
    assert [_track(reg, lr, cancer).version for _ in range(3)] == [1, 2, 3]
    assert _track(reg, tree, cancer, name="other").version == 1
    assert _track(reg, tree, cancer, project="marketing").version == 1
    assert reg.get("risk/churn").version == 3
    assert reg.get("risk/churn:2").version == 2
    assert reg.get("risk/churn@latest").version == 3
    assert reg.get("other:latest").ref == "risk/other:1"


def test_reference_errors_say_what_to_do(reg, models, cancer):
    lr, _ = models
    _track(reg, lr, cancer)
    _track(reg, lr, cancer, project="marketing")
    with pytest.raises(AmbiguousReference, match="marketing/churn, risk/churn"):
        reg.get("churn")
    with pytest.raises(NotFound, match="no model named 'nope'"):
        reg.get("nope")
    with pytest.raises(NotFound, match="has no version 7; its versions run from 1 to 1"):
        reg.get("risk/churn:7")
    with pytest.raises(NotFound, match="no alias 'champion'"):
        reg.get("risk/churn@champion")
    with pytest.raises(InvalidInput, match=r"\[project/\]name\[:version\|@alias\]"):
        reg.get("risk/churn::3")


def test_aliases_move_and_latest_is_reserved(reg, models, cancer):
    lr, _ = models
    for _ in range(3):
        _track(reg, lr, cancer)
    reg.alias("churn:1", "champion")
    assert reg.get("churn@champion").version == 1
    reg.alias("churn:3", "champion")
    assert reg.get("churn@champion").version == 3
    assert reg.get("churn:1").aliases == []
    assert reg.get("churn:3").aliases == ["champion"]
    with pytest.raises(InvalidInput, match="latest"):
        reg.alias("churn:2", "latest")
    ev = reg.events(action="alias.set")
    assert list(ev["object_ref"]) == ["risk/churn@champion"] * 2
    assert ev.iloc[0]["before"] == {"version": "risk/churn:1"}
    assert ev.iloc[0]["after"] == {"version": "risk/churn:3"}


def test_stages(reg, models, cancer):
    lr, _ = models
    v = _track(reg, lr, cancer)
    assert v.stage == "development"
    v = reg.set_stage(v.ref, "production", reason="beat the champion")
    assert reg.get(v.ref).stage == "production"
    with pytest.raises(InvalidInput, match="Unknown stage 'prod'"):
        reg.set_stage(v.ref, "prod")
    ev = reg.events(action="version.stage").iloc[0]
    assert ev["before"] == {"stage": "development"}
    assert ev["after"] == {"stage": "production", "reason": "beat the champion"}
    assert ev["actor"] == "maya"
    assert list(reg.find(stage="production")["ref"]) == ["risk/churn:1"]


def test_retiring_a_version_refuses_or_removes_its_aliases(reg, models, cancer):
    lr, _ = models
    v = _track(reg, lr, cancer)
    reg.alias(v.ref, "champion")
    reg.alias(v.ref, "stable")
    with pytest.raises(ConflictError, match="carries the alias\\(es\\) champion, stable.*force"):
        reg.set_stage(v.ref, "archived")
    assert reg.get(v.ref).stage == "development" and reg.get("churn@champion").id == v.id
    retired = reg.set_stage(v.ref, "retired", force=True)
    assert retired.stage == "retired" and retired.aliases == []
    with pytest.raises(NotFound, match="no alias 'champion'"):
        reg.get("churn@champion")
    removed = reg.events(action="alias.remove")
    assert sorted(removed["object_ref"]) == ["risk/churn@champion", "risk/churn@stable"]
    assert removed.iloc[0]["before"] == {"version": "risk/churn:1"}
    with pytest.raises(InvalidInput, match="risk/churn:1 is retired: an alias on it"):
        reg.alias(v.ref, "champion")


def test_stage_guard_can_refuse(reg, models, cancer):
    lr, _ = models
    v = _track(reg, lr, cancer)

    def needs_validation(version, stage, actor):
        if stage == "production" and version.stage != "validation":
            raise InvalidInput("production needs validation first")

    reg.stage_guard = needs_validation
    with pytest.raises(InvalidInput, match="validation first"):
        reg.set_stage(v.ref, "production")
    assert reg.get(v.ref).stage == "development"
    reg.set_stage(v.ref, "validation")
    assert reg.set_stage(v.ref, "production").stage == "production"


def test_find_answers_the_mission_questions(reg, models, cancer):
    lr, tree = models
    a = _track(reg, lr, cancer, name="with_zip")
    b = _track(reg, tree, cancer, name="no_zip")
    c = _track(reg, tree, cancer, name="no_zip", project="marketing")
    # Which models used zip_code?
    assert list(reg.find(feature="zip_code")["ref"]) == [a.ref]
    assert set(reg.find(feature="mean_radius")["ref"]) == {a.ref, b.ref, c.ref}
    # Best on US customers, best first, with the slice's values in the columns.
    best = reg.find(project="risk", order_by="-roc_auc", slice="country=US", limit=5)
    us = {v.ref: v.metric("roc_auc", "country=US") for v in (a, b)}
    assert list(best["ref"]) == sorted(us, key=us.get, reverse=True)
    assert list(best["roc_auc"]) == sorted(us.values(), reverse=True)
    assert set(best["slice"]) == {"country=US"}
    # Ascending order and limit/offset paging.
    asc = reg.find(order_by="roc_auc")
    assert list(asc["roc_auc"]) == sorted(asc["roc_auc"])
    assert len(reg.find(limit=2)) == 2
    assert list(reg.find(limit=2, offset=2)["ref"]) == [a.ref]
    # Metric thresholds, authors, times, estimators, projects.
    cut = sorted([a.metric("roc_auc"), b.metric("roc_auc")])[0]
    assert len(reg.find(where=f"roc_auc>{cut}")) == len(
        [v for v in (a, b, c) if v.metric("roc_auc") > cut]
    )
    assert len(reg.find(author="maya")) == 3 and reg.find(author="bob").empty
    assert len(reg.find(since="1h")) == 3
    assert reg.find(since=datetime.now(timezone.utc) + timedelta(hours=1)).empty
    assert list(reg.find(estimator="LogisticRegression")["ref"]) == [a.ref]
    assert list(reg.find(project="marketing")["ref"]) == [c.ref]
    assert reg.store.search.count(reg.query(project="risk")) == 2


def test_find_rejects_bad_filters(reg):
    with pytest.raises(InvalidInput, match="roc_auc>>1"):
        reg.find(where="roc_auc>>1")
    with pytest.raises(InvalidInput, match="since='yesterday'"):
        reg.find(since="yesterday")
    with pytest.raises(InvalidInput, match="column=value"):
        reg.find(slice="US")
    with pytest.raises(InvalidInput, match="Unknown stage"):
        reg.find(stage="prod")


def test_tags(reg, models, cancer):
    lr, _ = models
    a = _track(reg, lr, cancer, tags={"team": "retention"})
    _track(reg, lr, cancer, tags={"team": "growth"})
    assert list(reg.find(tag="team=retention")["ref"]) == [a.ref]
    assert len(reg.find(tag="team")) == 2
    assert reg.get(a.ref).tags == {"team": "retention"}


def test_compare_marks_differences(reg, models, cancer, tmp_path: Path):
    lr, tree = models
    a = _track(reg, lr, cancer)
    b = _track(reg, tree, cancer, description="<script>alert(1)</script>")
    cmp = reg.compare(a.ref, b.ref)
    frame = cmp.to_frame()
    assert list(frame.columns) == [a.ref, b.ref, "differs"]
    assert frame.loc[("metrics", "roc_auc"), a.ref] == pytest.approx(a.metric("roc_auc"))
    assert bool(frame.loc[("metrics", "roc_auc"), "differs"])
    assert bool(frame.loc[("model", "estimator"), "differs"])
    assert frame.loc[("features", "zip_code"), b.ref] == "—"
    assert not bool(frame.loc[("features", "mean_radius"), "differs"])
    assert ("slice metrics", "country=US roc_auc") in frame.index
    html = cmp._repr_html_()
    assert "mmds-diff" in html and a.ref in html
    out = tmp_path / "report.html"
    cmp.to_html(out)
    assert out.read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(InvalidInput, match="at least two"):
        reg.compare(a.ref)


def test_lineage_and_parents(reg, models, cancer):
    lr, tree = models
    v1 = _track(reg, lr, cancer, notebook="/nb/churn.ipynb")
    v2 = _track(reg, lr, cancer, notebook="/nb/churn.ipynb")  # same notebook: parent is v1
    v3 = _track(reg, tree, cancer, notebook="/nb/other.ipynb")  # another notebook: no parent
    v4 = _track(reg, tree, cancer, parent=v1.ref)
    assert v2.parent_ref == v1.ref
    assert v3.parent_ref is None
    assert v4.parent_ref == v1.ref
    lin = reg.lineage(v2.ref)
    up = {n.label for n in lin.upstream()}
    assert v1.ref in up and any(lbl.startswith("test ") for lbl in up)
    down = reg.lineage(v1.ref)
    assert {n.label for n in down.downstream()} == {v2.ref, v4.ref}
    assert "mmds-lineage" in lin._repr_html_()
    with pytest.raises(NotFound):
        _track(reg, lr, cancer, parent="risk/churn:99")


def test_events_are_hash_chained_and_tamper_evident(reg, models, cancer):
    lr, _ = models
    v = _track(reg, lr, cancer)
    reg.alias(v.ref, "champion")
    reg.set_stage(v.ref, "validation")
    ev = reg.events()
    assert list(ev["action"]) == ["version.stage", "alias.set", "version.create"]
    assert reg.verify_events() is None
    with reg.db.engine.begin() as c:
        c.execute(text("update events set actor = 'mallory' where action = 'alias.set'"))
    broken = reg.verify_events()
    assert broken == int(ev[ev["action"] == "alias.set"]["id"].iloc[0])


@pytest.mark.parametrize(
    "bad, match",
    [
        ("not a model", "is a builtins.str, not a scikit-learn estimator"),
        (LogisticRegression(), "is not fitted yet"),
    ],
)
def test_bad_models_write_nothing(reg, cancer, bad, match, tmp_path):
    before = _counts(reg)
    with pytest.raises(InvalidInput, match=match):
        reg.track(bad, name="x", X_test=cancer["X_test"], y_test=cancer["y_test"])
    assert _counts(reg) == before
    assert not (Path(reg.home) / "artifacts").exists()


def test_mismatched_test_set_writes_nothing(reg, models, cancer):
    lr, _ = models
    before = _counts(reg)
    with pytest.raises(InvalidInput, match="lacks the column.*'zip_code'"):
        reg.track(
            lr,
            name="x",
            X_test=cancer["X_test"].drop(columns=["zip_code"]),
            y_test=cancer["y_test"],
        )
    with pytest.raises(InvalidInput, match="Slice column.*'region'"):
        reg.track(lr, name="x", X_test=cancer["X_test"], y_test=cancer["y_test"], slices=["region"])
    with pytest.raises(InvalidInput, match="rows of features but"):
        reg.track(lr, name="x", X_test=cancer["X_test"], y_test=cancer["y_test"][:5])
    with pytest.raises(InvalidInput, match="Model name"):
        reg.track(lr, name="bad name!", X_test=cancer["X_test"], y_test=cancer["y_test"])
    assert _counts(reg) == before
    assert not (Path(reg.home) / "artifacts").exists()


def test_projects_and_models_overview(reg, models, cancer):
    lr, tree = models
    _track(reg, lr, cancer)
    _track(reg, lr, cancer)
    _track(reg, tree, cancer, name="tree")
    projects = reg.projects()
    assert projects.iloc[0]["name"] == "risk"
    assert int(projects.iloc[0]["models"]) == 2 and int(projects.iloc[0]["versions"]) == 3
    models_frame = reg.models("risk")
    assert dict(zip(models_frame["name"], models_frame["versions"], strict=True)) == {
        "churn": 2,
        "tree": 1,
    }


def test_versions_without_the_sort_metric_come_last(reg, models, cancer, diabetes):
    from sklearn.linear_model import Ridge

    lr, tree = models
    a = _track(reg, lr, cancer, name="a")
    b = _track(reg, tree, cancer, name="b")
    ridge = Ridge().fit(diabetes["X_train"], diabetes["y_train"])
    r = reg.track(
        ridge, name="r", project="risk", X_test=diabetes["X_test"], y_test=diabetes["y_test"]
    )
    best_first = sorted([a, b], key=lambda v: v.metric("roc_auc"), reverse=True)
    assert list(reg.find(order_by="-roc_auc")["ref"]) == [v.ref for v in best_first] + [r.ref]
    assert list(reg.find(order_by="roc_auc")["ref"]) == [v.ref for v in best_first[::-1]] + [r.ref]
    assert list(reg.find(order_by="-roc_auc", where="roc_auc>0")["ref"]) == [
        v.ref for v in best_first
    ]


def test_compare_and_lineage_render_as_widgets_in_jupyterlab(reg, models, cancer, monkeypatch):
    lr, tree = models
    a, b = _track(reg, lr, cancer), _track(reg, tree, cancer)
    view = "application/vnd.jupyter.widget-view+json"
    for obj in (reg.compare(a.ref, b.ref), reg.lineage(b.ref)):
        monkeypatch.setenv("MMDS_WIDGETS", "1")
        live = obj._repr_mimebundle_()
        assert view in live and live["text/html"] == obj._repr_html_()
        monkeypatch.setenv("MMDS_WIDGETS", "0")
        assert set(obj._repr_mimebundle_()) == {"text/html"}
    monkeypatch.delenv("MMDS_WIDGETS")
    assert set(reg.compare(a.ref, b.ref)._repr_mimebundle_()) == {"text/html"}  # no kernel
    widget = reg.compare(a.ref, b.ref).widget()
    widget.picker.value = ("accuracy", "country=US")
    assert "country=US accuracy" in widget.chart.value
