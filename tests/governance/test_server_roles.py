"""Promotion requests on a real `mmds server` with roles, through RemoteRegistry as a kernel
uses it: a modeller requests, a validator attaches the evidence, an approver of the group the
template names approves; the author, a viewer and an approver outside the group cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sklearn.linear_model import LogisticRegression
from team.serving import Server, start_server
from team.test_server import COLS, admin, new_user, team_db  # noqa: F401

from mmds_jupyter.errors import ConflictError, InvalidInput, PermissionDenied
from mmds_jupyter.remote import RemoteRegistry

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
TEMPLATE = """\
name: committee
stages: [development, validation, production]
transitions:
  - from: development
    to: validation
    gates: {checks: [comparison_report]}
  - from: validation
    to: production
    gates:
      approvals: {count: 1, role: approver, group: risk-committee}
"""


@pytest.fixture(scope="module")
def server(team_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    srv = start_server(team_db, tmp_path_factory.mktemp("governance"))
    yield srv
    srv.stop()


def test_a_modeller_requests_and_an_approver_of_the_committee_approves(
    server: Server,
    team_db: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    cancer: Any,
    tmp_path: Path,
) -> None:
    tokens = {n: new_user(team_db, capsys, n) for n in ("adm", "olive", "mo", "val", "ann", "vi")}
    admin(team_db, capsys, "users", "add", "apu", "--group", "risk-committee")
    tokens["apu"] = admin(team_db, capsys, "tokens", "create", "apu").strip().splitlines()[-1]
    admin(team_db, capsys, "grant", "admin", "--user", "adm")
    opened: list[RemoteRegistry] = []

    def as_user(name: str) -> RemoteRegistry:
        remote = RemoteRegistry(
            server.url, token=tokens[name], home=str(tmp_path / name), retries=0
        )
        opened.append(remote)
        return remote

    try:
        adm, olive, mo, val, ann, vi, apu = map(
            as_user, ("adm", "olive", "mo", "val", "ann", "vi", "apu")
        )
        model = LogisticRegression(max_iter=500).fit(cancer["X_train"][COLS], cancer["y_train"])
        olive.track(model, name="seed", project="gov")  # olive owns "gov"
        for user, role in (("mo", "modeller"), ("val", "validator"), ("ann", "approver"),
                           ("apu", "approver"), ("vi", "viewer")):  # fmt: skip
            admin(team_db, capsys, "grant", role, "--project", "gov", "--user", user)
        v = mo.track(model, name="churn", project="gov", X_test=cancer["X_test"][COLS],
                     y_test=cancer["y_test"])  # fmt: skip

        # Templates are the server admins'; binding is the project owner's.
        with pytest.raises(PermissionDenied, match="admin"):
            olive.save_template(TEMPLATE)
        assert adm.save_template(TEMPLATE)["version"] == 1
        with pytest.raises(PermissionDenied):
            mo.bind_template("gov", "committee")
        assert olive.bind_template("gov", "committee")["template"] == "committee"

        # The modeller requests; the comparison report blocks until a validator attaches it.
        req = mo.request(v.ref, "validation", comment="ready")
        assert [g["gate"] for g in req.blocking] == ["comparison_report"]
        with pytest.raises(PermissionDenied, match="validate"):
            mo.attach(v.ref, "comparison", "<html>report</html>")
        val.attach(v.ref, "comparison", "<html>churn:1 vs seed:1</html>", name="cmp.html")
        assert mo.request(v.ref, "validation").status == "done"
        assert vi.get(v.ref).stage == "validation"

        # Production: an approver of the risk committee, never the author.
        req = mo.request(v.ref, "production", comment="validated by val")
        assert req.status == "open" and req.author == "mo"
        with pytest.raises(PermissionDenied, match="never the author"):
            mo.approve(req.id)
        with pytest.raises(PermissionDenied, match="role 'approver'"):
            vi.approve(req.id)
        with pytest.raises(PermissionDenied, match="risk-committee"):
            ann.approve(req.id)
        # set_stage cannot go around the gate, even for the owner.
        with pytest.raises(ConflictError, match=r"mmds.request\('gov/churn:1', 'production'"):
            olive.set_stage(v.ref, "production")
        assert ann.requests(waiting_for_me=True) == []
        assert [r.id for r in apu.requests(waiting_for_me=True)] == [req.id]
        done = apu.approve(req.id, comment="committee agrees")
        assert done.status == "done" and done.decisions[0]["actor"] == "apu"
        assert vi.get(v.ref).stage == "production"
        with pytest.raises(InvalidInput, match="allows from production: none"):
            olive.set_stage(v.ref, "validation")
        events = vi.events(v.ref)
        assert {"request.open", "request.approve", "request.done"} <= set(events["action"])
    finally:
        for remote in opened:
            remote.close()
