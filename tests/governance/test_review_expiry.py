"""Review due and expiry are visible (mmds.review_state, `mmds show`, GET versions/REF), and
the retention sweep takes @champion off a version whose review has expired, as an audited
alias event with the reason "review expired"."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mmds_jupyter.cli import main
from mmds_jupyter.errors import NotFound
from mmds_jupyter.registry import Registry

from .clock import on
from .test_alias_history import track_versions

YEARLY = """\
name: yearly
stages: [development, production, retired]
transitions:
  - {from: development, to: production}
  - {from: production, to: retired}
review:
  production: {every_months: 6, expires_after_months: 12}
"""
UTC = timezone.utc


def test_review_state_and_the_sweep_takes_champion_off_an_expired_version(
    reg: Registry, cancer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg.save_template(YEARLY)
    reg.bind_template("risk", "yearly")
    v1, v2 = track_versions(reg, cancer, 2)
    assert reg.review_state(v1) is None  # development has no review
    with on(monkeypatch, "2026-01-05T10:00"):
        reg.set_stage(v1, "production")
        reg.alias(v1, "champion", reason="first release")
    with on(monkeypatch, "2026-06-01T10:00"):
        reg.set_stage(v2, "production")
        reg.alias(v2, "challenger")

    reg.clock = lambda: datetime(2026, 3, 1, tzinfo=UTC)
    state = reg.review_state(v1)
    assert state is not None
    assert state["stage"] == "production"
    assert state["since"] == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert state["review_due"].date() == date(2026, 7, 7)  # six months (of 30.4 days) on
    assert state["expires"].date() == date(2027, 1, 5)  # twelve months on
    assert (state["overdue"], state["expired"]) == (False, False)
    assert reg.archive_due() == []  # nothing expired: the sweep leaves @champion
    reg.clock = lambda: datetime(2026, 9, 1, tzinfo=UTC)
    assert (reg.review_state(v1)["overdue"], reg.review_state(v1)["expired"]) == (True, False)  # type: ignore[index]

    reg.clock = lambda: datetime(2027, 2, 1, tzinfo=UTC)
    assert reg.review_state(v1)["expired"] is True  # type: ignore[index]
    assert reg.review_state(v2)["expired"] is False  # type: ignore[index]
    with on(monkeypatch, "2027-02-01T03:00"):
        swept = reg.archive_due()
    assert [(r["ref"], r["status"]) for r in swept] == [(v1, "champion removed")]
    assert "review expired on 2027-01-05" in swept[0]["message"]
    with pytest.raises(NotFound):
        reg.get("churn@champion")
    assert reg.get("churn@challenger").ref == v2  # only @champion goes
    removed = reg.alias_history("churn@champion").iloc[0]
    assert (removed["action"], removed["version"], removed["previous"], removed["reason"]) == (
        "remove",
        None,
        v1,
        "review expired",
    )
    assert reg.alias_at("churn@champion", "2027-01-31").version == v1  # type: ignore[union-attr]
    assert reg.alias_at("churn@champion", "2027-02-02") is None
    assert reg.archive_due() == []  # swept once
    assert reg.verify_events() is None


def ago(days: int) -> str:
    """An ISO time ``days`` before now (the CLI and the server keep the real clock)."""
    return (datetime.now(UTC) - timedelta(days=days)).replace(tzinfo=None).isoformat()


def test_show_and_rest_give_the_review_and_the_cli_sweep_reports_the_expired_champion(
    api_server: dict[str, str],
    cancer: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from remote.conftest import server_home

    from mmds_jupyter.remote import RemoteRegistry

    base = server_home(api_server).parent  # the server's own database
    url, home = f"sqlite:///{base / 'mmds.db'}", str(base / "home")
    with Registry(url=url, home=home, actor="maya") as reg:
        reg.save_template(YEARLY.replace("name: yearly", "name: yearly-fronts"))
        reg.bind_template("review-fronts", "yearly-fronts")
        v1, v2 = [
            reg.track(lr, "churn", "review-fronts").ref
            for lr in [_fit(cancer, 0.1), _fit(cancer, 1.0)]
        ]
        with on(monkeypatch, ago(400)):
            reg.set_stage(v2, "production")
        real = reg.clock
        reg.clock = lambda: datetime.now(UTC) - timedelta(days=399)
        reg.alias(v2, "champion")  # then in force
        reg.clock = real
        with on(monkeypatch, ago(200)):
            reg.set_stage(v1, "production")

    remote = RemoteRegistry(api_server["url"], token=api_server["token"], home=str(tmp_path))
    try:
        state = remote.review_state(v1)
        assert state is not None and (state["overdue"], state["expired"]) == (True, False)
        assert isinstance(state["review_due"], datetime)
        assert remote.review_state(v2)["expired"] is True  # type: ignore[index]
        assert main(["--url", url, "--home", home, "show", v1]) == 0
        out = capsys.readouterr().out
        assert "production review: last " in out and "(OVERDUE), expires " in out, out
        assert main(["--url", url, "--home", home, "archive", "--due"]) == 0
        out = capsys.readouterr().out
        assert f"{v2}: champion removed (@champion removed: its production review expired" in out
        with pytest.raises(NotFound):
            remote.get("review-fronts/churn@champion")
        assert main(["--url", url, "--home", home, "show", v2]) == 0
        assert "EXPIRED " in capsys.readouterr().out
    finally:
        remote.close()


def _fit(cancer: Any, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    from .test_alias_history import COLS

    return LogisticRegression(C=c, max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])
