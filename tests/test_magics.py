"""The %mmds magics in a real IPython shell, as a notebook user types them."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mmds_jupyter


@pytest.fixture
def ip(tmp_path, cancer):
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="maya")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    shell.user_ns.update(
        X_train=cancer["X_train"],
        y_train=cancer["y_train"],
        X_test=cancer["X_test"],
        y_test=cancer["y_test"],
    )
    shell.run_cell(
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.tree import DecisionTreeClassifier\n"
        "cols = ['mean_radius', 'mean_texture', 'zip_code']"
    )
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def run(ip, cell):
    result = ip.run_cell(cell)
    if result.error_in_exec is not None:
        raise result.error_in_exec
    return result.result


def test_line_track_then_query(ip):
    run(ip, "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)")
    v = ip.run_line_magic(
        "mmds",
        "track clf --name churn --project risk --test X_test y_test "
        "--slice country --train X_train y_train --tag team=retention",
    )
    assert v.ref == "risk/churn:1"
    assert v.metric("roc_auc", "country=US") is not None
    assert v.provenance["execution_count"] is not None
    assert v.tags == {"team": "retention"}
    frame = ip.run_line_magic("mmds", "list --feature zip_code")
    assert list(frame["ref"]) == ["risk/churn:1"]
    assert ip.run_line_magic("mmds", "list --feature mean_area").empty
    shown = ip.run_line_magic("mmds", "show churn:1")
    assert "risk/churn:1" in shown._repr_html_()


def test_cell_track_captures_every_fitted_estimator(ip):
    run(ip, "old = DecisionTreeClassifier(max_depth=2).fit(X_train[cols], y_train)")
    out = ip.run_cell_magic(
        "mmds",
        "track --project risk --test X_test y_test",
        (
            "lr = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n"
            "tree = DecisionTreeClassifier(max_depth=3, random_state=0)\n"
            "tree.fit(X_train[cols], y_train)\n"
            "unfitted = DecisionTreeClassifier()\n"
        ),
    )
    assert out is None
    found = mmds_jupyter.find(project="risk")
    assert sorted(found["ref"]) == ["risk/lr:1", "risk/tree:1"]  # not 'old', not 'unfitted'
    v = mmds_jupyter.get("risk/tree:1")
    assert "tree.fit(X_train[cols], y_train)" in v.provenance["cell"]
    assert v.provenance["cell"].startswith("%%mmds track")
    # Re-fitting an existing estimator in a tracked cell makes a new version of it.
    ip.run_cell_magic(
        "mmds",
        "track --project risk --test X_test y_test",
        "tree.set_params(max_depth=4).fit(X_train[cols], y_train)\n",
    )
    assert sorted(mmds_jupyter.find(project="risk")["ref"]) == [
        "risk/lr:1",
        "risk/tree:1",
        "risk/tree:2",
    ]
    assert mmds_jupyter.get("risk/tree:2").params["max_depth"] == 4


def test_compare_lineage_load_alias_stage_events(ip):
    run(
        ip,
        "a = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n"
        "b = DecisionTreeClassifier(max_depth=3).fit(X_train[cols], y_train)",
    )
    ip.run_line_magic("mmds", "track a --name churn --test X_test y_test")
    ip.run_line_magic("mmds", "track b --name churn --test X_test y_test --parent churn:1")
    cmp = ip.run_line_magic("mmds", "compare churn:1 churn:2")
    assert cmp.refs == ["default/churn:1", "default/churn:2"]
    lin = ip.run_line_magic("mmds", "lineage churn:2")
    assert "default/churn:1" in {n.label for n in lin.upstream()}
    ip.run_line_magic("mmds", "load churn@latest --as model")
    assert type(ip.user_ns["model"]).__name__ == "DecisionTreeClassifier"
    ip.run_line_magic("mmds", "alias churn:1 champion")
    assert mmds_jupyter.get("churn@champion").version == 1
    ip.run_line_magic("mmds", "stage churn:1 validation --reason 'ready for Victor'")
    assert mmds_jupyter.get("churn:1").stage == "validation"
    events = ip.run_line_magic("mmds", "events --limit 2")
    assert list(events["action"]) == ["version.stage", "alias.set"]


@pytest.mark.parametrize(
    "line, match",
    [
        ("track nothing_here --name x", "'nothing_here' is not defined"),
        ("track X_test --name x", "not a scikit-learn estimator"),
        ("track unfit --name x", "is not fitted yet"),
        ("show ghost:1", "no model named 'ghost'"),
        ("show churn::1", "not a model reference"),
        ("frobnicate", "Unknown sub-command 'frobnicate'"),
        ("list --limit many", "invalid int value"),
        ("load churn:1", "--as"),
        ("", "Say what to do"),
    ],
)
def test_bad_input_is_a_usage_error_and_writes_nothing(ip, line, match):
    run(ip, "unfit = LogisticRegression()")
    with pytest.raises(UsageError, match=match):
        ip.run_line_magic("mmds", line)
    assert mmds_jupyter.find().empty


def test_mismatched_test_set_in_magic(ip):
    run(
        ip,
        "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n"
        "X_bad = X_test.drop(columns=['zip_code'])",
    )
    with pytest.raises(UsageError, match="lacks the column"):
        ip.run_line_magic("mmds", "track clf --name churn --test X_bad y_test")
    assert mmds_jupyter.find().empty


def test_help_lists_subcommands(ip, capsys):
    from mmds_magics.commands import COMMANDS

    ip.run_line_magic("mmds", "help")
    out = capsys.readouterr().out
    assert "track [MODEL]" in out and "schedule NAME NOTEBOOK" in out
    listed = {
        line.split()[0] for line in out.splitlines() if line.startswith("  ") and line[2] != " "
    }
    assert listed == set(COMMANDS)
    ip.run_line_magic("mmds", "help track")
    assert "--slice" in capsys.readouterr().out
    # --help on any sub-command prints its options and does nothing else.
    for name in COMMANDS:
        assert ip.run_line_magic("mmds", f"{name} --help") is None
        assert f"%mmds {name} " in capsys.readouterr().out
    assert mmds_jupyter.find().empty


def test_contract_score_and_scoring_tests_from_magics(ip, tmp_path):
    run(
        ip,
        "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n"
        "new = X_test[cols].reset_index(drop=True).assign(cid=range(len(X_test)))",
    )
    ip.run_line_magic("mmds", "track clf --name churn --test X_test y_test --train X_train y_train")
    contract = ip.run_line_magic("mmds", "contract churn:1")
    assert [i.name for i in contract.inputs] == ["mean_radius", "mean_texture", "zip_code"]
    with pytest.raises(UsageError, match="production scoring uses versions in 'production'"):
        ip.run_line_magic("mmds", "score churn:1 --data new --key cid --production")
    ip.run_line_magic("mmds", "stage churn:1 production")
    result = ip.run_line_magic("mmds", "score churn:1 --data new --key cid --production --as out")
    assert result.score_set_id == 1 and len(ip.user_ns["out"]) == len(ip.user_ns["new"])
    path = tmp_path / "new.parquet"
    ip.user_ns["new"].to_parquet(path)
    assert ip.run_line_magic("mmds", f"score churn:1 --data {path} --key cid").score_set_id is None
    mmds_jupyter.scoring_test.create(
        "churn:1", ip.user_ns["new"], ip.user_ns["out"], key="cid", name="holdout"
    )
    table = ip.run_line_magic("mmds", "test churn:1")
    assert table["passed"].tolist() == [True] and table["test"].tolist() == ["holdout"]
    run(ip, "bad = new.assign(junk=1)")
    assert ip.run_line_magic("mmds", "score churn:1 --data bad --key cid").ignored_columns == [
        "junk"
    ]
    with pytest.raises(UsageError, match="unexpected column 'junk'"):
        ip.run_line_magic("mmds", "score churn:1 --data bad --key cid --strict")
    # A value outside the training range: flagged by default, refused with --policy reject.
    run(ip, "far = new.copy(); far.loc[0, 'mean_radius'] = 1e4")
    flagged = ip.run_line_magic("mmds", "score churn:1 --data far --key cid")
    assert flagged.outputs["mmds_flags"].tolist()[:2] == ["mean_radius", ""]
    with pytest.raises(UsageError, match="1 row\\(s\\) with values out of range"):
        ip.run_line_magic("mmds", "score churn:1 --data far --key cid --policy reject")
    ip.run_line_magic("mmds", "contract churn:1 --policy reject --strict")
    contract = mmds_jupyter.contract("churn:1")
    assert contract.policy == "reject" and contract.strict
    with pytest.raises(UsageError, match="values out of range"):
        ip.run_line_magic("mmds", "score churn:1 --data far --key cid")
    assert ip.run_line_magic(
        "mmds", "score churn:1 --data bad --key cid --policy flag --no-strict"
    ).ignored_columns == ["junk"]


def test_public_functions_are_not_shadowed_by_modules():
    """mmds.compare and mmds.lineage stay functions after their machinery is imported."""
    import importlib

    for name in ("render", "widgets", "registry", "comparison", "lineage_graph"):
        importlib.import_module(f"mmds_jupyter.{name}")
    for name in mmds_jupyter.__all__:
        assert not isinstance(getattr(mmds_jupyter, name), type(importlib)), name


def test_repeated_slice_and_tag_options_accumulate(ip, capsys):
    """Both `--slice a b` and `--slice a --slice b` keep every value (also for --tag)."""
    run(
        ip,
        "X_test = X_test.assign("
        "contract=X_test['mean_radius'].gt(14).map({True: 'a', False: 'b'}))",
    )
    ip.run_cell_magic(
        "mmds",
        "track --project risk --test X_test y_test --slice country --slice contract "
        "--tag owner=alice --tag app=pricing",
        "lr = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n",
    )
    v = mmds_jupyter.get("risk/lr:1")
    slices = {m.slice.split("=")[0] for m in v.metrics if m.slice}
    assert slices == {"country", "contract"}
    assert v.tags == {"owner": "alice", "app": "pricing"}
    run(ip, "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)")
    v = ip.run_line_magic(
        "mmds",
        "track clf --name churn --test X_test y_test --slice country contract "
        "--tag a=1 b=2 --tag c=3",
    )
    assert {m.slice.split("=")[0] for m in v.metrics if m.slice} == {"country", "contract"}
    assert v.tags == {"a": "1", "b": "2", "c": "3"}
    run(ip, "new = X_test[cols].reset_index(drop=True).assign(cid=range(len(X_test)), g=1, h=2)")
    result = ip.run_line_magic(
        "mmds", "score churn:1 --data new --key cid --passthrough g --passthrough h"
    )
    assert {"g", "h"} <= set(result.outputs.columns)
    low = ip.run_line_magic("mmds", "list --where roc_auc<0.0001 --where roc_auc>0.5")
    assert low.empty
    assert len(ip.run_line_magic("mmds", "list --where roc_auc>0.5 --where accuracy>0.1")) == 2


def test_magic_lines_split_like_a_shell_line(ip):
    """Quotes are removed, and $var / {expr} are expanded by IPython, in every sub-command."""
    run(ip, "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)")
    ip.run_line_magic("mmds", "track clf --name churn --test X_test y_test")
    assert len(ip.run_line_magic("mmds", "list --where 'roc_auc<1.01'")) == 1
    assert ip.run_line_magic("mmds", 'list --where "roc_auc<0.01"').empty
    ip.run_line_magic("mmds", "stage churn:1 validation --reason 'from the notebook'")
    events = mmds_jupyter.events(action="version.stage")
    assert events["after"].iloc[0]["reason"] == "from the notebook"
    # As typed in a cell: IPython expands $name and {expression} before the magic reads the line.
    run(
        ip,
        "why = 'ready for Victor'\nlimit = 0.5\n"
        '%mmds stage churn:1 production --reason "$why"\n'
        "found = %mmds list --where 'roc_auc>{limit / 10}'",
    )
    events = mmds_jupyter.events(action="version.stage")
    assert events["after"].iloc[0]["reason"] == "ready for Victor"
    assert list(ip.user_ns["found"]["ref"]) == ["default/churn:1"]
    with pytest.raises(UsageError, match="check the quotes"):
        ip.run_line_magic("mmds", "stage churn:1 validation --reason 'unbalanced")


def test_line_track_prints_the_tracked_line_wherever_it_is(ip, capsys):
    run(
        ip,
        "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)\n"
        "%mmds track clf --name churn --test X_test y_test\n"
        "x = 1",
    )
    out = capsys.readouterr().out
    assert "Tracked default/churn:1 (LogisticRegression, accuracy=" in out


def test_tags_and_description_change_after_track_from_python_and_magic(ip, capsys):
    run(ip, "clf = LogisticRegression(max_iter=3000).fit(X_train[cols], y_train)")
    ip.run_line_magic("mmds", "track clf --name churn --tag team=credit")
    v = mmds_jupyter.tag("churn:1", owner="alice", team="retention")
    assert v.tags == {"owner": "alice", "team": "retention"}
    assert mmds_jupyter.untag("churn:1", "owner").tags == {"team": "retention"}
    assert mmds_jupyter.describe("churn:1", "Baseline.").description == "Baseline."
    ip.run_line_magic("mmds", "tag churn:1 app=pricing 'note=from the notebook'")
    assert "app=pricing" in capsys.readouterr().out
    ip.run_line_magic("mmds", "untag churn:1 team")
    ip.run_line_magic("mmds", "describe churn:1 'Retrained on March data.'")
    v = mmds_jupyter.get("churn:1")
    assert v.tags == {"app": "pricing", "note": "from the notebook"}
    assert v.description == "Retrained on March data."
    assert list(mmds_jupyter.events(ref="churn:1", limit=6)["action"]) == [
        "version.describe",
        "version.untag",
        "version.tag",
        "version.describe",
        "version.untag",
        "version.tag",
    ]
    assert list(mmds_jupyter.find(tag="app=pricing")["ref"]) == ["default/churn:1"]
    for line, match in [
        ("untag churn:1 ghost", "has no tag 'ghost'"),
        ("tag churn:1 novalue", "KEY=VALUE"),
        ("tag ghost:1 a=b", "no model named 'ghost'"),
    ]:
        with pytest.raises(UsageError, match=match):
            ip.run_line_magic("mmds", line)
    assert len(mmds_jupyter.events(ref="churn:1")) == 7
