"""Alias history and rollback: every alias move kept with who, when, why and which request;
"which version was champion on D" in one call; rollback; several aliases moved atomically."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.registry import Registry

from .clock import on

COLS = ["mean_radius", "mean_texture", "mean_area"]


def track_versions(reg: Registry, cancer: Any, n: int, name: str = "churn") -> list[str]:
    refs = []
    for c in [0.1, 1.0, 10.0, 100.0][:n]:
        model = LogisticRegression(C=c, max_iter=2000).fit(
            cancer["X_train"][COLS], cancer["y_train"]
        )
        v = reg.track(model, name, "risk", X_test=cancer["X_test"][COLS], y_test=cancer["y_test"])
        refs.append(v.ref)
    return refs


def test_champion_on_a_date_after_several_moves_and_a_rollback(
    reg: Registry, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1, v2, v3 = track_versions(reg, cancer, 3)
    with on(monkeypatch, "2026-02-10T09:00"):
        reg.alias(v1, "champion", reason="first release")
    with on(monkeypatch, "2026-02-20T15:30"):
        reg.acting_as("omar").alias(v2, "champion", reason="better recall", request=7)
    with on(monkeypatch, "2026-03-05T08:00"):
        reg.alias(v3, "champion", reason="retrained")
    with on(monkeypatch, "2026-03-10T11:00"):
        back = reg.acting_as("lena").rollback("churn@champion", reason="v3 drifts")
    assert back.ref == v2 and "champion" in back.aliases

    on_march_1 = reg.alias_at("churn@champion", "2026-03-01")
    assert on_march_1 is not None
    assert (on_march_1.version, on_march_1.actor, on_march_1.reason, on_march_1.request) == (
        v2,
        "omar",
        "better recall",
        7,
    )
    assert reg.alias_at("risk/churn@champion", date(2026, 3, 7)).version == v3  # type: ignore[union-attr]
    rolled = reg.alias_at("churn@champion", "2026-03-10T12:00")
    assert rolled is not None and (rolled.version, rolled.actor, rolled.previous) == (
        v2,
        "lena",
        v3,
    )
    assert rolled.reason == "v3 drifts" and rolled.rollback_of is not None
    # A date is the end of that day: the move at 15:30 on 2026-02-20 counts for that day.
    assert reg.alias_at("churn@champion", "2026-02-20").version == v2  # type: ignore[union-attr]
    assert reg.alias_at("churn@champion", "2026-02-20T12:00").version == v1  # type: ignore[union-attr]
    assert reg.alias_at("churn@champion", "2026-02-01") is None

    history = reg.alias_history("churn", alias="champion")
    assert list(history["version"]) == [v2, v3, v2, v1]
    assert list(history["previous"]) == [v3, v2, v1, None]
    assert list(history["actor"]) == ["lena", "maya", "omar", "maya"]
    assert history["rollback_of"].iloc[0] == history["event_id"].iloc[1]
    # The history is the audit log: the same events, chained.
    assert reg.verify_events() is None


def test_champion_on_a_date_names_who_approved_its_promotion(
    reg: Registry, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg.bind_template("risk")  # production needs one approver who is not the author
    v1, v2 = track_versions(reg, cancer, 2)
    for v in (v1, v2):
        reg.set_stage(v, "validation")
    req = reg.request(v1, "production", comment="validated")
    assert reg.acting_as("vera").approve(req.id, comment="good recall").status == "done"
    rejected = reg.request(v2, "production")
    reg.acting_as("omar").reject(rejected.id, comment="not yet")
    with on(monkeypatch, "2026-02-10T09:00"):
        reg.alias(v1, "champion", reason="first release")  # no request given
    with on(monkeypatch, "2026-03-05T08:00"):
        reg.alias(v2, "champion")  # its only request was rejected: none recorded

    held = reg.alias_at("churn@champion", "2026-03-01")
    assert held is not None
    assert (held.version, held.actor, held.request, held.approved_by) == (
        v1,
        "maya",
        req.id,
        ["vera"],
    )
    later = reg.alias_at("churn@champion", "2026-03-06")
    assert later is not None and (later.version, later.request, later.approved_by) == (
        v2,
        None,
        None,
    )
    history = reg.alias_history("churn@champion")
    assert list(history["request"]) == [None, req.id]
    assert list(history["approved_by"]) == [None, ["vera"]]
    # A request given by hand wins; one on no record names no approver.
    reg.alias(v1, "champion", request=999)
    moved = reg.alias_history("churn@champion").iloc[0]
    assert (moved["request"], moved["approved_by"]) == (999, None)


def test_rollback_is_an_undo_stack_and_stops_at_the_first_version(
    reg: Registry, cancer: Any
) -> None:
    v1, v2, v3 = track_versions(reg, cancer, 3)
    for v in (v1, v2, v3):
        reg.alias(v, "champion")
    assert reg.rollback("churn@champion").ref == v2
    assert reg.rollback("churn@champion").ref == v1  # back again, not forth to v3
    with pytest.raises(InvalidInput, match="no earlier version"):
        reg.rollback("churn@champion")
    assert reg.get("churn@champion").ref == v1
    with pytest.raises(NotFound, match="never been set"):
        reg.rollback("churn@challenger")
    with pytest.raises(InvalidInput, match="names no alias"):
        reg.rollback("churn:2")


def test_rollback_goes_through_the_checks_of_any_move(reg: Registry, cancer: Any) -> None:
    v1, v2 = track_versions(reg, cancer, 2)
    reg.alias(v1, "champion")
    reg.alias(v2, "champion")
    reg.set_stage(v1, "retired")
    with pytest.raises(InvalidInput, match="retired"):
        reg.rollback("churn@champion")
    assert reg.get("churn@champion").ref == v2


def test_several_aliases_move_in_one_call_or_none_does(reg: Registry, cancer: Any) -> None:
    v1, v2, v3 = track_versions(reg, cancer, 3)
    reg.set_aliases({"churn@champion": v1, "churn@challenger": v2}, reason="initial")
    reg.set_stage(v1, "retired", force=True)  # v1 loses champion
    reg.alias(v2, "champion")
    before = reg.latest_event_id()
    # One invalid move (v1 is retired) and nothing moves: challenger stays on v2.
    with pytest.raises(InvalidInput, match="retired"):
        reg.set_aliases({"churn@challenger": v3, "churn@shadow": v1})
    assert reg.get("churn@challenger").ref == v2
    with pytest.raises(NotFound):
        reg.get("churn@shadow")
    assert reg.latest_event_id() == before
    for bad, message in [
        ({"churn": v3}, "names no alias"),
        ({"churn@x": "risk/other:1"}, "other"),
        ({"churn@champion": v3, "risk/churn@champion": v2}, "moved twice"),
        ({"churn@latest": v3}, "'latest' always means"),
        ({}, "Give the moves"),
    ]:
        with pytest.raises((InvalidInput, NotFound), match=message):
            reg.set_aliases(bad)
    assert reg.latest_event_id() == before
    moved = reg.set_aliases(
        {"churn@champion": v3, "churn@challenger": v2}, reason="swap", request=3
    )
    assert [v.ref for v in moved] == [v3, v2]
    history = reg.alias_history("risk/churn")
    assert set(history["alias"].head(2)) == {"risk/churn@champion", "risk/churn@challenger"}
    assert list(history["reason"].head(2)) == ["swap", "swap"]
    assert list(history["request"].head(2)) == [3, 3]


def test_history_refuses_what_it_cannot_answer(reg: Registry, cancer: Any) -> None:
    track_versions(reg, cancer, 1)
    with pytest.raises(NotFound):
        reg.alias_history("nothing")
    with pytest.raises(InvalidInput, match="names a version"):
        reg.alias_history("churn:1")
    with pytest.raises(InvalidInput, match="names no alias"):
        reg.alias_at("churn", "2026-03-01")
    with pytest.raises(InvalidInput, match="is not a time"):
        reg.alias_at("churn@champion", "yesterday-ish")
    with pytest.raises(InvalidInput, match="request"):
        reg.alias("churn:1", "champion", request=0)
    assert reg.alias_history("churn").empty
