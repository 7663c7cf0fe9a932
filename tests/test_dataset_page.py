"""A data set's page: found by its content hash, with its schema, statistics and the versions
trained and tested on it (Registry.dataset, mmds.dataset, mmds dataset)."""

from __future__ import annotations

import json

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import event

from mmds_jupyter.errors import AmbiguousReference, InvalidInput, NotFound
from tests.test_search_filters import add

NUMERIC = ["mean_radius", "mean_texture", "mean_perimeter"]


def _tracked(reg, cancer):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=200))
    model.fit(cancer["X_train"][NUMERIC], cancer["y_train"])
    v = reg.track(
        model,
        name="churn",
        project="risk",
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
        X_train=cancer["X_train"][NUMERIC],
        y_train=cancer["y_train"],
    )
    hashes = {d["relation"]: d["content_hash"] for d in reg.datasets(v.ref)}
    return v, hashes["trained_on"], hashes["evaluated_on"]


def test_a_tracked_data_set_has_its_schema_statistics_and_versions(reg, cancer):
    v, train, test = _tracked(reg, cancer)
    page = reg.dataset(test[:8])
    assert page["content_hash"] == test and page["name"] == "test"
    # the fingerprint covers the features and the target
    assert (page["n_rows"], page["n_cols"]) == (
        len(cancer["X_test"]),
        cancer["X_test"].shape[1] + 1,
    )
    assert set(cancer["X_test"].columns) < set(page["schema"]) and len(page["schema"]) == 11
    assert page["schema"]["mean_radius"] == "float64"
    numeric = page["stats"]["mean_radius"]
    assert numeric["mean"] == pytest.approx(cancer["X_test"]["mean_radius"].mean())
    assert numeric["min"] == pytest.approx(cancer["X_test"]["mean_radius"].min())
    country = page["stats"]["country"]
    assert country["kind"] == "categorical"
    assert sum(country["top"].values()) == len(cancer["X_test"])
    assert [x["ref"] for x in page["tested_on"]] == [v.ref]
    assert page["trained_on"] == []
    assert page["tested_on"][0]["stage"] == "development"
    assert page["created_at"].startswith(str(v.created_at.year))
    trained = reg.dataset(train.upper())  # any case, the whole hash
    assert [x["ref"] for x in trained["trained_on"]] == [v.ref] and trained["tested_on"] == []
    assert json.loads(json.dumps(page)) == page  # plain JSON, as REST answers it


def test_versions_by_role_newest_first_archived_included(reg):
    h = "bb22" + "0" * 60
    a = add(reg, "a", train="aa11" + "0" * 60, test=h)
    b = add(reg, "b", train=h, test="cc33" + "0" * 60)
    c = add(reg, "c", test=h, stage="archived")
    page = reg.dataset("bb220000")
    assert [x["ref"] for x in page["trained_on"]] == [b]
    assert [x["ref"] for x in page["tested_on"]] == [c, a]
    assert page["tested_on"][0]["stage"] == "archived"
    assert reg.dataset("aa110000")["tested_on"] == []


def test_bad_unknown_and_ambiguous_hashes_are_one_clear_error(reg):
    add(reg, "a", train="abcdef01a" + "0" * 55, test="abcdef01b" + "0" * 55)
    with pytest.raises(AmbiguousReference, match="'abcdef01'.*abcdef01a000.*abcdef01b000"):
        reg.dataset("abcdef01")
    assert reg.dataset("abcdef01b")["tested_on"][0]["ref"] == "risk/a:1"
    with pytest.raises(NotFound, match="'ffffffff'"):
        reg.dataset("ffffffff")
    for bad in ("abcdef0", "not-a-hash", "", "abcdef01" + "0" * 57):
        with pytest.raises(InvalidInput, match="at least its first 8 hex digits"):
            reg.dataset(bad)


def test_the_page_looks_its_data_set_up_once(reg):
    h = "bb22" + "0" * 60
    a = add(reg, "a", train=h, test="cc33" + "0" * 60)
    b = add(reg, "b", train="aa11" + "0" * 60, test=h)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(reg.db.engine, "before_cursor_execute", seen)
    try:
        page = reg.dataset("bb220000")
    finally:
        event.remove(reg.db.engine, "before_cursor_execute", seen)
    assert ([x["ref"] for x in page["trained_on"]], [x["ref"] for x in page["tested_on"]]) == (
        [a],
        [b],
    )
    # One look-up of the hash prefix (a range on the hash column); both lists of versions
    # search by the data set's id, not by its hash (or a name equal to it) again.
    lookups = [s for s in statements if "content_hash >=" in s or "datasets.name =" in s]
    assert len(lookups) == 1, lookups


def test_mmds_dataset_asks_the_connected_registry(tmp_path):
    import mmds_jupyter

    reg = mmds_jupyter.connect(
        url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya"
    )
    try:
        ref = add(reg, "a", train="ab12cd34" + "0" * 56)
        page = mmds_jupyter.dataset("AB12CD34")
        assert [v["ref"] for v in page["trained_on"]] == [ref]
        assert page == reg.dataset("ab12cd34" + "0" * 56)
    finally:
        mmds_jupyter.default_registry().close()
