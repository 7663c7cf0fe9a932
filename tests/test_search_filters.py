"""Search filters as users write them: literal values, negations, archived versions, data sets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mmds_jupyter.entities import NewVersion
from mmds_jupyter.errors import AmbiguousReference, InvalidInput, NotFound


def _fp(content_hash: str, n_rows: int = 10) -> dict[str, Any]:
    return {"content_hash": content_hash, "n_rows": n_rows, "n_cols": 2, "schema": {}, "stats": {}}


def add(
    reg: Any,
    name: str,
    *,
    estimator: str = "sklearn.linear_model.LogisticRegression",
    stage: str = "development",
    used: tuple[str, ...] = ("a", "b"),
    unused: tuple[str, ...] = (),
    roc_auc: float | None = None,
    test: str | None = None,
    train: str | None = None,
    project: str = "risk",
) -> str:
    """A version written straight to the store (no model file): fast, and every field chosen."""
    datasets = []
    if test:
        datasets.append(("evaluated_on", _fp(test), "test"))
    if train:
        datasets.append(("trained_on", _fp(train), "train"))
    v = reg.store.versions.create_version(
        NewVersion(
            project=project,
            name=name,
            framework="sklearn",
            estimator_class=estimator,
            task="binary",
            author="maya",
            params={},
            steps={},
            features=[{"name": f, "dtype": "float64", "used": True} for f in used]
            + [{"name": f, "dtype": "float64", "used": False} for f in unused],
            outputs=[],
            metrics=[] if roc_auc is None else [{"name": "roc_auc", "value": roc_auc}],
            provenance={},
            environment={},
            artifact_sha256=None,
            artifact_format=None,
            stage=stage,
            datasets=datasets,
        )
    )
    return v.ref


def refs(frame: Any) -> list[str]:
    return list(frame["ref"])


# -- S6: the estimator filter is literal ---------------------------------------------------------


def test_estimator_filter_treats_percent_and_underscore_literally(reg):
    lr = add(reg, "lr")
    odd = add(reg, "odd", estimator="custom.My_Model")
    assert reg.find(estimator="%").empty
    assert reg.find(estimator="_").empty
    assert reg.find(estimator="%Regression").empty
    assert reg.find(estimator="My%Model").empty
    assert refs(reg.find(estimator="My_Model")) == [odd]
    assert refs(reg.find(estimator="LogisticRegression")) == [lr]
    assert refs(reg.find(estimator="sklearn.linear_model.LogisticRegression")) == [lr]


# -- 6: versions without a feature; unreadable filters are errors ------------------------------


def test_without_feature_is_the_complement_of_feature(reg):
    uses = add(reg, "uses", used=("income", "age"))
    drops = add(reg, "drops", used=("age",), unused=("income",))
    never = add(reg, "never", used=("age",))
    assert refs(reg.find(feature="income")) == [uses]
    assert refs(reg.find(without_feature="income")) == [never, drops]
    assert refs(reg.find(without_feature="income", feature="age", limit=1)) == [never]
    assert reg.store.search.count(reg.query(without_feature="income")) == 2
    assert reg.find(without_feature="age").empty


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"feature": "!income"}, "without_feature='income'"),
        ({"without_feature": "!income"}, "without_feature='!income'"),
        ({"tag": "!team"}, "tag='!team'"),
        ({"tag": "=credit"}, "tag='=credit'"),
        ({"estimator": "!Ridge"}, "estimator='!Ridge'"),
        ({"author": "!maya"}, "author='!maya'"),
        ({"project": "!risk"}, "project='!risk'"),
        ({"name": "a b"}, "name='a b'"),
    ],
)
def test_a_filter_that_cannot_be_read_is_an_error_naming_it(reg, kwargs, fragment):
    add(reg, "uses", used=("income",))
    with pytest.raises(InvalidInput) as info:
        reg.find(**kwargs)
    assert fragment in str(info.value)


def test_an_unknown_metric_is_an_error_naming_the_known_ones(reg):
    add(reg, "a", roc_auc=0.8)
    with pytest.raises(InvalidInput, match="'roc_aux'.*roc_auc"):
        reg.find(order_by="-roc_aux")
    with pytest.raises(InvalidInput, match="'rocauc'.*roc_auc"):
        reg.find(where="rocauc>0.5")
    assert len(reg.find(order_by="-roc_auc")) == 1
    assert len(reg.find(order_by="-version")) == 1


def test_an_empty_registry_answers_any_metric_with_nothing(reg):
    assert reg.find(order_by="-roc_auc", where="roc_auc>0.5").empty


def test_cli_without_feature_and_bang_feature(sqlite_reg, capsys):
    from mmds_jupyter.cli import main

    uses = add(sqlite_reg, "uses", used=("collections_flag",))
    other = add(sqlite_reg, "other", used=("age",))
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home, "list"]
    assert main([*base, "--without-feature", "collections_flag", "--json"]) == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == [other]
    assert main([*base, "--feature", "collections_flag", "--json"]) == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == [uses]
    assert main([*base, "--feature", "!collections_flag"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--without-feature" in captured.err and "collections_flag" in captured.err


@pytest.fixture
def ip(tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    import mmds_jupyter

    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_magic_without_feature(ip):
    from IPython.core.error import UsageError

    import mmds_jupyter

    reg = mmds_jupyter.default_registry()
    add(reg, "uses", used=("collections_flag",))
    other = add(reg, "other", used=("age",))
    assert refs(ip.run_line_magic("mmds", "list --without-feature collections_flag")) == [other]
    with pytest.raises(UsageError, match="without-feature"):
        ip.run_line_magic("mmds", "list --feature !collections_flag")


# -- 9: archived versions are left out unless asked ----------------------------------------------


def test_searches_leave_out_archived_versions_unless_asked(reg):
    live = add(reg, "churn", roc_auc=0.7)
    old = add(reg, "churn", roc_auc=0.99, stage="archived")
    assert refs(reg.find(order_by="-roc_auc")) == [live]
    assert refs(reg.find(feature="a")) == [live]
    assert reg.store.search.count(reg.query(feature="a")) == 1
    assert refs(reg.find(order_by="-roc_auc", include_archived=True)) == [old, live]
    assert reg.store.search.count(reg.query(feature="a", include_archived=True)) == 2
    assert refs(reg.find(stage="archived")) == [old]


def test_cli_and_magic_leave_out_archived_alike(sqlite_reg, capsys):
    from mmds_jupyter.cli import main

    live = add(sqlite_reg, "churn", roc_auc=0.7)
    old = add(sqlite_reg, "churn", roc_auc=0.99, stage="archived")
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home, "list", "--json"]
    for extra, want in (([], [live]), (["--include-archived"], [old, live])):
        assert main([*base, "--order-by", "-roc_auc", *extra]) == 0
        assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == want


def test_magic_include_archived(ip):
    import mmds_jupyter

    reg = mmds_jupyter.default_registry()
    live = add(reg, "churn", roc_auc=0.7)
    old = add(reg, "churn", roc_auc=0.99, stage="archived")
    assert refs(ip.run_line_magic("mmds", "list --order-by -roc_auc")) == [live]
    shown = ip.run_line_magic("mmds", "list --order-by -roc_auc --include-archived")
    assert refs(shown) == [old, live]
    assert refs(ip.run_line_magic("mmds", "list --stage archived")) == [old]


# -- 8: which versions were trained or tested on a data set ----------------------------------------


def test_find_by_dataset_hash_prefix_name_and_role(reg):
    a = add(reg, "a", train="aa11" + "0" * 60, test="bb22" + "0" * 60)
    b = add(reg, "b", train="bb22" + "0" * 60, test="cc33" + "0" * 60)
    c = add(reg, "c", test="bb22" + "0" * 60, stage="archived")
    add(reg, "d")
    assert refs(reg.find(dataset="bb22")) == [b, a]
    assert refs(reg.find(dataset="bb22", dataset_role="test")) == [a]
    assert refs(reg.find(dataset="bb22", dataset_role="train")) == [b]
    assert refs(reg.find(dataset="bb22", include_archived=True)) == [c, b, a]
    assert refs(reg.find(dataset="bb22" + "0" * 60, feature="a", order_by="name")) == [a, b]
    assert reg.store.search.count(reg.query(dataset="aa11")) == 1
    # Every data set tracked as a test set is named "test"; the name works as well.
    assert refs(reg.find(dataset="test")) == [b, a]
    rows = reg.find(dataset="aa11")
    assert list(rows["train_set"]) == ["aa1100000000"] and list(rows["test_set"]) == [
        "bb2200000000"
    ]


def test_dataset_filter_errors_name_the_value(reg):
    add(reg, "a", train="abcd1" + "0" * 59, test="abcd2" + "0" * 59)
    with pytest.raises(AmbiguousReference, match="'abcd'.*abcd10000000.*abcd20000000"):
        reg.find(dataset="abcd")
    with pytest.raises(NotFound, match="'ffff'"):
        reg.find(dataset="ffff")
    with pytest.raises(NotFound, match="'ab'.*at least 4"):
        reg.find(dataset="ab")
    with pytest.raises(InvalidInput, match="dataset_role='trained'"):
        reg.find(dataset="abcd1", dataset_role="trained")


def test_cli_dataset(sqlite_reg, capsys):
    from mmds_jupyter.cli import main

    a = add(sqlite_reg, "a", train="aa11" + "0" * 60, test="bb22" + "0" * 60)
    add(sqlite_reg, "b", train="cc33" + "0" * 60)
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home, "list"]
    assert main([*base, "--dataset", "aa11", "--dataset-role", "train", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["ref"] for r in rows] == [a] and rows[0]["test_set"] == "bb2200000000"
    assert main([*base, "--dataset", "aa11", "--dataset-role", "test"]) == 0
    assert "(nothing)" in capsys.readouterr().out
    assert main([*base, "--dataset", "9999"]) == 1
    assert "'9999'" in capsys.readouterr().err


# -- 7: every metric carries its data set; rankings and comparisons say when they differ --------


def test_metrics_carry_their_test_set_and_rankings_say_when_sets_differ(reg):
    a = add(reg, "a", roc_auc=0.7, test="aa11" + "0" * 60)
    b = add(reg, "b", roc_auc=0.9, test="cc22" + "0" * 60)
    assert reg.get(a).metrics[0].dataset_hash == "aa11" + "0" * 60
    ranked = reg.find(order_by="-roc_auc")
    assert refs(ranked) == [b, a] and list(ranked["test_set"]) == ["cc2200000000", "aa1100000000"]
    (warning,) = ranked.attrs["warnings"]
    assert "Ranked by roc_auc" in warning and "2 different test sets" in warning
    assert "aa1100000000: risk/a:1" in warning and "cc2200000000: risk/b:1" in warning
    # On one test set, or not ranked by a metric, there is nothing to say.
    same = reg.find(order_by="-roc_auc", dataset="aa11", dataset_role="test")
    assert refs(same) == [a] and same.attrs["warnings"] == []
    assert reg.find().attrs["warnings"] == []


def test_compare_warns_when_test_sets_differ(reg):
    a = add(reg, "a", roc_auc=0.7, test="aa11" + "0" * 60)
    b = add(reg, "b", roc_auc=0.9, test="cc22" + "0" * 60)
    c = add(reg, "c", roc_auc=0.8, test="aa11" + "0" * 60)
    cmp = reg.compare(a, b)
    (warning,) = cmp.warnings
    assert "Compared over versions evaluated on 2 different test sets" in warning
    frame = cmp.to_frame()
    assert list(frame.loc[("model", "test set")][[a, b]]) == ["aa1100000000", "cc2200000000"]
    assert bool(frame.loc[("model", "test set"), "differs"])
    assert "mmds-warning" in cmp._repr_html_() and "2 different test sets" in cmp.to_html()
    assert "2 different test sets" in cmp.widget().table.value
    assert reg.compare(a, c).warnings == []


def test_cli_and_magic_print_the_warnings(sqlite_reg, capsys):
    from mmds_jupyter.cli import main

    a = add(sqlite_reg, "a", roc_auc=0.7, test="aa11" + "0" * 60)
    b = add(sqlite_reg, "b", roc_auc=0.9, test="cc22" + "0" * 60)
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home]
    assert main([*base, "list", "--order-by", "-roc_auc"]) == 0
    out = capsys.readouterr()
    assert "cc2200000000" in out.out and "2 different test sets" in out.err
    assert main([*base, "compare", a, b]) == 0
    out = capsys.readouterr()
    assert "test set" in out.out and "warning: Compared" in out.err


def test_magic_prints_the_ranking_warning(ip, capsys):
    import mmds_jupyter

    reg = mmds_jupyter.default_registry()
    add(reg, "a", roc_auc=0.7, test="aa11" + "0" * 60)
    add(reg, "b", roc_auc=0.9, test="cc22" + "0" * 60)
    ip.run_line_magic("mmds", "list --order-by -roc_auc")
    assert "2 different test sets" in capsys.readouterr().out
