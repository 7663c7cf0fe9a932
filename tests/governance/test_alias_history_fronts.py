"""Alias history, rollback and several moves at once from the CLI and over REST
(RemoteRegistry): the same answers as the Python API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression

from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]


def fit(cancer: Any, c: float) -> Any:
    return LogisticRegression(C=c, max_iter=2000).fit(cancer["X_train"][COLS], cancer["y_train"])


def track(reg: Any, cancer: Any, project: str, n: int) -> list[str]:
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    return [
        reg.track(fit(cancer, c), "churn", project, X_test=X, y_test=y).ref
        for c in [0.1, 1.0, 10.0][:n]
    ]


def test_history_rollback_and_atomic_moves_locally_and_remotely(
    registry: Any, cancer: Any, request: pytest.FixtureRequest
) -> None:
    project = "aliases-" + request.node.callspec.id
    v1, v2, v3 = track(registry, cancer, project, 3)
    champion = f"{project}/churn@champion"
    registry.alias(v1, "champion", reason="first")
    moved = registry.set_aliases(
        {champion: v2, f"{project}/churn@challenger": v1}, reason="swap", request=4
    )
    assert [v.ref for v in moved] == [v2, v1]
    registry.alias(v3, "champion")
    with pytest.raises(InvalidInput, match="names no alias"):
        registry.set_aliases({f"{project}/churn": v3})
    assert registry.rollback(champion, reason="v3 broke").ref == v2
    history = registry.alias_history(f"{project}/churn", alias="champion")
    assert list(history["version"]) == [v2, v3, v2, v1]
    assert list(history["reason"]) == ["v3 broke", None, "swap", "first"]
    assert list(history["request"]) == [None, None, 4, None]
    assert str(history["time"].dt.tz) == "UTC"
    now = registry.alias_at(champion, history["time"].iloc[0].to_pydatetime())
    assert now is not None and now.version == v2 and now.rollback_of == history["event_id"][1]
    assert registry.alias_at(champion, "2000-01-01") is None
    with pytest.raises(NotFound, match="never been set"):
        registry.rollback(f"{project}/churn@shadow")


@pytest.fixture
def populated(tmp_path: Path, cancer: Any) -> tuple[str, str]:
    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")
    with Registry(url=url, home=home, actor="maya") as reg:
        track(reg, cancer, "risk", 3)
    return url, home


def cli(populated: tuple[str, str], *args: str, code: int = 0) -> None:
    url, home = populated
    assert main(["--url", url, "--home", home, *args]) == code


def test_the_cli_moves_rolls_back_and_answers_the_champion_at_a_time(
    populated: tuple[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMDS_USER", "maya")
    cli(populated, "alias", "risk/churn:1", "champion", "--reason", "first", "--request", "9")
    cli(
        populated, "aliases", "set", "risk/churn@champion=risk/churn:2", "risk/churn@b=risk/churn:3"
    )
    assert "risk/churn@champion -> risk/churn:2" in capsys.readouterr().out
    cli(populated, "aliases", "rollback", "risk/churn@champion", "--reason", "oops")
    assert capsys.readouterr().out.strip() == "risk/churn@champion -> risk/churn:1 (rolled back)"
    cli(populated, "aliases", "history", "risk/churn", "--alias", "champion", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["version"] for r in rows] == ["risk/churn:1", "risk/churn:2", "risk/churn:1"]
    assert [r["reason"] for r in rows] == ["oops", None, "first"] and rows[2]["request"] == 9
    cli(populated, "aliases", "at", "risk/churn@champion", rows[1]["time"])
    out = capsys.readouterr().out
    assert out.startswith("risk/churn@champion -> risk/churn:2 at") and "by maya" in out
    cli(populated, "aliases", "at", "risk/churn@champion", "1999-12-31")
    assert "was not set" in capsys.readouterr().out
    # One bad move: an error naming it, and nothing moved.
    cli(populated, "aliases", "set", "risk/churn@b=risk/churn:1", "risk/churn@c", code=1)
    assert "ALIAS_REF=VERSION_REF" in capsys.readouterr().err
    cli(populated, "aliases", "history", "risk/churn@b")
    assert capsys.readouterr().out.count("risk/churn:3") == 1


def test_rest_names_who_approved_the_champion(
    api_server: dict[str, str], cancer: Any, tmp_path: Path
) -> None:
    from remote.conftest import server_home

    from mmds_jupyter.remote import RemoteRegistry

    base = server_home(api_server).parent  # the server's own database: vera approves there
    url = f"sqlite:///{base / 'mmds.db'}"
    with Registry(url=url, home=str(base / "home"), actor="maya") as reg:
        reg.bind_template("approved-rest")
        [ref] = track(reg, cancer, "approved-rest", 1)
        reg.set_stage(ref, "validation")
        req = reg.request(ref, "production")
        assert reg.acting_as("vera").approve(req.id).status == "done"
    remote = RemoteRegistry(api_server["url"], token=api_server["token"], home=str(tmp_path))
    try:
        remote.alias(ref, "champion")
        move = remote.alias_at("approved-rest/churn@champion", "2999-01-01")
        assert move is not None and (move.request, move.approved_by) == (req.id, ["vera"])
        history = remote.alias_history("approved-rest/churn@champion")
        assert list(history["approved_by"]) == [["vera"]]
    finally:
        remote.close()


def test_a_gates_attached_evidence_is_read_back_locally_and_remotely(
    registry: Any, cancer: Any, request: pytest.FixtureRequest
) -> None:
    project = "evidence-" + request.node.callspec.id
    v1, v2 = track(registry, cancer, project, 2)
    registry.bind_template(project)
    registry.set_stage(v1, "validation")
    report = "<html><h1>churn:1 against churn:2</h1></html>"
    attached = registry.attach(v1, "comparison", report, name="compare.html")
    req = registry.request(v1, "production")
    [gate] = req.gates  # the default template: one approval
    assert gate["gate"] == "approvals"
    found = registry.evidence_file(v1, attached["id"])
    assert (found["ref"], found["kind"], found["text"], found["actor"]) == (
        v1,
        "comparison",
        report,
        "maya",
    )
    with pytest.raises(NotFound, match="no attached evidence"):
        registry.evidence_file(v2, attached["id"])  # another version's
    with pytest.raises(InvalidInput, match="evidence id"):
        registry.evidence_file(v1, 2**40)
