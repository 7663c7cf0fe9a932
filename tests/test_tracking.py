"""``with mmds.tracking(...)``: every estimator fitted inside the block is tracked, from Python."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

import mmds_jupyter as mmds
from mmds_jupyter.capture.fitted import NothingFitted

COLS = ["mean_radius", "mean_texture", "zip_code"]


@pytest.fixture
def registry(tmp_path):
    reg = mmds.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    yield reg
    reg.close()


def test_every_estimator_fitted_in_the_block_is_tracked(registry, cancer):
    X_train, y_train = cancer["X_train"][COLS], cancer["y_train"]
    X_test, y_test = cancer["X_test"], cancer["y_test"]
    old = DecisionTreeClassifier(max_depth=2).fit(X_train, y_train)
    with mmds.tracking(
        project="risk", X_test=X_test, y_test=y_test, slices=["country"], tags={"team": "ml"}
    ) as tracked:
        lr = LogisticRegression(max_iter=3000).fit(X_train, y_train)
        tree = DecisionTreeClassifier(max_depth=3, random_state=0)
        tree.fit(X_train, y_train)
        unfitted = DecisionTreeClassifier()

    assert [v.ref for v in tracked] == ["risk/lr:1", "risk/tree:1"]  # not old, not unfitted
    assert sorted(mmds.find(project="risk")["ref"]) == ["risk/lr:1", "risk/tree:1"]
    assert mmds.find(name="old").empty and mmds.find(name="unfitted").empty
    for v, model in zip(tracked, (lr, tree), strict=True):
        proba = model.predict_proba(X_test[COLS])[:, 1]
        assert v.metric("roc_auc") == pytest.approx(roc_auc_score(y_test, proba))
        assert v.metric("accuracy") == pytest.approx(
            accuracy_score(y_test, model.predict(X_test[COLS]))
        )
        assert v.metric("accuracy", "country=US") is not None
        assert v.tags == {"team": "ml"}
    assert mmds.get("risk/tree:1").params["max_depth"] == 3
    assert old is not None and unfitted is not None


def test_only_what_the_block_refits_is_tracked(registry, cancer):
    X_train, y_train = cancer["X_train"][COLS], cancer["y_train"]
    kept = LogisticRegression(max_iter=3000).fit(X_train, y_train)
    tree = DecisionTreeClassifier(max_depth=2).fit(X_train, y_train)
    with mmds.tracking(X_train=X_train, y_train=y_train) as tracked:
        tree.set_params(max_depth=4).fit(X_train, y_train)
    assert [v.ref for v in tracked] == ["default/tree:1"]
    assert tracked[0].params["max_depth"] == 4
    assert mmds.find(name="kept").empty
    assert kept is not None


def test_a_block_that_raises_tracks_nothing_and_its_error_propagates(registry, cancer):
    X_train, y_train = cancer["X_train"][COLS], cancer["y_train"]
    with pytest.raises(ZeroDivisionError), mmds.tracking(project="risk") as tracked:
        lr = LogisticRegression(max_iter=3000).fit(X_train, y_train)
        1 / 0  # noqa: B018
    assert tracked == []
    assert mmds.find().empty
    assert lr is not None


def test_a_block_that_fits_nothing_warns_and_tracks_nothing(registry, cancer):
    nothing = "No estimator was fitted inside the mmds.tracking"
    with pytest.warns(NothingFitted, match=nothing), mmds.tracking(project="risk") as tracked:
        unfitted = LogisticRegression()
    assert tracked == [] and mmds.find().empty
    assert unfitted is not None


def test_wrong_arguments_fail_before_the_block_runs(registry):
    with pytest.raises(mmds.InvalidInput, match="names each estimator after its variable"):
        mmds.tracking(name="churn")
    with pytest.raises(TypeError, match="X_tset"):
        mmds.tracking(X_tset=None)


def test_data_errors_are_those_of_track(registry, cancer):
    X_train, y_train = cancer["X_train"][COLS], cancer["y_train"]
    half = mmds.tracking(X_test=cancer["X_test"])
    with pytest.raises(mmds.InvalidInput, match="Give both the test features"), half:
        clf = LogisticRegression(max_iter=3000).fit(X_train, y_train)
    assert mmds.find().empty
    assert clf is not None


def test_tracking_at_the_top_level_of_a_notebook_cell(registry, cancer):
    shell = InteractiveShell.instance()
    try:
        shell.user_ns.update(cancer, cols=COLS, mmds=mmds)
        result = shell.run_cell(
            "from sklearn.linear_model import LogisticRegression\n"
            "with mmds.tracking(project='nb', X_test=X_test, y_test=y_test) as tracked:\n"
            "    clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n",
            store_history=True,
        )
        result.raise_error()
        [v] = shell.user_ns["tracked"]
        assert v.ref == "nb/clf:1"
        assert "with mmds.tracking" in v.provenance["cell"]
    finally:
        shell.reset()


def test_tracking_into_a_given_registry_and_namespace(sqlite_reg, cancer):
    from mmds_jupyter.capture.fitted import Tracking

    ns: dict[str, object] = {}
    with Tracking(sqlite_reg, project="p", namespace=ns) as tracked:
        ns["m"] = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    assert [v.ref for v in tracked] == ["p/m:1"]
    assert list(sqlite_reg.find()["ref"]) == ["p/m:1"]
