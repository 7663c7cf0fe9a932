"""Monitors and alerts: no drift raises nothing, injected drift raises an alert at its window,
too few rows are 'not enough data'; alerts are records and events."""

import pytest

from mmds_jupyter.errors import ConflictError, InvalidInput, NotFound

from .conftest import label, store_batch

WEEKS = ["2026-01-05/2026-01-11", "2026-01-12/2026-01-18", "2026-01-19/2026-01-25"]
WEEKS += ["2026-01-26/2026-02-01"]


def verdicts(check, window):
    return {c["measure"]: c["verdict"] for c in check["checks"] if c["window"] == window}


def test_no_drift_no_alert_then_drift_raises_it_at_its_window(monitored):
    reg = monitored
    defined = reg.set_monitor("risk/churn")
    assert defined["thresholds"] == {
        "roc_auc": [0.03, 0.05],
        "psi": [0.10, 0.25],
        "share_drifting": [0.30, 0.50],
    }
    assert (defined["min_rows"], defined["min_positives"], defined["window"]) == (500, 30, "week")
    for week in range(3):
        X, y, _ = store_batch(reg, week, 1000)
        label(reg, X, y)
    check = reg.check_monitor("risk/churn")
    assert {c["verdict"] for c in check["checks"]} == {"ok"}
    assert check["alerts"] == [] and reg.alerts("risk/churn").empty

    X, y, _ = store_batch(reg, 3, 1000, shift=1.5)  # storing it checks the monitor
    opened = reg.alerts("risk/churn")
    assert set(opened["window"]) == {WEEKS[3]}
    assert set(opened["measure"]) >= {"psi(x1)", "share_drifting"}
    assert "psi(x2)" not in set(opened["measure"]) and "roc_auc" not in set(opened["measure"])
    assert (opened["status"] == "open").all() and (opened["opened_by"] == "maya").all()
    psi = opened.set_index("measure").loc["psi(x1)"]
    assert psi["level"] == "alert" and psi["value"] > 0.25 and psi["threshold"] == 0.25

    # the labels arrive late: storing them finds the same window failing on AUC too
    label(reg, X, y)
    now = reg.alerts("risk/churn")
    assert list(now["measure"])[0] == "roc_auc" and now["window"].iloc[0] == WEEKS[3]
    check = reg.check_monitor("risk/churn")
    assert verdicts(check, WEEKS[3])["roc_auc"] == "alert"
    assert all(v == "ok" for v in verdicts(check, WEEKS[0]).values())
    assert check["alerts"] == []  # nothing is opened twice
    assert len(reg.alerts("risk/churn")) == len(opened) + 1
    events = reg.events(action="alert.opened")
    assert len(events) == len(opened) + 1


def test_too_few_rows_give_not_enough_data(monitored):
    reg = monitored
    reg.set_monitor("risk/churn", min_rows=500)
    X, y, _ = store_batch(reg, 0, 300, shift=3.0)
    label(reg, X, y)
    check = reg.check_monitor("risk/churn")
    assert {c["verdict"] for c in check["checks"]} == {"not enough data"}
    assert reg.alerts().empty
    # positives count too: 600 labelled rows with few positives are not judged on AUC
    reg.set_monitor("risk/churn", min_rows=100, min_positives=10_000, drift=[])
    (row,) = reg.check_monitor("risk/churn")["checks"]
    assert row["verdict"] == "not enough data" and "positives" in row["message"]


def test_alerts_are_acknowledged_and_resolved_by_someone(monitored):
    reg = monitored
    reg.set_monitor("risk/churn", metrics=[], drift=["psi"], min_rows=100)
    store_batch(reg, 0, 400, shift=2.0)
    (alert_id,) = reg.alerts("risk/churn", status="open")["id"].head(1)
    seen = reg.acknowledge_alert(int(alert_id), note="looking")
    assert (seen["status"], seen["acknowledged_by"], seen["note"]) == (
        "acknowledged",
        "maya",
        "looking",
    )
    with pytest.raises(ConflictError, match="acknowledged already"):
        reg.acknowledge_alert(int(alert_id))
    done = reg.resolve_alert(int(alert_id))
    assert done["status"] == "resolved" and done["resolved_by"] == "maya"
    assert list(reg.alerts(status="resolved")["id"]) == [alert_id]
    (done_event,) = reg.events(action="alert.resolved").to_dict("records")
    assert done_event["actor"] == "maya" and done_event["after"]["id"] == alert_id
    assert len(reg.events(action="alert.acknowledged")) == 1
    with pytest.raises(NotFound, match="no alert 999"):
        reg.resolve_alert(999)


def test_bad_definitions_get_one_clear_error(monitored):
    reg = monitored
    with pytest.raises(NotFound, match="has no monitor"):
        reg.check_monitor("risk/churn")
    with pytest.raises(InvalidInput, match="warning <= alert"):
        reg.set_monitor("risk/churn", thresholds={"psi": (0.3, 0.1)})
    with pytest.raises(InvalidInput, match="not judged by this monitor"):
        reg.set_monitor("risk/churn", drift=[], thresholds={"psi": (0.1, 0.2)})
    with pytest.raises(InvalidInput, match="without a version"):
        reg.set_monitor("risk/churn@champion")
    with pytest.raises(NotFound, match="names no version"):
        reg.set_monitor("risk/churn", reference="challenger")
    with pytest.raises(InvalidInput, match="status is open"):
        reg.alerts(status="closed")


def test_cli_and_magic(monitored, capsys, monkeypatch):
    import json

    from IPython.core.interactiveshell import InteractiveShell

    import mmds_jupyter
    from mmds_jupyter import cli

    reg = monitored
    monkeypatch.setenv("MMDS_URL", reg.url)
    monkeypatch.setenv("MMDS_HOME", reg.home)
    args = ["monitor", "set", "risk/churn", "--metrics", "", "--drift", "psi"]
    assert cli.main([*args, "--threshold", "psi=0.05,0.2", "--min-rows", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["thresholds"] == {"psi": [0.05, 0.2]}
    store_batch(reg, 0, 300, shift=2.0)
    assert cli.main(["monitor", "check", "risk/churn"]) == 0
    assert "psi(x1)" in capsys.readouterr().out
    assert cli.main(["alerts", "--model", "risk/churn", "--json"]) == 0
    (alert,) = [a for a in json.loads(capsys.readouterr().out) if a["measure"] == "psi(x1)"]
    assert cli.main(["alerts", "ack", str(alert["id"]), "--note", "on it"]) == 0
    assert "acknowledged" in capsys.readouterr().out
    assert cli.main(["alerts", "resolve"]) != 0
    assert "Name the alert" in capsys.readouterr().err

    mmds_jupyter.connect(url=reg.url, home=reg.home, actor="maya")
    shell = InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "mmds_jupyter")
        checks = shell.run_line_magic("mmds", "monitor risk/churn")
        assert set(checks["verdict"]) == {"alert", "ok"} or set(checks["verdict"]) >= {"alert"}
        done = shell.run_line_magic("mmds", f"alerts --resolve {alert['id']} --note fixed")
        assert done["status"] == "resolved" and done["note"] == "fixed"
        listed = shell.run_line_magic("mmds", "alerts risk/churn --status resolved")
        assert list(listed["id"]) == [alert["id"]]
    finally:
        shell.reset()
        mmds_jupyter.default_registry().close()


def test_an_open_alert_blocks_a_gated_move_until_resolved(monitored):
    reg = monitored
    reg.set_monitor("risk/churn")
    store_batch(reg, 0, 1000, shift=1.5)
    open_ = reg.alerts("risk/churn", status="open")
    assert not open_.empty
    reg.save_template(
        "name: watched\nstages: [development, validation, production, retired, archived]\n"
        "transitions:\n  - from: production\n    to: validation\n    gates:\n"
        "      checks: [no_open_alert]\n"
    )
    reg.bind_template("risk", "watched")
    blocked = reg.request("risk/churn:1", "validation")  # back for a look, once all is calm
    (gate,) = blocked.gates
    assert gate["gate"] == "no_open_alert" and not gate["passed"]
    assert {a["id"] for a in gate["evidence"]["open"]} == set(
        open_[open_["level"] == "alert"]["id"]
    )
    assert reg.get("risk/churn:1").stage == "production"
    for alert_id in open_["id"]:
        reg.resolve_alert(int(alert_id))
    done = reg.request("risk/churn:1", "validation")
    assert done.gates[0]["passed"] and reg.get("risk/churn:1").stage == "validation"
