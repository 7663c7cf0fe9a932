"""Users and tokens of `mmds server`, managed with the CLI on the database, as an admin does."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from mmds_jupyter.cli import main
from mmds_jupyter.registry import Registry


def mmds(capsys: pytest.CaptureFixture[str], url: str, *words: str) -> tuple[int, str, str]:
    code = main(["--url", url, *words])
    out, err = capsys.readouterr()
    return code, out, err


def create_token(capsys: Any, url: str, user: str, *extra: str) -> str:
    code, out, err = mmds(capsys, url, "tokens", "create", user, *extra)
    assert code == 0, err
    assert "shown only this once" in out
    return out.strip().splitlines()[-1]


def test_an_admin_adds_users_and_tokens_that_let_them_in(
    capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MMDS_USER", "admin")  # the administrator running the commands
    for name in ("alice", "bob"):
        code, out, err = mmds(capsys, db_url, "users", "add", name)
        assert code == 0 and f"Added user {name}" in out, err
    code, _, err = mmds(capsys, db_url, "users", "add", "alice")
    assert code == 1 and "exists already" in err
    code, _, err = mmds(capsys, db_url, "users", "add", "no/slash")
    assert code == 1 and "User name 'no/slash' is not valid" in err
    code, out, _ = mmds(capsys, db_url, "users", "list", "--json")
    assert [u["name"] for u in json.loads(out)] == ["alice", "bob"]

    alice = create_token(capsys, db_url, "alice", "--name", "laptop")
    bob = create_token(capsys, db_url, "bob", "--expires-days", "30")
    assert alice.startswith("mmds_") and alice != bob
    code, _, err = mmds(capsys, db_url, "tokens", "create", "carol")
    assert code == 1 and "no user 'carol'" in err and "mmds users add carol" in err
    code, _, err = mmds(capsys, db_url, "tokens", "create", "bob", "--expires-days", "0")
    assert code == 1 and "--expires-days must be more than 0" in err

    # Stored hashed: the secret is nowhere in the database, its sha256 is.
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("select * from tokens")).mappings().all()
    engine.dispose()
    assert {r["token_hash"] for r in rows} == {
        hashlib.sha256(t.encode()).hexdigest() for t in (alice, bob)
    }
    assert not any(alice in str(v) or bob in str(v) for r in rows for v in r.values())
    code, out, _ = mmds(capsys, db_url, "tokens", "list", "alice", "--json")
    listed = json.loads(out)
    assert [(t["user"], t["name"], t["state"]) for t in listed] == [("alice", "laptop", "active")]
    assert alice not in out

    reg = Registry(url=db_url, home=str(tmp_path / "home"), actor="admin")
    try:
        who = reg.identities().authenticate
        assert who(alice) == "alice" and who(bob) == "bob"
        assert who("mmds_wrong") is None and who("") is None and who(None) is None
        # Revoked: refused from the next check on.
        code, out, err = mmds(capsys, db_url, "tokens", "revoke", str(listed[0]["id"]))
        assert code == 0 and "Revoked token" in out, err
        assert who(alice) is None and who(bob) == "bob"
        code, _, err = mmds(capsys, db_url, "tokens", "revoke", "999")
        assert code == 1 and "no token 999" in err
        # Disabled: every token of the user refused.
        code, out, err = mmds(capsys, db_url, "users", "disable", "bob")
        assert code == 0 and "Disabled user bob" in out, err
        assert who(bob) is None
        # Expired: refused once its time is up.
        mmds(capsys, db_url, "users", "add", "carol")
        short = create_token(capsys, db_url, "carol", "--expires-days", "0.00001")  # ~1 s
        time.sleep(1.5)
        assert who(short) is None
        code, out, _ = mmds(capsys, db_url, "tokens", "list", "--json")
        states = {(t["user"], t["state"]) for t in json.loads(out)}
        assert states == {("alice", "revoked"), ("bob", "active"), ("carol", "expired")}
        # Each change is in the audit log, under the admin who made it, without secrets.
        events = reg.events(limit=50)
        mine = events[events["action"].str.match(r"(user|token)\.")]
        assert set(mine["action"]) == {"user.add", "user.disable", "token.create", "token.revoke"}
        assert set(mine["actor"]) == {"admin"}
        payloads = json.dumps([*events["before"], *events["after"]], default=str)
        assert alice not in payloads and bob not in payloads and "token_hash" not in payloads
    finally:
        reg.close()


def test_a_view_acting_as_a_user_writes_in_their_name_and_shares_the_registry(
    reg: Registry, cancer: Any
) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = cancer["X_train"].iloc[:, :3], cancer["y_train"]
    model = LogisticRegression(max_iter=300).fit(X, y)
    alice = reg.acting_as("alice")
    v = alice.track(model, name="churn", project="risk")
    assert v.author == "alice" and reg.actor == "maya"
    assert alice.db is reg.db and alice.store is reg.store and alice.artifacts is reg.artifacts
    reg.set_stage(v.ref, "validation")
    alice.jobs  # noqa: B018 - a view gets its own scheduler, acting as its user
    assert alice.jobs.registry is alice and reg.jobs.registry is reg
    events = reg.events(ref=v.ref)
    assert sorted(zip(events["actor"], events["action"], strict=True)) == [
        ("alice", "version.create"),
        ("maya", "version.stage"),
    ]


def test_a_team_scheduler_deletes_the_tokens_of_runs_that_ended_a_while_ago(
    db_url: str, tmp_path: Any, monkeypatch: Any
) -> None:
    from mmds_jupyter.scheduler import MMDSScheduler, run_identity
    from mmds_jupyter.scheduler.dispatcher import Dispatcher

    reg = Registry(url=db_url, home=str(tmp_path / "home"), actor="scheduler")
    try:
        ids = reg.identities()
        ids.add_user("alice")
        names = [run_identity.token_name(n, "nightly") for n in (1, 2, 3)]
        (ended, _), (live, live_secret), (expiring, _) = (
            ids.create_token("alice", names[0]),
            ids.create_token("alice", names[1]),
            ids.create_token("alice", names[2], expires_days=1e-6),  # expires in 0.09 s
        )
        own, _ = ids.create_token("alice", "laptop")
        ids.revoke_token(ended.id)
        ids.revoke_token(own.id)
        time.sleep(0.3)
        scheduler = Dispatcher(reg, MMDSScheduler(server_url="http://127.0.0.1:9/"))
        scheduler.tick()  # ended just now: still listed (`mmds tokens list` shows them a day)
        assert {t.id for t in ids.tokens()} == {ended.id, live.id, expiring.id, own.id}

        monkeypatch.setattr(run_identity, "KEEP_ENDED_S", 0.0)
        scheduler._next_prune = 0.0
        scheduler.tick()
        # The run tokens that let no one in are gone; a live one and a user's own stay.
        assert {t.id for t in ids.tokens()} == {live.id, own.id}
        assert ids.resolve(live_secret) == ("alice", None)
        events = reg.events(action="token.delete")
        assert sorted(events["object_ref"]) == [f"token:{ended.id}", f"token:{expiring.id}"]
        assert set(events["actor"]) == {"scheduler"}
        created = reg.events(action="token.create")["object_ref"]
        assert {f"token:{ended.id}", f"token:{expiring.id}"} <= set(created)  # history stays
        # A live token is never deleted, even when asked to.
        assert ids.delete_tokens([live.id]) == 0
        assert ids.resolve(live_secret) == ("alice", None)
    finally:
        reg.close()
