"""A token limited to some projects (what a scheduled run gets): the guard refuses it anything
elsewhere, naming the limit, whatever its user's roles (an admin's too)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mmds_jupyter.auth.guard import GuardedRegistry
from mmds_jupyter.auth.permissions import Principal
from mmds_jupyter.errors import PermissionDenied
from mmds_jupyter.registry import Registry

from .test_identities import create_token, mmds


def test_a_limited_token_acts_only_in_its_projects(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Any, cancer: Any
) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = cancer["X_train"].iloc[:, :3], cancer["y_train"]
    with Registry(url=db_url, home=str(tmp_path / "home"), actor="root") as reg:
        for project in ("risk", "other"):
            reg.track(LogisticRegression(max_iter=300).fit(X, y), name="m", project=project)
    for words in (
        ("users", "add", "alice"),
        ("grant", "modeller", "--project", "risk", "--user", "alice"),
        ("grant", "viewer", "--project", "other", "--user", "alice"),
        ("grant", "admin", "--user", "root"),
    ):
        code, _, err = mmds(capsys, db_url, *words)
        assert code == 0, err
    secret = create_token(capsys, db_url, "alice", "--project", "risk")
    code, out, _ = mmds(capsys, db_url, "tokens", "list", "alice", "--json")
    assert [t["projects"] for t in json.loads(out)] == [["risk"]]

    with Registry(url=db_url, home=str(tmp_path / "home"), actor="server") as reg:
        found = reg.identities().resolve(secret)
        assert found == ("alice", ("risk",))
        limited = Principal(name="alice", projects=frozenset(found[1] or ()))
        guarded = GuardedRegistry(reg.acting_as("alice"), limited)
        assert guarded.get("risk/m:1").ref == "risk/m:1"
        with pytest.raises(PermissionDenied, match=r"limited to the project\(s\) risk"):
            guarded.get("other/m:1")  # alice may read it; her limited token may not
        with pytest.raises(PermissionDenied, match="limited to the project"):
            guarded.track(LogisticRegression(max_iter=300).fit(X, y), name="n", project="new")
        assert list(guarded.projects()["name"]) == ["risk"]
        # Without the limit alice reads both; an admin's limited token is limited too.
        assert GuardedRegistry(reg, Principal(name="alice")).get("other/m:1")
        root = GuardedRegistry(reg, Principal(name="root", projects=frozenset({"risk"})))
        with pytest.raises(PermissionDenied, match="limited to the project"):
            root.get("other/m:1")
        with pytest.raises(PermissionDenied, match="limited to the project"):
            root.gc()
