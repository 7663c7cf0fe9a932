"""Audit for auditors: a signed checkpoint (HMAC with a key outside the database) makes a log
cut short detectable by `mmds events --verify`; `mmds audit export` writes the log with its
hash chain and a checkpoint that `mmds audit verify` checks."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression
from sqlalchemy import create_engine, text

from mmds_jupyter.cli import main
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]


@pytest.fixture
def setup(
    db_url: str, tmp_path: Path, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A registry with two projects' versions and alias moves; the audit key in its own folder."""
    monkeypatch.setenv("MMDS_USER", "maya")
    key = tmp_path / "keys" / "audit.key"
    monkeypatch.setenv("MMDS_AUDIT_KEY_FILE", str(key))
    home = str(tmp_path / "home")
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])
    with Registry(url=db_url, home=home) as reg:
        for project in ("risk", "fraud"):
            for _ in range(2):
                reg.track(
                    model, "churn", project, X_test=cancer["X_test"][COLS], y_test=cancer["y_test"]
                )
        reg.alias("risk/churn:1", "champion", reason="first")
    return {"url": db_url, "home": home, "key": key}


def mmds(setup: dict[str, Any], capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``mmds ...`` through main: the exit code and what it printed (out and err)."""
    code = main(["--url", setup["url"], "--home", setup["home"], *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def delete_events_from(url: str, first_id: int) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE id >= :n"), {"n": first_id})
    engine.dispose()


def test_a_log_cut_short_is_reported_against_the_checkpoint(
    setup: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = mmds(setup, capsys, "events", "--verify")
    assert code == 0 and "intact" in out and "no checkpoint yet" in out
    # Without a checkpoint, cutting the tail goes unseen: the chain alone still checks out.
    code, out = mmds(setup, capsys, "audit", "checkpoint")
    assert code == 0 and "signed" in out
    key = setup["key"]
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cp = json.loads((key.parent / "audit-checkpoints.jsonl").read_text().splitlines()[-1])
    # The key is nowhere in the database: its events hold only the key's id.
    with Registry(url=setup["url"], home=setup["home"]) as reg:
        everything = reg.events(limit=None).to_json(date_format="iso")
        reg.alias("risk/churn:2", "champion", reason="after the checkpoint")
    assert key.read_text().strip() not in everything and cp["key_id"] in everything
    code, out = mmds(setup, capsys, "events", "--verify")
    assert code == 0 and f"up to event {cp['through_id']}" in out and "1 newer event" in out

    # Someone deletes the newest rows, the checkpoint's event among them.
    delete_events_from(setup["url"], cp["through_id"] - 2)
    with Registry(url=setup["url"], home=setup["home"]) as reg:
        assert reg.verify_events() is None  # the chain alone cannot tell
    code, out = mmds(setup, capsys, "events", "--verify")
    assert code == 1
    assert "cut short" in out and f"event {cp['through_id']} is gone" in out
    assert f"now ends at event {cp['through_id'] - 3}" in out

    # New events appended after the cut do not hide it.
    with Registry(url=setup["url"], home=setup["home"]) as reg:
        for n in range(4):
            reg.tag("risk/churn:1", {"n": str(n)})
        report = reg.verify_audit()
    assert not report["intact"] and "Restore the database" in report["message"]


def test_a_tampered_checkpoint_file_or_a_missing_key_is_reported(
    setup: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert mmds(setup, capsys, "audit", "checkpoint")[0] == 0
    checkpoints = setup["key"].parent / "audit-checkpoints.jsonl"
    good = checkpoints.read_text()
    cp = json.loads(good)
    checkpoints.write_text(good + json.dumps({**cp, "through_id": 1, "events": 1}) + "\n")
    code, out = mmds(setup, capsys, "events", "--verify")
    assert code == 1 and "tampered" in out
    checkpoints.write_text(good)
    assert mmds(setup, capsys, "events", "--verify")[0] == 0
    monkeypatch.setenv("MMDS_AUDIT_KEY_FILE", str(setup["key"].parent / "other.key"))
    code, out = mmds(setup, capsys, "events", "--verify")
    assert code == 1 and "audit key" in out and "missing" in out


def test_export_writes_the_chain_and_a_checkpoint_an_auditor_can_check(
    setup: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "risk-audit.json"
    code, out = mmds(setup, capsys, "audit", "export", "--project", "risk", str(out_file))
    assert code == 0 and "of other projects as hashes only" in out
    doc = json.loads(out_file.read_text())
    events = doc["events"]
    full = [e for e in events if not e.get("withheld")]
    assert {e["object_ref"].split("/")[0] for e in full} == {"risk"}
    assert any(e["action"] == "alias.set" and e["after"]["reason"] == "first" for e in full)
    withheld = [e for e in events if e.get("withheld")]
    assert withheld and all(set(e) == {"id", "prev_hash", "hash", "withheld"} for e in withheld)
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))  # nothing left out
    assert doc["checkpoint"]["through_id"] == events[-1]["id"]
    code, out = mmds(setup, capsys, "audit", "verify", str(out_file))
    assert code == 0 and "holds" in out
    # An edited event, or a cut export, does not hold.
    edited = json.loads(out_file.read_text())
    next(e for e in edited["events"] if e.get("action") == "alias.set")["after"]["reason"] = "x"
    bad_file = tmp_path / "edited.json"
    bad_file.write_text(json.dumps(edited))
    code, out = mmds(setup, capsys, "audit", "verify", str(bad_file))
    assert code == 1 and "does not match its hash" in out
    cut = {**doc, "events": doc["events"][:-2]}
    bad_file.write_text(json.dumps(cut))
    code, out = mmds(setup, capsys, "audit", "verify", str(bad_file))
    assert code == 1 and "do not end at the event the checkpoint signs" in out
    # Since: a contiguous stretch from that time, still ending at a new checkpoint.
    code, _ = mmds(setup, capsys, "audit", "export", "--since", "1d", str(out_file))
    assert code == 0
    recent = json.loads(out_file.read_text())
    assert recent["events"][0]["id"] == 1 and not any(e.get("withheld") for e in recent["events"])
    code, out = mmds(setup, capsys, "audit", "export", "--since", "2999-01-01", str(out_file))
    assert code == 0
    later = json.loads(out_file.read_text())
    assert [e["action"] for e in later["events"]] == []
    code, out = mmds(setup, capsys, "audit", "export", "--project", "no such", str(out_file))
    assert code == 1 and "project name" in out.lower()


def test_checkpoint_verify_and_export_locally_and_remotely(registry: Any, cancer: Any) -> None:
    project = "audit-" + type(registry).__name__.lower()
    model = LogisticRegression(max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])
    registry.track(model, "churn", project, X_test=cancer["X_test"][COLS], y_test=cancer["y_test"])
    cp = registry.audit_checkpoint()
    report = registry.verify_audit()
    assert report["intact"] and report["checkpoint"]["through_id"] >= cp["through_id"]
    assert "matches the checkpoint" in report["message"]
    doc = registry.audit_export(project=project)
    assert doc["checkpoint"]["through_id"] > cp["through_id"]
    mine = [e for e in doc["events"] if not e.get("withheld")]
    assert mine and all(e["object_ref"].startswith(f"{project}/") for e in mine)
    assert doc["events"][-1]["hash"] == doc["checkpoint"]["through_hash"]
