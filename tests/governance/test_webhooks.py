"""Webhooks, delivered from the event log to a real local HTTP receiver that checks the
HMAC-SHA256 signature; a receiver that is down and then up gets the event on a retry; the
list never shows a secret; CLI and REST (RemoteRegistry) do the same."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sklearn.tree import DecisionTreeClassifier

from mmds_jupyter.cli import main
from mmds_jupyter.errors import InvalidInput, NotFound
from mmds_jupyter.governance.webhooks import SIGNATURE, verify
from mmds_jupyter.registry import Registry

COLS = ["mean_radius", "mean_texture", "mean_area"]
SECRET = "s3cret-of-the-receiver"


class Receiver:
    """An HTTP server in a thread that keeps what it receives and whether each was signed
    with SECRET; it answers 500 while ``failing``."""

    def __init__(self, port: int = 0):
        self.received: list[dict[str, Any]] = []
        self.failing = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(
                    {
                        "signed": verify(SECRET, body, self.headers.get(SIGNATURE)),
                        "event": self.headers.get("X-MMDS-Event"),
                        "body": json.loads(body),
                    }
                )
                self.send_response(500 if receiver.failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def track(reg: Any, cancer: Any, project: str) -> str:
    model = DecisionTreeClassifier(max_depth=2, random_state=0)
    model.fit(cancer["X_train"][COLS], cancer["y_train"])
    X, y = cancer["X_test"][COLS], cancer["y_test"]
    return str(reg.track(model, "churn", project, X_test=X, y_test=y).ref)


def test_signed_deliveries_from_the_log_by_event_type(
    sqlite_reg: Registry, cancer: Any, receiver: Receiver
) -> None:
    reg = sqlite_reg
    ref = track(reg, cancer, "risk")
    track(reg, cancer, "other")
    made = reg.add_webhook(
        "risk", receiver.url, events=["request", "alias", "alert"], secret=SECRET
    )
    assert made["secret"] == SECRET
    assert all("secret" not in w for w in reg.webhooks())
    assert [w["id"] for w in reg.webhooks("risk")] == [made["id"]] and reg.webhooks("x") == []

    reg.bind_template("risk")
    reg.set_stage(ref, "validation")
    req = reg.request(ref, "production", comment="ready")  # request.open, request.check
    reg.alias(ref, "challenger")  # alias.set
    reg.tag(ref, {"owner": "ana"})  # version.tag: not subscribed
    reg.alias("other/churn:1", "champion")  # another project: not this webhook's
    # Alerts are events of the log like any other (monitoring records them).
    reg.store.audit.append("monitor", "alert.opened", "version", ref, {"metric": "auc"})
    assert receiver.received == []  # nothing is sent inside the user's calls

    counts = reg.deliver_webhooks()
    assert counts["delivered"] == counts["queued"] == len(receiver.received) > 0
    got = [r["event"] for r in receiver.received]
    assert got == ["request.open", "request.check", "alias.set", "alert.opened"], got
    assert all(r["signed"] for r in receiver.received)
    first = receiver.received[0]["body"]
    assert first["project"] == "risk" and first["event"]["object_ref"] == f"{ref}#requests/{req.id}"
    assert first["event"]["hash"] and first["delivery"]
    assert reg.deliver_webhooks()["queued"] == 0  # each event is delivered once
    records = reg.webhook_deliveries(made["id"])
    assert {d["status"] for d in records} == {"delivered"} and len(records) == 4

    # A bad webhook is one clear error; removing keeps the records.
    with pytest.raises(InvalidInput, match="http:// or https://"):
        reg.add_webhook("risk", "file:///etc/passwd", events=["request"])
    with pytest.raises(InvalidInput, match="event type"):
        reg.add_webhook("risk", receiver.url, events=["Request!"])
    with pytest.raises(InvalidInput, match="Name the event types"):
        reg.add_webhook("risk", receiver.url, events=[])
    generated = reg.add_webhook("risk", receiver.url, events=["*"])
    assert len(generated["secret"]) == 64
    reg.remove_webhook(made["id"])
    assert [w["id"] for w in reg.webhooks()] == [generated["id"]]
    assert len(reg.webhook_deliveries(made["id"])) == 4
    with pytest.raises(NotFound):
        reg.remove_webhook(made["id"])
    actions = set(reg.events(limit=None)["action"])
    assert {"webhook.add", "webhook.remove"} <= actions


def test_a_receiver_down_then_up_gets_the_event_on_a_retry(
    sqlite_reg: Registry, cancer: Any
) -> None:
    reg = sqlite_reg
    ref = track(reg, cancer, "risk")
    port = free_port()
    hook = reg.add_webhook("risk", f"http://127.0.0.1:{port}/hook", ["alias"], secret=SECRET)
    reg.alias(ref, "champion")
    down = reg.deliver_webhooks()
    assert (down["queued"], down["retrying"], down["delivered"]) == (1, 1, 0)
    [record] = reg.webhook_deliveries(hook["id"])
    assert record["status"] == "pending" and record["attempts"] == 1 and record["last_error"]
    up = Receiver(port)
    try:
        assert reg.deliver_webhooks()["delivered"] == 0  # not before its back-off
        now = reg.clock()
        reg.clock = lambda: now + timedelta(seconds=31)
        up.failing = True  # up, but answering 500: still a retry, with the status kept
        assert reg.deliver_webhooks()["retrying"] == 1
        [record] = reg.webhook_deliveries(hook["id"])
        assert record["last_status"] == 500 and record["attempts"] == 2
        up.failing = False
        reg.clock = lambda: now + timedelta(seconds=200)
        assert reg.deliver_webhooks()["delivered"] == 1
    finally:
        up.close()
    [record] = reg.webhook_deliveries(hook["id"], status="delivered")
    assert record["attempts"] == 3 and record["delivered_at"] is not None
    assert [r["event"] for r in up.received] == ["alias.set", "alias.set"]
    assert all(r["signed"] for r in up.received)


def test_webhooks_over_rest_and_the_cli(
    registry: Any, cancer: Any, request: pytest.FixtureRequest, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    project = "hooks-" + request.node.callspec.id
    track(registry, cancer, project)
    made = registry.add_webhook(project, "https://hooks.example.com/mmds", ["request"], SECRET)
    assert made["secret"] == SECRET and made["created_at"].tzinfo is not None
    listed = [w for w in registry.webhooks(project)]
    assert [w["id"] for w in listed] == [made["id"]] and "secret" not in listed[0]
    assert registry.webhook_deliveries(made["id"]) == []
    registry.remove_webhook(made["id"])
    assert registry.webhooks(project) == []
    with pytest.raises(InvalidInput):
        registry.add_webhook(project, "ftp://x", ["request"])

    url, home = f"sqlite:///{tmp_path / 'mmds.db'}", str(tmp_path / "home")

    def cli(*args: str, code: int = 0) -> str:
        assert main(["--url", url, "--home", home, *args]) == code
        return capsys.readouterr().out

    assert "secret (shown only now)" in cli("webhooks", "add", "risk", "https://h.example/x",
                                            "--events", "request", "alias")  # fmt: skip
    assert "https://h.example/x" in cli("webhooks", "list") and "secret" not in cli(
        "webhooks", "list", "--json"
    )
    assert "queued 0" in cli("webhooks", "deliver")
    assert "removed" in cli("webhooks", "remove", "1")


def test_an_alert_monitoring_opens_is_delivered_signed(tmp_path: Path, receiver: Receiver) -> None:
    """No event appended by hand: a production batch that drifts opens the alert."""
    from monitoring.conftest import population

    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "h"), actor="maya")
    try:
        X, y = population(2000, 0)
        model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X[["x1", "x2"]], y)
        ref = reg.track(model, "churn", "risk", X_train=X[["x1", "x2"]], y_train=y).ref
        reg.set_stage(ref, "production")
        reg.alias(ref, "champion")  # the monitor compares production with the champion's data
        hook = reg.add_webhook("risk", receiver.url, events=["alert"], secret=SECRET)
        reg.set_monitor("risk/churn", metrics=[], drift=["psi"], min_rows=100)
        # Production batches with a key are stored as score sets; storing one checks the monitor.
        steady, _ = population(400, 1)
        steady.insert(0, "customer_id", range(400))
        reg.score(ref, steady[["customer_id", "x1", "x2"]], mode="production", key="customer_id")
        assert reg.alerts("risk/churn").empty and reg.deliver_webhooks()["queued"] == 0
        drifted, _ = population(400, 2, shift=2.0)
        drifted.insert(0, "customer_id", range(400, 800))
        reg.score(ref, drifted[["customer_id", "x1", "x2"]], mode="production", key="customer_id")
        opened = reg.alerts("risk/churn", status="open")
        assert "psi(x1)" in set(opened["measure"])
        assert receiver.received == []  # nothing is sent inside the scoring call

        counts = reg.deliver_webhooks()
        assert counts["delivered"] == len(opened) == len(receiver.received)
        assert {r["event"] for r in receiver.received} == {"alert.opened"}
        assert all(r["signed"] for r in receiver.received)
        bodies = {r["body"]["event"]["after"]["measure"]: r["body"] for r in receiver.received}
        body = bodies["psi(x1)"]
        alert = opened.set_index("measure").loc["psi(x1)"]
        assert body["project"] == "risk"
        assert body["event"]["object_ref"] == f"risk/churn#alerts/{alert['id']}"
        assert body["event"]["after"]["id"] == alert["id"]
        assert body["event"]["after"]["ref"] == ref  # the version it is about
        assert body["event"]["after"]["level"] == "alert" and body["event"]["actor"] == "maya"
        assert [d["status"] for d in reg.webhook_deliveries(hook["id"])] == ["delivered"] * len(
            opened
        )
    finally:
        reg.close()
