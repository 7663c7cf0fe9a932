"""Score contracts, test and production scoring, score sets, actuals and scoring tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sqlalchemy import text

from mmds_jupyter.errors import DuplicateScoreSet, InvalidInput, NotFound
from mmds_jupyter.pmml import load_pmml
from mmds_jupyter.registry import Registry
from mmds_jupyter.scoring.contract import ContractEditsNotCarried
from mmds_jupyter.scoring.promotion import AliasRefused
from mmds_jupyter.scoring.validate import ContractViolation

NUM = ["mean_radius", "mean_texture", "zip_code"]


def _pipeline():
    pre = ColumnTransformer([("num", StandardScaler(), NUM), ("cat", OneHotEncoder(), ["country"])])
    return Pipeline([("pre", pre), ("clf", RandomForestClassifier(15, random_state=0))])


@pytest.fixture
def tracked(reg, cancer):
    cols = [*NUM, "country"]
    model = _pipeline().fit(cancer["X_train"][cols], cancer["y_train"])
    v = reg.track(
        model,
        name="churn",
        project="risk",
        X_train=cancer["X_train"][cols],
        y_train=cancer["y_train"],
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
    )
    v = reg.set_stage(v.ref, "production")  # production scoring takes production versions only
    new = cancer["X_test"][cols].reset_index(drop=True).copy()
    new.insert(0, "customer_id", np.arange(1000, 1000 + len(new)))
    return reg, v, model, new


def _rows(reg, table):
    with reg.db.engine.connect() as c:
        return c.execute(text(f"select count(*) from {table}")).scalar()


def test_contract_is_derived_at_capture(tracked, cancer):
    reg, v, _, _ = tracked
    c = reg.contract(v.ref)
    by = {i.name: i for i in c.inputs}
    assert [i.name for i in c.inputs] == [*NUM, "country"]
    assert by["mean_radius"].type == "float" and not by["mean_radius"].nullable
    seen = pd.concat([cancer["X_train"], cancer["X_test"]])  # trained and evaluated on
    assert by["mean_radius"].min == pytest.approx(seen["mean_radius"].min())
    assert by["mean_radius"].max == pytest.approx(seen["mean_radius"].max())
    assert by["zip_code"].type == "integer"
    assert by["country"].categories == ["DE", "FR", "US"]
    assert [o["name"] for o in c.outputs] == ["prediction", "probability(0)", "probability(1)"]
    assert c.policy == "flag" and not c.strict
    assert all(i.required for i in c.inputs)
    assert "mmds-contract" in c._repr_html_()


def test_test_mode_scores_without_storing(tracked):
    reg, v, model, new = tracked
    r = reg.score(v.ref, new, key="customer_id")
    expected = model.predict_proba(new[[*NUM, "country"]])
    np.testing.assert_allclose(r.outputs["probability(1)"], expected[:, 1])
    assert list(r.outputs.columns) == [
        "customer_id",
        "prediction",
        "probability(0)",
        "probability(1)",
        "mmds_flags",
    ]
    assert (r.outputs["mmds_flags"] == "").all() and r.ignored_columns == []
    assert r.score_set_id is None and reg.scores(v.ref).empty


def test_production_mode_stores_a_score_set(tracked, tmp_path):
    reg, v, model, new = tracked
    path = tmp_path / "new.parquet"
    new.to_parquet(path)
    r = reg.score("risk/churn@latest", str(path), mode="production", key="customer_id")
    sets = reg.scores("risk/churn")
    assert list(sets["id"]) == [r.score_set_id]
    row = sets.iloc[0]
    assert row["n_rows"] == len(new) and row["key"] == "customer_id" and row["ref"] == v.ref
    assert row["output_stats"]["probability(1)"]["max"] <= 1.0
    stored = reg.load_scores(r.score_set_id)
    pd.testing.assert_frame_equal(stored, r.outputs)
    lineage = reg.lineage(v.ref)
    assert any(e.relation == "scored" and e.dst_kind == "score_set" for e in lineage.edges)
    assert reg.events(action="scoreset.create").iloc[0]["after"]["rows"] == len(new)
    with pytest.raises(NotFound, match="no score set 999"):
        reg.load_scores(999)


def test_stored_scoring_follows_the_life_cycle(tracked):
    reg, v, _, new = tracked
    reg.set_stage(v.ref, "validation")
    with pytest.raises(InvalidInput, match="in stage 'validation'.*mmds.set_stage.*shadow mode"):
        reg.score(v.ref, new, mode="production", key="customer_id")
    shadow = reg.score(v.ref, new, mode="shadow", key="customer_id")
    assert reg.scores(v.ref).iloc[0]["mode"] == "shadow" and shadow.score_set_id
    reg.set_stage(v.ref, "archived")
    for mode in ("production", "shadow"):
        with pytest.raises(InvalidInput, match=f"in stage 'archived'; {mode} scoring"):
            reg.score(v.ref, new.iloc[:5], mode=mode, key="customer_id")
    assert len(reg.scores(v.ref)) == 1
    assert len(reg.score(v.ref, new.iloc[:5], key="customer_id").outputs) == 5  # test mode
    with pytest.raises(InvalidInput, match="test, production, shadow"):
        reg.score(v.ref, new, mode="live")


def test_every_contract_problem_reported_at_once_and_nothing_written(tracked):
    reg, v, _, new = tracked
    bad = new.drop(columns=["zip_code"]).assign(extra=1).astype({"mean_texture": object})
    bad.loc[3, "country"] = "XX"
    bad.loc[5, "mean_radius"] = -10.0
    bad.loc[6, "mean_texture"] = "soft"
    before = (_rows(reg, "score_sets"), _rows(reg, "events"))
    with pytest.raises(ContractViolation) as err:
        reg.score(v.ref, bad, mode="production", key="customer_id", policy="reject", strict=True)
    msg = str(err.value)
    assert "missing column 'zip_code'" in msg
    assert "unexpected column 'extra'" in msg
    assert "'mean_texture': 1 row(s) with values that are not float, e.g. 'soft'" in msg
    assert "'country': 1 row(s) with unknown categories, e.g. 'XX' (known: DE, FR, US)" in msg
    assert "'mean_radius': 1 row(s) with values out of range, e.g. -10.0" in msg
    assert (_rows(reg, "score_sets"), _rows(reg, "events")) == before


def test_safe_conversions_are_made(tracked):
    reg, v, model, new = tracked
    as_text = new.astype({"mean_radius": str, "zip_code": str})
    r = reg.score(v.ref, as_text, key="customer_id")
    np.testing.assert_allclose(
        r.outputs["probability(1)"], model.predict_proba(new[[*NUM, "country"]])[:, 1]
    )


def test_flag_policy_scores_and_flags_out_of_domain_rows(tracked):
    reg, v, model, new = tracked
    assert reg.contract(v.ref).policy == "flag"  # the default: no edit needed
    bad = new.copy()
    bad.loc[3, "country"] = "XX"  # the one-hot encoder cannot take it: scored as empty
    bad.loc[4, "mean_radius"] = 1e6  # the model can score it: scored and flagged
    r = reg.score(v.ref, bad, mode="production", key="customer_id")
    flags = r.outputs.set_index("customer_id")["mmds_flags"]
    assert flags.loc[1003] == "country" and flags.loc[1004] == "mean_radius"
    assert (flags.drop([1003, 1004]) == "").all()
    assert np.isnan(r.outputs.loc[3, "probability(1)"])
    assert not np.isnan(r.outputs.loc[4, "probability(1)"])
    assert r.n_flagged == 2
    assert reg.scores(v.ref).iloc[0]["n_flagged"] == 2
    reg.contract(v.ref, policy="reject")
    ev = reg.events(action="contract.update").iloc[0]
    assert ev["before"]["policy"] == "flag" and ev["after"]["policy"] == "reject"
    with pytest.raises(ContractViolation, match="unknown categories"):
        reg.score(v.ref, bad, key="customer_id")


def test_contract_edits_are_checked(tracked):
    reg, v, _, new = tracked
    c = reg.contract(v.ref).to_dict()
    for spec in c["inputs"]:
        if spec["name"] == "country":
            spec["categories"].append("UK")
    reg.contract(v.ref, update={"inputs": c["inputs"]})
    assert "UK" in reg.contract(v.ref).input("country").categories
    with pytest.raises(InvalidInput, match="lacks zip_code"):
        reg.contract(v.ref, update={"inputs": [i for i in c["inputs"] if i["name"] != "zip_code"]})
    with pytest.raises(InvalidInput, match="policy 'maybe'"):
        reg.contract(v.ref, policy="maybe")


def test_duplicate_keys_are_refused_in_production(tracked):
    reg, v, _, new = tracked
    dup = pd.concat([new, new.iloc[:1]])
    with pytest.raises(InvalidInput, match="not unique"):
        reg.score(v.ref, dup, mode="production", key="customer_id")
    with pytest.raises(InvalidInput, match="key column"):
        reg.score(v.ref, new, key="nope")


def test_the_same_input_is_stored_once_and_counted_once(tracked):
    reg, v, model, new = tracked
    first = reg.score(v.ref, new, mode="production", key="customer_id")
    with pytest.raises(DuplicateScoreSet, match=f"production score set {first.score_set_id}, "):
        reg.score(v.ref, new.copy(), mode="production", key="customer_id")
    assert list(reg.scores(v.ref)["id"]) == [first.score_set_id]
    again = reg.score(v.ref, new, mode="production", key="customer_id", replace=True)
    sets = reg.scores(v.ref).set_index("id")
    assert sets.loc[first.score_set_id, "replaced_by"] == again.score_set_id
    assert reg.events(action="scoreset.create").iloc[0]["after"]["replaces"] == [first.score_set_id]
    # Another attempt of the same scheduler run replaces its own earlier set unasked.
    part = new.iloc[:50]
    one = reg.score(v.ref, part, mode="production", key="customer_id", run_id=7)
    two = reg.score(v.ref, part, mode="production", key="customer_id", run_id=7)
    with pytest.raises(DuplicateScoreSet):
        reg.score(v.ref, part, mode="production", key="customer_id", run_id=8)
    truth = (model.predict_proba(new[[*NUM, "country"]])[:, 1] > 0.5).astype(int)
    outcomes = pd.DataFrame({"customer_id": new["customer_id"], "churned": truth})
    reg.add_actuals("risk/churn", outcomes, key="customer_id", target="churned")
    perf = reg.performance("risk/churn")
    assert list(perf["score_set"]) == [again.score_set_id, two.score_set_id]
    assert one.score_set_id not in set(perf["score_set"])
    # Duplicates stored before they were refused are still counted once (the newest).
    with reg.db.engine.begin() as c:
        c.execute(text("update score_sets set replaced_by = null"))
    assert list(reg.performance("risk/churn")["score_set"]) == list(perf["score_set"])


def test_moving_an_alias_in_use_checks_the_last_production_input(tracked, cancer):
    reg, v, model, new = tracked
    reg.alias(v.ref, "champion")
    last = reg.score("risk/churn@champion", new, mode="production", key="customer_id")
    # A challenger trained on small tumours only, with one more input.
    cols = [*NUM, "country", "mean_area"]
    small = cancer["X_train"][cols][cancer["X_train"]["mean_radius"] < 15]
    pre = ColumnTransformer(
        [("num", StandardScaler(), [*NUM, "mean_area"]), ("cat", OneHotEncoder(), ["country"])]
    )
    challenger = Pipeline([("pre", pre), ("clf", RandomForestClassifier(5, random_state=0))])
    challenger.fit(small, cancer["y_train"][small.index])
    v2 = reg.track(
        challenger,
        name="churn",
        project="risk",
        X_train=small,
        y_train=cancer["y_train"][small.index],
    )
    with pytest.raises(AliasRefused) as err:
        reg.alias(v2.ref, "champion")
    msg = str(err.value)
    assert f"last production input of {v.ref} (score set {last.score_set_id}" in msg
    assert "  - missing column 'mean_area'" in msg
    assert "  - column 'mean_radius': values out of range" in msg
    assert "force=True" in msg
    assert reg.get("risk/churn@champion").id == v.id
    reg.alias(v2.ref, "challenger")  # a new alias has no production inputs yet
    moved = reg.alias(v2.ref, "champion", force=True)
    assert moved.id == reg.get("risk/churn@champion").id == v2.id
    after = reg.events(action="alias.set").iloc[0]["after"]
    assert after["forced"] and after["checked_against"] == last.score_set_id
    assert "missing column 'mean_area'" in after["differences"]
    # v2 has scored nothing in production yet: moving the alias back needs no check.
    assert reg.alias(v.ref, "champion").id == v.id


def test_actuals_give_performance_over_time(tracked):
    reg, v, model, new = tracked
    first = reg.score(v.ref, new.iloc[:80], mode="production", key="customer_id")
    second = reg.score(v.ref, new.iloc[80:], mode="production", key="customer_id")
    truth = (model.predict_proba(new[[*NUM, "country"]])[:, 1] > 0.5).astype(int)
    truth[:10] = 1 - truth[:10]  # the first batch has ten misses, the second none
    outcomes = pd.DataFrame({"customer_id": new["customer_id"], "churned": truth})
    unscored = pd.DataFrame({"customer_id": [1, 2, 3], "churned": [0, 1, 0]})
    added = reg.add_actuals(
        "risk/churn", pd.concat([outcomes, unscored]), key="customer_id", target="churned"
    )
    assert (added.rows, added.matched, added.unmatched) == (len(new) + 3, len(new), 3)
    assert repr(added) == (
        f"ActualsResult(actual_set_id={added.actual_set_id}, model='risk/churn', "
        f"rows={len(new) + 3}, matched={len(new)}, unmatched=3)"
    )
    assert reg.events(action="actuals.add").iloc[0]["after"]["id"] == added.actual_set_id
    perf = reg.performance("risk/churn")
    assert list(perf["score_set"]) == [first.score_set_id, second.score_set_id]
    assert perf.iloc[0]["accuracy"] == pytest.approx(70 / 80)
    assert perf.iloc[1]["accuracy"] == pytest.approx(1.0)
    assert list(perf["matched"]) == [80, len(new) - 80]
    # A reference to one version (or an alias) gives that version's score sets only.
    v2 = reg.set_stage(reg.track(model, name="churn", project="risk").ref, "production")
    third = reg.score(v2.ref, new.iloc[:30], mode="production", key="customer_id")
    assert list(reg.performance("risk/churn")["score_set"]) == [
        first.score_set_id,
        second.score_set_id,
        third.score_set_id,
    ]
    assert list(reg.performance("risk/churn:1")["ref"]) == [v.ref, v.ref]
    assert list(reg.performance("risk/churn:2")["score_set"]) == [third.score_set_id]
    reg.alias(v.ref, "champion")
    assert list(reg.performance("churn@champion")["score_set"]) == [
        first.score_set_id,
        second.score_set_id,
    ]
    with pytest.raises(InvalidInput, match="no column 'outcome'"):
        reg.add_actuals("risk/churn", new, key="customer_id", target="outcome")


def test_scoring_tests_pass_fail_and_are_recorded(tracked):
    reg, v, model, new = tracked
    inputs = new.iloc[:40]
    expected = reg.score(v.ref, inputs, key="customer_id").outputs
    reg.create_scoring_test(
        v.ref, inputs, expected, tolerance=1e-9, name="holdout", key="customer_id"
    )
    wrong = expected.copy()
    wrong.loc[7, "probability(1)"] += 0.05
    reg.create_scoring_test(
        "risk/churn",
        inputs,
        wrong,
        tolerance=1e-3,
        name="wrong",
        key="customer_id",
        whole_model=True,
    )
    results = {r["test_id"]: r for r in reg.run_scoring_tests(v.ref)}
    passed, failed = sorted(results.values(), key=lambda r: r["test_id"])
    assert passed["passed"] and passed["n_mismatched"] == 0
    assert not failed["passed"] and failed["n_mismatched"] == 1
    assert failed["max_abs_diff"] == pytest.approx(0.05)
    detail = failed["details"]["rows"][0]
    assert detail["customer_id"] == int(inputs["customer_id"].iloc[7])
    assert detail["probability(1)"]["diff"] == pytest.approx(0.05)
    history = reg.scoring_test_results(v.ref)
    assert list(history["test"]) == ["wrong", "holdout"]
    assert list(reg.events(action="scoring_test.run")["after"].map(lambda a: a["passed"])) == [
        False,
        True,
    ]
    with pytest.raises(InvalidInput, match="no scoring test named 'nope'"):
        reg.run_scoring_tests(v.ref, name="nope")
    with pytest.raises(InvalidInput, match="not outputs"):
        reg.create_scoring_test(
            v.ref, inputs, expected.assign(score=1), name="x", key="customer_id"
        )


# -- inputs the model does not use (issue 10, item 10) --------------------------------------


@pytest.fixture
def unused(reg, cancer):
    """A model whose ColumnTransformer drops collections_flag, though it is given to it."""
    cols = ["mean_radius", "mean_texture", "country", "collections_flag"]

    def frame(X):
        return X.assign(collections_flag=X["zip_code"] % 2)[cols]

    pre = ColumnTransformer(
        [("num", StandardScaler(), cols[:2]), ("cat", OneHotEncoder(), ["country"])]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=3000))])
    model.fit(frame(cancer["X_train"]), cancer["y_train"])
    v = reg.track(
        model,
        name="collections",
        project="risk",
        X_train=frame(cancer["X_train"]),
        y_train=cancer["y_train"],
        X_test=frame(cancer["X_test"]),
        y_test=cancer["y_test"],
    )
    return reg, v, model, frame(cancer["X_test"]).reset_index(drop=True)


def test_only_the_inputs_the_model_uses_are_required(unused):
    reg, v, model, new = unused
    c = reg.contract(v.ref)
    assert {i.name: i.required for i in c.inputs} == {
        "mean_radius": True,
        "mean_texture": True,
        "country": True,
        "collections_flag": False,
    }
    assert c.required == ["mean_radius", "mean_texture", "country"]
    expected = model.predict_proba(new)[:, 1]
    r = reg.score(v.ref, new.drop(columns="collections_flag"))
    np.testing.assert_allclose(r.outputs["probability(1)"], expected)
    # Present, it is not read (even text where the model saw numbers) nor flagged.
    r = reg.score(v.ref, new.assign(collections_flag="n/a"), policy="reject", strict=True)
    np.testing.assert_allclose(r.outputs["probability(1)"], expected)
    assert r.ignored_columns == [] and r.problems == []


def test_the_contract_may_drop_an_unused_input_but_not_a_used_one(unused):
    reg, v, model, new = unused
    inputs = reg.contract(v.ref).to_dict()["inputs"]
    kept = [i for i in inputs if i["name"] != "collections_flag"]
    assert reg.contract(v.ref, update={"inputs": kept}).input("collections_flag") is None
    r = reg.score(v.ref, new)  # now a column the contract does not name: ignored
    assert r.ignored_columns == ["collections_flag"]
    np.testing.assert_allclose(r.outputs["probability(1)"], model.predict_proba(new)[:, 1])
    with pytest.raises(InvalidInput, match="every input the model uses; it lacks country"):
        reg.contract(v.ref, update={"inputs": [i for i in kept if i["name"] != "country"]})
    optional = [{**i, "required": i["name"] != "country"} for i in kept]
    with pytest.raises(InvalidInput, match="country cannot be optional"):
        reg.contract(v.ref, update={"inputs": optional})
    with pytest.raises(InvalidInput, match="income is not an input of risk/collections:1"):
        reg.contract(v.ref, update={"inputs": [*kept, {"name": "income", "type": "float"}]})
    assert reg.contract(v.ref).input("collections_flag") is None  # refused edits change nothing


def test_exported_pmml_requires_only_the_inputs_the_model_uses(unused, tmp_path):
    reg, v, model, new = unused
    path = tmp_path / "collections.pmml"
    reg.export_pmml(v.ref, str(path))
    usage = {
        mf.get("name"): mf.get("usageType", "active")
        for mf in load_pmml(path.read_bytes()).model.iter("MiningField")
    }
    assert usage == {
        "target": "target",
        "mean_radius": "active",
        "mean_texture": "active",
        "country": "active",
        "collections_flag": "supplementary",
    }
    imported = reg.import_pmml(str(path), "collections_pmml", "risk")
    assert [i.name for i in reg.contract(imported.ref).inputs] == [
        "mean_radius",
        "mean_texture",
        "country",
    ]
    r = reg.score(imported.ref, new.drop(columns="collections_flag"))
    np.testing.assert_allclose(r.outputs["probability(1)"], model.predict_proba(new)[:, 1])


def test_bare_models_require_the_columns_they_read_even_with_zero_importance(reg):
    # XOR: the root split gains nothing, so its column has importance 0, yet every row is
    # routed by it; the constant column is never split on.
    X = pd.DataFrame({"x0": [0, 0, 1, 1] * 25, "x1": [0, 1, 0, 1] * 25, "const": 7.0})
    y = X["x0"] ^ X["x1"]
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert 0.0 in tree.feature_importances_[:2]
    v = reg.track(tree, name="xor", X_train=X, y_train=y)
    assert {f.name: f.used for f in v.features} == {"x0": True, "x1": True, "const": False}
    assert reg.contract(v.ref).required == ["x0", "x1"]
    r = reg.score(v.ref, X[["x0", "x1"]])
    assert (r.outputs["prediction"] == y).all()
    sparse = LogisticRegression(l1_ratio=1, solver="liblinear", C=0.05, random_state=0)
    noise = X.assign(noise=np.random.RandomState(0).normal(size=len(X)), signal=X["x0"] * 3.0)
    sparse.fit(noise[["noise", "signal"]], X["x0"])
    assert sparse.coef_[0, 0] == 0.0 and sparse.coef_[0, 1] != 0.0
    v = reg.track(sparse, name="sparse", X_train=noise[["noise", "signal"]], y_train=X["x0"])
    assert reg.contract(v.ref).required == ["signal"]
    r = reg.score(v.ref, noise[["signal"]])
    np.testing.assert_allclose(
        r.outputs["probability(1)"], sparse.predict_proba(noise[["noise", "signal"]])[:, 1]
    )


# -- extra columns (item 11) and the out-of-domain policy (item 12) ---------------------------


def test_extra_columns_are_ignored_and_listed_unless_strict(tracked):
    reg, v, model, new = tracked
    wide = new.assign(extra=1, note="x")
    r = reg.score(v.ref, wide, key="customer_id")
    assert r.ignored_columns == ["extra", "note"]
    assert "ignored extra, note" in r._repr_html_()
    assert "extra" not in r.outputs.columns
    np.testing.assert_allclose(
        r.outputs["probability(1)"], model.predict_proba(new[[*NUM, "country"]])[:, 1]
    )
    with pytest.raises(ContractViolation, match="unexpected column 'extra'"):
        reg.score(v.ref, wide, key="customer_id", strict=True)
    assert reg.contract(v.ref, strict=True).strict
    with pytest.raises(ContractViolation, match="unexpected column 'note'"):
        reg.score(v.ref, wide, key="customer_id")
    assert reg.score(v.ref, wide, key="customer_id", strict=False).ignored_columns == [
        "extra",
        "note",
    ]
    assert (
        reg.score(v.ref, wide, key="customer_id", passthrough=["extra", "note"])
        .outputs["note"]
        .eq("x")
        .all()
    )
    with pytest.raises(InvalidInput, match="strict must be True or False"):
        reg.score(v.ref, wide, strict="yes")


def test_pmml_from_another_producer_ignores_fields_it_does_not_use(reg):
    xml = (
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header>'
        '<Application name="Other" version="1"/></Header>'
        '<DataDictionary><DataField name="x" optype="continuous" dataType="double"/>'
        '<DataField name="memo" optype="categorical" dataType="string"/>'
        '<DataField name="y" optype="continuous" dataType="double"/></DataDictionary>'
        '<RegressionModel functionName="regression"><MiningSchema><MiningField name="x"/>'
        '<MiningField name="memo" usageType="supplementary"/>'
        '<MiningField name="y" usageType="target"/></MiningSchema>'
        '<RegressionTable intercept="1"><NumericPredictor name="x" coefficient="2"/>'
        "</RegressionTable></RegressionModel></PMML>"
    )
    v = reg.import_pmml(xml.encode(), "other")
    batch = pd.DataFrame({"id": [1, 2], "x": [1.0, 2.0], "memo": ["a", "b"], "y": [0.0, 0.0]})
    r = reg.score(v.ref, batch, key="id")
    assert r.outputs["prediction"].tolist() == [3.0, 5.0]
    assert r.ignored_columns == ["memo", "y"]
    with pytest.raises(ContractViolation, match="unexpected column 'memo'"):
        reg.score(v.ref, batch, key="id", strict=True)


def test_default_policy_scores_and_flags_a_few_out_of_domain_rows(tracked):
    reg, v, model, new = tracked
    batch = pd.concat([new] * 11, ignore_index=True).iloc[:1500]
    batch = batch.assign(customer_id=range(len(batch)))
    batch.loc[[10, 700, 1400], "mean_radius"] = 1e4  # 3 rows outside the training range
    batch.loc[20, "mean_texture"] = np.nan  # the data had no nulls
    r = reg.score(v.ref, batch, mode="production", key="customer_id")
    flags = r.outputs["mmds_flags"]
    assert flags[[10, 700, 1400]].eq("mean_radius").all() and flags[20] == "mean_texture"
    assert r.n_flagged == 4 and (flags.drop([10, 20, 700, 1400]) == "").all()
    expected = model.predict_proba(batch[[*NUM, "country"]])[:, 1]
    np.testing.assert_allclose(r.outputs["probability(1)"], expected)
    assert {(p.column, p.kind, p.rows) for p in r.problems} == {
        ("mean_radius", "values out of range", 3),
        ("mean_texture", "null values", 1),
    }
    assert reg.scores(v.ref).iloc[0]["n_flagged"] == 4
    with pytest.raises(ContractViolation, match="3 row\\(s\\) with values out of range"):
        reg.score(v.ref, batch, key="customer_id", policy="reject")
    with pytest.raises(InvalidInput, match="policy 'drop' is not one of flag, reject"):
        reg.score(v.ref, batch, key="customer_id", policy="drop")


def test_schema_problems_are_refused_whatever_the_policy(tracked):
    reg, v, _, new = tracked
    before = _rows(reg, "score_sets")
    with pytest.raises(ContractViolation, match="missing column 'zip_code'") as err:
        reg.score(v.ref, new.drop(columns="zip_code"), mode="production", policy="flag")
    assert "policy='flag'" not in str(err.value)  # no domain problem: the hint would mislead
    text = new.astype({"mean_texture": object})
    text.loc[6, "mean_texture"] = "soft"
    with pytest.raises(ContractViolation, match="values that are not float, e.g. 'soft'"):
        reg.score(v.ref, text, mode="production", key="customer_id")
    assert _rows(reg, "score_sets") == before


# -- contract edits carried to the next version (item 13) -------------------------------------


def _track_from_notebook(reg, X, y, numeric, categorical):
    pre = ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(), categorical)]
    )
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=3000))]).fit(X, y)
    return reg.track(
        model, name="churn", project="risk", X_train=X, y_train=y, notebook="train.ipynb"
    )


def test_a_new_version_inherits_its_predecessors_contract_edits(reg, cancer):
    X, y = (
        cancer["X_train"][["mean_radius", "mean_texture", "country", "zip_code"]],
        cancer["y_train"],
    )
    v1 = _track_from_notebook(reg, X, y, ["mean_radius", "mean_texture"], ["country"])
    inputs = reg.contract(v1.ref).to_dict()["inputs"]
    for spec in inputs:
        if spec["name"] == "country":
            spec["categories"] = ["DE", "US", "UK"]  # FR removed, UK added
        if spec["name"] == "mean_radius":
            spec["max"] = 100.0
        if spec["name"] == "mean_texture":
            spec["nullable"] = True
    edited = [i for i in inputs if i["name"] != "zip_code"]  # unused by :1
    reg.contract(v1.ref, update={"inputs": edited}, policy="reject", strict=True)

    # :2 codes the country as numbers and uses zip_code: those two edits cannot be carried.
    X2 = X.assign(country=X["country"].map({"DE": 0, "FR": 1, "US": 2}))
    with pytest.warns(ContractEditsNotCarried, match="risk/churn:2 did not inherit") as w:
        v2 = _track_from_notebook(reg, X2, y, ["mean_radius", "mean_texture", "zip_code"], [])
    assert v2.parent_ref == v1.ref
    c2 = reg.contract(v2.ref)
    assert c2.inherited_from == v1.ref and c2.policy == "reject" and c2.strict
    assert c2.input("mean_radius").max == 100.0 and c2.input("mean_texture").nullable
    assert c2.input("mean_radius").min == pytest.approx(X["mean_radius"].min())  # its own
    assert c2.input("country").type == "integer" and c2.input("country").categories is None
    assert c2.input("zip_code").required
    assert c2.not_carried == [
        "country: categories (its type changed from string to integer)",
        "zip_code: removed (this version uses it)",
    ]
    message = str(w[0].message)
    assert "of risk/churn:1: country: categories" in message and "zip_code: removed" in message
    with pytest.raises(ContractViolation, match="values out of range"):  # reject was carried
        reg.score(v2.ref, X2.assign(mean_radius=1e3))

    # :3 inherits from :2 what :2 carried, and is back to a string country with Italy in it.
    X3 = X.assign(country=X["country"].where(X["zip_code"] % 7 != 0, "IT"))
    v3 = _track_from_notebook(reg, X3, y, ["mean_radius", "mean_texture"], ["country"])
    c3 = reg.contract(v3.ref)
    assert c3.inherited_from == v2.ref and c3.policy == "reject" and c3.strict
    assert c3.input("country").categories == ["DE", "FR", "IT", "US"]  # :1's edit was lost
    assert c3.not_carried == [] and c3.input("zip_code") is not None


def test_category_edits_carry_as_additions_and_removals(reg, cancer):
    X, y = cancer["X_train"][["mean_radius", "country"]], cancer["y_train"]
    v1 = _track_from_notebook(reg, X, y, ["mean_radius"], ["country"])
    inputs = reg.contract(v1.ref).to_dict()["inputs"]
    inputs[1]["categories"] = ["DE", "US", "UK"]
    reg.contract(v1.ref, update={"inputs": inputs})
    assert reg.contract(v1.ref).edits == {
        "inputs": {"country": {"categories": {"added": ["UK"], "removed": ["FR"]}}}
    }
    X2 = X.assign(country=X["country"].where(X.index % 5 != 0, "IT"))
    v2 = _track_from_notebook(reg, X2, y, ["mean_radius"], ["country"])
    c2 = reg.contract(v2.ref)
    assert c2.input("country").categories == ["DE", "IT", "US", "UK"]
    assert c2.policy == "flag" and c2.not_carried == []
    r = reg.score(v2.ref, X2.assign(country="FR").iloc[:3])
    assert (r.outputs["mmds_flags"] == "country").all()


# -- hypothesis: any frame gets a clear error or correct output, never a crash or a write ----

COLUMNS = [*NUM, "country", "customer_id", "junk"]
cell = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.integers(-(10**6), 10**6),
    st.sampled_from(["US", "DE", "FR", "XX", "", "1.5"]),
    st.booleans(),
)


@st.composite
def frames(draw):
    cols = draw(st.lists(st.sampled_from(COLUMNS), unique=True, min_size=0, max_size=6))
    n = draw(st.integers(0, 6))
    return pd.DataFrame({c: pd.Series([draw(cell) for _ in range(n)], dtype=object) for c in cols})


@pytest.fixture(scope="module")
def hyp_registry(tmp_path_factory, cancer):
    home = tmp_path_factory.mktemp("hyp")
    reg = Registry(url=f"sqlite:///{home / 'mmds.db'}", home=str(home))
    cols = [*NUM, "country"]
    model = _pipeline().fit(cancer["X_train"][cols], cancer["y_train"])
    v = reg.track(model, name="churn", X_train=cancer["X_train"][cols], y_train=cancer["y_train"])
    v = reg.set_stage(v.ref, "production")
    yield reg, v, model
    reg.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), policy=st.sampled_from(["reject", "flag"]))
def test_hypothesis_bad_frames(hyp_registry, frame, policy):
    reg, v, model = hyp_registry
    if reg.contract(v.ref).policy != policy:
        reg.contract(v.ref, policy=policy)
    before = (_rows(reg, "score_sets"), len(list((reg.artifacts.root).rglob("*"))))
    key = "customer_id" if "customer_id" in frame.columns else None
    try:
        result = reg.score(v.ref, frame, mode="production", key=key)
    except (InvalidInput, DuplicateScoreSet) as exc:  # an input generated twice is refused
        assert str(exc).strip()
        assert (_rows(reg, "score_sets"), len(list(reg.artifacts.root.rglob("*")))) == before
        return
    # Accepted: every row is either scored exactly as the model scores it, or flagged.
    out = result.outputs
    assert len(out) == len(frame)
    ok = out["mmds_flags"] == "" if "mmds_flags" in out else pd.Series(True, index=out.index)
    clean = frame[[*NUM, "country"]][ok.to_numpy()]
    if len(clean):
        expected = model.predict_proba(
            clean.astype({c: "float64" for c in NUM}).astype({"country": object})
        )[:, 1]
        np.testing.assert_allclose(out.loc[ok, "probability(1)"].to_numpy(dtype=float), expected)
    assert _rows(reg, "score_sets") == before[0] + 1


@pytest.mark.slow
def test_dask_engine_scores_partitions_on_a_real_cluster(tracked):
    from distributed import LocalCluster

    from mmds_jupyter.scoring import distributed as dist

    reg, v, model, new = tracked
    big = pd.concat([new] * 4, ignore_index=True).assign(customer_id=lambda f: range(len(f)))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        local = reg.score(v.ref, big, key="customer_id")
        original = dist.DEFAULT_PARTITION_ROWS
        dist.DEFAULT_PARTITION_ROWS = 100  # several partitions per worker
        try:
            result = reg.score(
                v.ref,
                big,
                mode="production",
                key="customer_id",
                engine="dask",
                scheduler=cluster.scheduler_address,
            )
            pd.testing.assert_frame_equal(result.outputs, local.outputs)
            with cluster.get_client() as client:  # both worker processes scored partitions
                loaded = client.run(
                    lambda: len(
                        __import__("mmds_jupyter.scoring.distributed", fromlist=["_models"])._models
                    )
                )
            assert sorted(loaded.values()) == [1, 1]
            assert reg.scores(v.ref).iloc[0]["n_rows"] == len(big)
            # A violation in any partition refuses the whole batch, counted over all of them.
            bad = big.copy()
            bad.loc[[5, 250, 500], "country"] = "XX"
            with pytest.raises(ContractViolation, match="3 row\\(s\\) with unknown categories"):
                reg.score(
                    v.ref,
                    bad,
                    mode="production",
                    key="customer_id",
                    engine="dask",
                    scheduler=cluster.scheduler_address,
                    policy="reject",
                )
        finally:
            dist.DEFAULT_PARTITION_ROWS = original
    assert len(reg.scores(v.ref)) == 1
    with pytest.raises(InvalidInput, match="needs a cluster"):
        reg.score(v.ref, big, engine="dask")
