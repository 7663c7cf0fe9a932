"""Archive and retention, driven from Python: archiving moves a version's files to the cold
root and restoring brings them back byte for byte; a legal hold blocks archiving and purging;
a purge keeps a tombstone with the hash; a shared file stays for the version that still uses
it; the retention sweep archives retired versions once their template's days have passed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter.errors import ConflictError, InvalidInput, Purged
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]


def _track(reg: Registry, model: Any, name: str, cancer: Any) -> str:
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    fitted = model.fit(cancer["X_train"][COLS], cancer["y_train"])
    return reg.track(fitted, name, "risk", X_test=X, y_test=y).ref


def _where(reg: Registry, sha: str) -> tuple[bool, bool]:
    return reg.artifacts.hot_path(sha).exists(), reg.artifacts.cold_path(sha).exists()


def test_archive_restore_hold_purge(reg: Registry, cancer: Any) -> None:
    ref = _track(reg, DecisionTreeClassifier(max_depth=2, random_state=0), "tree", cancer)
    v = reg.get(ref)
    sha = v.artifact_sha256
    assert sha and _where(reg, sha) == (True, False)
    original = reg.model_file(ref)[0]
    reg.set_stage(ref, "retired")

    # Archived: the file is in the cold root only, loads as before, records stay.
    archived = reg.archive(ref, reason="end of life")
    assert archived.stage == "archived"
    assert _where(reg, sha) == (False, True)
    assert Path(reg.archive_root) in reg.artifacts.cold_path(sha).parents
    assert reg.model_file(ref)[0] == original
    assert reg.load(ref).predict(cancer["X_test"][COLS].iloc[:3]).shape == (3,)
    # Garbage collection never takes an archived file for an orphan.
    reg.gc(0)
    assert _where(reg, sha) == (False, True)

    # Restored: back to the stage it was archived from, byte for byte.
    restored = reg.restore(ref, reason="audit asks for it")
    assert restored.stage == "retired" and _where(reg, sha) == (True, False)
    assert reg.model_file(ref)[0] == original
    with pytest.raises(InvalidInput, match="not archived"):
        reg.restore(ref)

    # A legal hold blocks archiving and purging, with one error naming the hold and the fix.
    with pytest.raises(InvalidInput, match="reason"):
        reg.hold(ref, "  ")
    reg.hold(ref, "litigation 2026-17")
    with pytest.raises(ConflictError, match="legal hold.*litigation 2026-17.*mmds.release"):
        reg.archive(ref)
    with pytest.raises(ConflictError, match="legal hold"):
        reg.purge(ref, reason="space")
    assert reg.get(ref).stage == "retired" and _where(reg, sha) == (True, False)
    with pytest.raises(ConflictError, match="already"):
        reg.hold(ref, "again")
    reg.release(ref, reason="case closed")

    # Purged: the file is gone, the records stay, the tombstone keeps the hash.
    reg.archive(ref)
    done = reg.purge(ref, reason="retention period over")
    assert done["artifact_sha256"] == sha and _where(reg, sha) == (False, False)
    with pytest.raises(Purged, match=f"{ref} was purged .* by maya .*retention period over"):
        reg.load(ref)
    with pytest.raises(Purged):
        reg.restore(ref)
    assert reg.get(ref).artifact_sha256 == sha
    events = reg.events(ref, limit=None)
    tomb = events[events["action"] == "version.purge"].iloc[0]
    assert tomb["before"]["artifact_sha256"] == sha
    assert {"version.hold", "version.release", "version.purge"} <= set(events["action"])
    assert reg.verify_events() is None


def test_shared_file_stays_for_the_version_that_uses_it(reg: Registry, cancer: Any) -> None:
    model = LogisticRegression(max_iter=2000)
    v1 = _track(reg, model, "churn", cancer)
    v2 = _track(reg, model, "churn", cancer)
    sha = reg.get(v1).artifact_sha256
    assert sha and reg.get(v2).artifact_sha256 == sha  # the same bytes, one file
    reg.set_stage(v1, "retired")
    reg.archive(v1)
    assert _where(reg, sha) == (True, True)  # v2 still reads it hot
    reg.purge(v1, reason="duplicate")
    assert _where(reg, sha) == (True, False)
    assert reg.load(v2) is not None
    with pytest.raises(Purged):
        reg.model_file(v1)
    # Archived and purged alike keep v2's file until v2 goes too.
    reg.set_stage(v2, "retired")
    reg.archive(v2)
    assert _where(reg, sha) == (False, True)
    assert reg.model_file(v2)[0]


def test_retention_sweep_archives_retired_versions_when_due(reg: Registry, cancer: Any) -> None:
    source = (
        "name: keep30\nstages: [development, production, retired, archived]\n"
        "transitions:\n  - {from: development, to: retired}\n"
        "  - {from: retired, to: archived}\n"
        "retention:\n  archive_after_days: 30\n"
    )
    reg.save_template(source)
    reg.bind_template("risk", "keep30")
    a = _track(reg, DecisionTreeClassifier(max_depth=1, random_state=0), "a", cancer)
    b = _track(reg, DecisionTreeClassifier(max_depth=3, random_state=0), "b", cancer)
    held = _track(reg, DecisionTreeClassifier(max_depth=4, random_state=0), "c", cancer)
    for ref in (a, b, held):
        reg.set_stage(ref, "retired")
    reg.hold(held, "regulator's request")
    assert reg.archive_due() == []  # not yet due
    now = reg.clock()
    reg.clock = lambda: now + timedelta(days=31)
    # The scheduler runs the sweep (hourly): a and b are archived, the held one stays.
    from mmds_jupyter.scheduler.dispatcher import Dispatcher

    dispatcher = Dispatcher(reg)
    dispatcher._retention()
    dispatcher.executor.close()
    assert reg.get(a).stage == reg.get(b).stage == "archived"
    assert reg.get(held).stage == "retired"
    assert not reg.artifacts.hot_path(reg.get(a).artifact_sha256 or "").exists()
    skipped = reg.archive_due()  # only the held one is still due, and says why it stays
    assert [r["ref"] for r in skipped] == [held] and skipped[0]["status"] == "skipped"
    assert "legal hold" in skipped[0]["message"]
    reg.release(held)
    assert [r["status"] for r in reg.archive_due()] == ["archived"]
    with pytest.raises(InvalidInput, match="archive_after_days"):
        reg.save_template(source.replace("30", "-1"))
