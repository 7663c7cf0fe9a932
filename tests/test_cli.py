"""The mmds command, run as a user runs it: a real process against a real registry."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "zip_code"]


@pytest.fixture
def populated(db_url, tmp_path, cancer):
    reg = Registry(url=db_url, home=str(tmp_path / "home"), actor="maya")
    lr = LogisticRegression(max_iter=3000).fit(cancer["X_train"][COLS], cancer["y_train"])
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        cancer["X_train"][COLS[:2]], cancer["y_train"]
    )
    kw = {"X_test": cancer["X_test"], "y_test": cancer["y_test"], "slices": ["country"]}
    reg.track(lr, name="churn", project="risk", **kw)
    reg.track(tree, name="churn", project="risk", parent="risk/churn:1", **kw)
    reg.alias("risk/churn:2", "champion")
    reg.close()
    return db_url, str(tmp_path / "home")


def mmds(populated, *args, ok=True):
    """``mmds ...`` as its own process, as a user runs it."""
    url, home = populated
    env = {**os.environ, "MMDS_URL": url, "MMDS_HOME": home}
    proc = subprocess.run(
        [sys.executable, "-m", "mmds_jupyter.cli", *args], env=env, capture_output=True, text=True
    )
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def in_process(populated, capsys, *args, ok=True):
    """``mmds ...`` through the CLI's ``main`` in this process, answered like ``mmds``'s."""
    from types import SimpleNamespace

    capsys.readouterr()
    rc = _main(populated, *args)
    out = capsys.readouterr()
    proc = SimpleNamespace(returncode=rc or 0, stdout=out.out, stderr=out.err)
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def _main(populated, *args):
    """The exit code of the CLI's ``main`` on this registry, run in this process."""
    from mmds_jupyter.cli import main

    url, home = populated
    try:
        return main(["--url", url, "--home", home, *args])
    except SystemExit as exc:
        return exc.code


def test_list_json_and_filters(populated):
    rows = json.loads(mmds(populated, "list", "--json").stdout)
    assert [r["ref"] for r in rows] == ["risk/churn:2", "risk/churn:1"]
    assert rows[0]["aliases"] == ["champion"] and isinstance(rows[0]["roc_auc"], float)
    rows = json.loads(mmds(populated, "list", "--feature", "zip_code", "--json").stdout)
    assert [r["ref"] for r in rows] == ["risk/churn:1"]
    rows = json.loads(
        mmds(
            populated,
            "list",
            "--project",
            "risk",
            "--slice",
            "country=US",
            "--order-by",
            "-roc_auc",
            "--json",
        ).stdout
    )
    assert [r["slice"] for r in rows] == ["country=US"] * 2
    assert rows[0]["roc_auc"] >= rows[1]["roc_auc"]
    text = mmds(populated, "list").stdout
    assert "risk/churn:2" in text and "DecisionTreeClassifier" in text
    rows = json.loads(mmds(populated, "list", "--name-contains", "HUR", "--json").stdout)
    assert len(rows) == 2
    assert json.loads(mmds(populated, "list", "--name-contains", "fraud", "--json").stdout) == []


def test_show_compare_lineage_events(populated, tmp_path):
    out = mmds(populated, "show", "churn@champion").stdout
    assert out.startswith("risk/churn:2") and "parent risk/churn:1" in out
    shown = json.loads(mmds(populated, "show", "risk/churn:1", "--json").stdout)
    assert shown["ref"] == "risk/churn:1" and shown["params"]["max_iter"] == 3000
    report = tmp_path / "cmp.html"
    out = mmds(populated, "compare", "churn:1", "churn:2", "--html", str(report)).stdout
    assert "≠" in out and report.read_text().count("mmds-diff") > 3
    rows = json.loads(mmds(populated, "compare", "churn:1", "churn:2", "--json").stdout)
    est = next(r for r in rows if r["key"] == "estimator")
    assert est["differs"] and est["values"]["risk/churn:2"].endswith("DecisionTreeClassifier")
    lin = json.loads(mmds(populated, "lineage", "churn:2", "--json").stdout)
    assert {"from", "relation", "to"} <= set(lin["edges"][0])
    assert "derived_from" in mmds(populated, "lineage", "churn:2").stdout
    events = json.loads(mmds(populated, "events", "--json").stdout)
    assert [e["action"] for e in events] == ["alias.set", "version.create", "version.create"]
    assert "intact" in mmds(populated, "events", "--verify").stdout


def test_dataset_by_hash_text_json_and_errors(populated, capsys, cancer):
    lin = json.loads(mmds(populated, "lineage", "churn:2", "--json").stdout)
    (test,) = [n["detail"]["content_hash"] for n in lin["nodes"] if n["kind"] == "dataset"]
    page = json.loads(mmds(populated, "dataset", test[:10], "--json").stdout)
    assert page["content_hash"] == test and page["n_rows"] == len(cancer["X_test"])
    assert [v["ref"] for v in page["tested_on"]] == ["risk/churn:2", "risk/churn:1"]
    assert page["stats"]["country"]["kind"] == "categorical"
    text = mmds(populated, "dataset", test).stdout
    assert text.startswith(f"test: {len(cancer['X_test'])} rows × ")
    assert f"hash {test}" in text and "mean_radius" in text and "float64" in text
    assert "Tested on it:\n  risk/churn:2 (development)\n  risk/churn:1" in text
    assert "Trained on it:\n  (none you may read)" in text
    assert re.search(r"country .* 3 values; top: (US|DE|FR) \(\d+\)", text)
    proc = in_process(populated, capsys, "dataset", "0123456789", ok=False)
    assert proc.returncode == 1 and "No data set has a content hash starting with" in proc.stderr
    proc = in_process(populated, capsys, "dataset", "xyz", ok=False)
    assert proc.returncode == 1 and "at least its first 8 hex digits" in proc.stderr


def test_alias_stage_and_db_upgrade(populated):
    assert "risk/churn@best -> risk/churn:1" in mmds(populated, "alias", "churn:1", "best").stdout
    assert "production" in mmds(populated, "stage", "churn:1", "production").stdout
    proc = mmds(populated, "stage", "churn:2", "archived", ok=False)
    assert proc.returncode == 1 and "carries the alias(es) champion" in proc.stderr
    assert "archived" in mmds(populated, "stage", "churn:2", "archived", "--force").stdout
    from mmds_jupyter.store.db import Database

    head = Database(populated[0]).head()
    out = mmds(populated, "db", "upgrade").stdout
    assert f"{head} -> {head}" in out


def test_errors_are_one_clear_line(populated):
    proc = mmds(populated, "show", "ghost", ok=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("mmds: error: There is no model named 'ghost'")
    assert "Traceback" not in proc.stderr
    proc = mmds(populated, "list", "--where", "auc>>1", ok=False)
    assert proc.returncode == 1 and "auc>>1" in proc.stderr


def test_db_upgrade_on_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    proc = subprocess.run(
        [sys.executable, "-m", "mmds_jupyter.cli", "--url", url, "db", "upgrade"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    from mmds_jupyter.store.db import Database

    assert f"empty -> {Database(url).head()}" in proc.stdout


def test_contract_score_scores_and_scoring_tests(populated, tmp_path, cancer, capsys):
    # The first calls go through a real `mmds` process; the rest through the same `main` in
    # this process (each process start imports scikit-learn and skops again: ~100 s in all).
    def run(*args, ok=True):
        return in_process(populated, capsys, *args, ok=ok)

    data = cancer["X_test"][COLS].reset_index(drop=True).assign(cid=range(len(cancer["X_test"])))
    path = tmp_path / "batch.parquet"
    data.to_parquet(path)
    contract = json.loads(mmds(populated, "contract", "risk/churn:1", "--json").stdout)
    assert [i["name"] for i in contract["inputs"]] == COLS
    out = tmp_path / "scores.csv"
    proc = mmds(populated, "score", "risk/churn:1", "--data", str(path), "--production", ok=False)
    assert proc.returncode == 1 and "in stage 'development'" in proc.stderr
    run("stage", "risk/churn:1", "production")
    summary = json.loads(
        run(
            "score",
            "risk/churn:1",
            "--data",
            str(path),
            "--key",
            "cid",
            "--production",
            "--out",
            str(out),
            "--json",
        ).stdout
    )
    assert summary["rows"] == len(data) and summary["score_set"] == 1
    assert out.read_text().startswith("cid,prediction,probability(0),probability(1)")
    listed = json.loads(run("scores", "risk/churn", "--json").stdout)
    assert [s["id"] for s in listed] == [1]
    again = ["score", "risk/churn:1", "--data", str(path), "--key", "cid", "--production"]
    proc = run(*again, ok=False)
    assert proc.returncode == 1 and "already scored exactly this input" in proc.stderr
    assert "score_set 2" in run(*again, "--replace").stdout
    # An alias in use moves only to a version whose contract takes its last production input.
    run("alias", "risk/churn:1", "live")
    url, home = populated
    with Registry(url=url, home=home) as reg:
        narrowed = reg.contract("risk/churn:2").to_dict()
        narrowed["inputs"][0]["max"] = 10.0  # mean_radius
        reg.contract("risk/churn:2", update={"inputs": narrowed["inputs"]}, policy="reject")
    proc = run("alias", "risk/churn:2", "live", ok=False)
    assert proc.returncode == 1 and "'mean_radius': values out of range" in proc.stderr
    assert "-> risk/churn:2" in run("alias", "risk/churn:2", "live", "--force").stdout
    bad = data.assign(junk=1)
    bad.to_parquet(path)
    args = ["score", "risk/churn:1", "--data", str(path), "--key", "cid"]
    assert json.loads(run(*args, "--json").stdout)["ignored"] == ["junk"]
    proc = run(*args, "--strict", ok=False)
    assert proc.returncode == 1 and "unexpected column 'junk'" in proc.stderr
    far = data.copy()
    far.loc[0, "mean_radius"] = 1e4
    far.to_parquet(path)
    assert json.loads(run(*args, "--json").stdout)["flagged"] == 1
    proc = run(*args, "--policy", "reject", ok=False)
    assert proc.returncode == 1 and "1 row(s) with values out of range" in proc.stderr
    shown = run("contract", "risk/churn:1", "--policy", "reject", "--strict").stdout
    assert "out-of-domain policy: reject; extra columns: refused" in shown
    proc = run(*args, ok=False)
    assert proc.returncode == 1 and "values out of range" in proc.stderr
    reg = Registry(url=url, home=home)
    expected = reg.load_scores(1)
    expected.loc[0, "probability(1)"] += 0.5
    reg.create_scoring_test("risk/churn:1", data, expected, key="cid", name="drifted")
    reg.close()
    proc = run("test", "risk/churn:1", ok=False)
    assert proc.returncode == 3 and proc.stdout.startswith("FAIL test drifted: 1 of")
    assert "drifted" in run("show", "risk/churn:1").stdout


def cli(populated, *args, code=0, capsys=None):
    """``mmds ...`` in this process through ``main`` (stdout and the exit code, as a user sees)."""
    assert _main(populated, *args) == code
    return capsys.readouterr() if capsys is not None else None


def test_options_with_several_values_accumulate_over_repeats(populated, tmp_path, cancer, capsys):
    both = cli(
        populated, "list", "--where", "roc_auc<0", "--where", "roc_auc>0.5", "--json", capsys=capsys
    )
    assert json.loads(both.out) == []
    rows = json.loads(
        cli(
            populated, "list", "--where", "roc_auc>0.5", "accuracy>0.1", "--json", capsys=capsys
        ).out
    )
    assert len(rows) == 2
    data = cancer["X_test"][COLS].reset_index(drop=True).assign(cid=1, g=2, h=3)
    data.to_parquet(tmp_path / "b.parquet")
    out = tmp_path / "out.csv"
    cli(
        populated,
        "score",
        "risk/churn:1",
        "--data",
        str(tmp_path / "b.parquet"),
        "--key",
        "cid",
        "--passthrough",
        "g",
        "--passthrough",
        "h",
        "--out",
        str(out),
        capsys=capsys,
    )
    assert out.read_text().splitlines()[0].split(",")[:3] == ["cid", "g", "h"]


def test_job_parameters_accumulate_in_both_forms(populated, tmp_path, capsys, monkeypatch):
    import shutil
    from pathlib import Path

    nb = Path(__file__).parent / "scheduler" / "notebooks" / "score.ipynb"
    shutil.copy(nb, tmp_path / "score.ipynb")
    monkeypatch.setenv("MMDS_ROOT_DIR", str(tmp_path))
    for name, params in (
        ("a", ["-p", "model_ref=churn@champion", "-p", "sleep_s=2"]),
        ("b", ["-p", "model_ref=churn@champion", "sleep_s=2"]),
    ):
        shown = cli(
            populated,
            "jobs",
            "create",
            "--name",
            name,
            "--notebook",
            "score.ipynb",
            *params,
            "--json",
            capsys=capsys,
        )
        assert json.loads(shown.out)["parameters"] == {"model_ref": "churn@champion", "sleep_s": 2}


def test_tag_untag_describe(populated, capsys):
    out = cli(populated, "tag", "risk/churn:1", "owner=alice", "app=pricing", capsys=capsys).out
    assert "owner=alice" in out and "app=pricing" in out
    cli(populated, "untag", "risk/churn:1", "app", capsys=capsys)
    shown = cli(
        populated, "describe", "risk/churn:1", "Retrained", "in", "March", "--json", capsys=capsys
    )
    assert json.loads(shown.out) == {
        "ref": "risk/churn:1",
        "tags": {"owner": "alice"},
        "description": "Retrained in March",
    }
    err = cli(populated, "untag", "risk/churn:1", "ghost", code=1, capsys=capsys).err
    assert err.startswith("mmds: error: risk/churn:1 has no tag 'ghost'")
    actions = json.loads(cli(populated, "events", "--json", capsys=capsys).out)
    assert [e["action"] for e in actions][:3] == [
        "version.describe",
        "version.untag",
        "version.tag",
    ]


def test_scoring_tests_actuals_and_performance_from_the_cli(populated, tmp_path, cancer, capsys):
    data = cancer["X_test"][COLS].reset_index(drop=True).assign(cid=range(len(cancer["X_test"])))
    inputs, scores = tmp_path / "in.parquet", tmp_path / "scores.parquet"
    data.to_parquet(inputs)
    cli(populated, "stage", "risk/churn:1", "production", capsys=capsys)
    cli(
        populated,
        "score",
        "risk/churn:1",
        "--data",
        str(inputs),
        "--key",
        "cid",
        "--production",
        "--out",
        str(scores),
        capsys=capsys,
    )
    created = cli(
        populated,
        "test",
        "create",
        "risk/churn:1",
        "--inputs",
        str(inputs),
        "--expected",
        str(scores),
        "--key",
        "cid",
        "--name",
        "holdout",
        capsys=capsys,
    )
    out = created.out
    assert out.startswith("Created scoring test holdout for risk/churn:1")
    out = cli(populated, "test", "risk/churn:1", "--name", "holdout", capsys=capsys).out
    assert out.startswith("PASS test holdout: 0 of")
    assert cli(populated, "test", "run", "risk/churn:1", capsys=capsys).out.startswith(
        "PASS test holdout"
    )
    outcomes = tmp_path / "outcomes.csv"
    pd.DataFrame({"cid": data["cid"], "churned": cancer["y_test"].to_numpy()}).to_csv(outcomes)
    cli(
        populated,
        "actuals",
        "risk/churn",
        "--data",
        str(outcomes),
        "--key",
        "cid",
        "--target",
        "churned",
        capsys=capsys,
    )
    rows = json.loads(cli(populated, "performance", "risk/churn", "--json", capsys=capsys).out)
    assert [(r["ref"], r["matched"]) for r in rows] == [("risk/churn:1", len(data))]
    assert 0.5 < rows[0]["roc_auc"] <= 1
    assert "risk/churn:1" in cli(populated, "performance", "risk/churn", capsys=capsys).out
    err = cli(
        populated,
        "actuals",
        "risk/churn",
        "--data",
        str(outcomes),
        "--key",
        "nope",
        "--target",
        "churned",
        code=1,
        capsys=capsys,
    ).err
    assert "no column 'nope'" in err


def test_list_table_shows_age_and_plain_alias_names(populated, capsys):
    url, home = populated
    reg = Registry(url=url, home=home)
    reg.alias("risk/churn:2", "challenger")
    reg.close()
    text = cli(populated, "list", capsys=capsys).out
    header, first = text.splitlines()[:2]
    assert "age" in header.split() and "created_at" not in header
    assert "just now" in first and "challenger, champion" in first
    assert "[" not in text and not re.search(r"\d\d:\d\d:\d\d", text)
    rows = json.loads(cli(populated, "list", "--json", capsys=capsys).out)
    assert rows[0]["aliases"] == ["challenger", "champion"]
    assert datetime.fromisoformat(rows[0]["created_at"]).tzinfo is not None  # exact, with zone


def test_age_reads_like_a_person_says_it():
    from mmds_jupyter.render import age

    now = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    ago = [timedelta(seconds=5), timedelta(minutes=7), timedelta(hours=3), timedelta(days=12)]
    assert [age(now - d, now) for d in ago] == ["just now", "7 min ago", "3 h ago", "12 d ago"]
    assert age(datetime(2025, 11, 2, 8, 30), now) == "2025-11-02"


def test_permissions_on_a_laptop_allow_everything(populated, capsys):
    out = cli(populated, "permissions", "risk/churn:1", capsys=capsys).out
    assert "move it to: validation, production, retired, archived" in out
    assert "set @champion: yes" in out
    allowed = json.loads(cli(populated, "permissions", "risk/churn:2", "--json", capsys=capsys).out)
    assert allowed["ref"] == "risk/churn:2" and "tag" in allowed["operations"]


def test_a_stage_or_alias_move_does_not_import_jsonschema(populated):
    # jsonschema's import builds a URI grammar (seconds); only saving a template needs it.
    url, home = populated
    code = (
        "import sys\n"
        "from mmds_jupyter.cli import main\n"
        f"main(['--url', {url!r}, '--home', {home!r}, 'alias', 'risk/churn:1', 'live'])\n"
        f"main(['--url', {url!r}, '--home', {home!r}, 'stage', 'risk/churn:1', 'validation'])\n"
        "assert 'jsonschema' not in sys.modules, 'jsonschema was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "risk/churn@live -> risk/churn:1" in proc.stdout
