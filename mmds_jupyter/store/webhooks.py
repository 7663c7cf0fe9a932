"""The SQL store of webhooks: per-project subscriptions and their delivery records, filled
from the event log (the rules and the HTTP calls are in :mod:`mmds_jupyter.governance.webhooks`).
Adding and removing a webhook are events of the log; its secret never leaves this store except
to sign a delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from ..errors import NotFound
from .db import Database
from .events import append_event, utc
from .governance2_tables import WebhookDeliveryRow, WebhookRow
from .tables import EventRow

# Events read from the log per webhook and pass (the next pass reads on from the cursor).
BATCH = 500


def webhook_dict(row: WebhookRow) -> dict[str, Any]:
    """A webhook as listed: never its secret."""
    return {
        "id": row.id,
        "project": row.project,
        "url": row.url,
        "events": list(row.events),
        "active": row.active,
        "created_at": utc(row.created_at),
        "actor": row.actor,
    }


def delivery_dict(row: WebhookDeliveryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "webhook_id": row.webhook_id,
        "event_id": row.event_id,
        "action": row.action,
        "status": row.status,
        "attempts": row.attempts,
        "last_status": row.last_status,
        "last_error": row.last_error,
        "next_attempt_at": utc(row.next_attempt_at),
        "delivered_at": None if row.delivered_at is None else utc(row.delivered_at),
    }


def _event_dict(e: EventRow) -> dict[str, Any]:
    return {
        "id": e.id,
        "time": utc(e.time).isoformat(),
        "actor": e.actor,
        "action": e.action,
        "object_kind": e.object_kind,
        "object_ref": e.object_ref,
        "before": e.before,
        "after": e.after,
        "hash": e.hash,
    }


class SqlWebhookStore:
    def __init__(self, db: Database):
        self.db = db

    def add(
        self, project: str, url: str, events: list[str], secret: str, actor: str, at: datetime
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            head = s.execute(select(func.max(EventRow.id))).scalar() or 0
            row = WebhookRow(
                project=project, url=url, events=events, secret=secret, active=True,
                cursor=head, created_at=at, actor=actor,
            )  # fmt: skip
            s.add(row)
            s.flush()
            after = {"id": row.id, "url": url, "events": events}
            append_event(s, actor, "webhook.add", "project", f"project:{project}", None, after)
            return webhook_dict(row)

    def webhooks(self, project: str | None = None) -> list[dict[str, Any]]:
        with self.db.session() as s:
            q = select(WebhookRow).where(WebhookRow.active.is_(True)).order_by(WebhookRow.id)
            if project is not None:
                q = q.where(WebhookRow.project == project)
            return [webhook_dict(r) for r in s.execute(q).scalars()]

    def get(self, webhook_id: int, include_removed: bool = False) -> dict[str, Any]:
        with self.db.session() as s:
            row = s.get(WebhookRow, webhook_id)
            if row is None or not (row.active or include_removed):
                raise NotFound(f"There is no webhook {webhook_id}; mmds.webhooks() lists them.")
            return webhook_dict(row)

    def remove(self, webhook_id: int, actor: str) -> dict[str, Any]:
        """Deactivate a webhook (kept with its deliveries for the record)."""
        with self.db.session(write=True) as s:
            row = s.get(WebhookRow, webhook_id)
            if row is None or not row.active:
                raise NotFound(f"There is no webhook {webhook_id}; mmds.webhooks() lists them.")
            row.active = False
            s.flush()
            before = {"id": row.id, "url": row.url, "events": list(row.events)}
            ref = f"project:{row.project}"
            append_event(s, actor, "webhook.remove", "project", ref, before, None)
            return webhook_dict(row)

    def enqueue(self, matches: Any, at: datetime) -> int:
        """Turn the log's new events into pending deliveries, per active webhook, advancing
        its cursor; ``matches(webhook, action)`` says which event types it receives."""
        made = 0
        with self.db.session(write=True) as s:
            # Read up to the head as it is now (events are appended one at a time, under
            # the chain's lock), so an event written meanwhile waits for the next pass.
            head = s.execute(select(func.max(EventRow.id))).scalar() or 0
            hooks = s.execute(select(WebhookRow).where(WebhookRow.active.is_(True))).scalars()
            for hook in list(hooks):
                p = hook.project
                rows = list(
                    s.execute(
                        select(EventRow)
                        .where(
                            EventRow.id > hook.cursor,
                            EventRow.id <= head,
                            or_(
                                EventRow.object_ref.startswith(f"{p}/", autoescape=True),
                                EventRow.object_ref == f"project:{p}",
                            ),
                        )
                        .order_by(EventRow.id)
                        .limit(BATCH)
                    ).scalars()
                )
                for e in rows:
                    if not matches(hook.events, e.action):
                        continue
                    payload = {"project": p, "webhook": hook.id, "event": _event_dict(e)}
                    s.add(
                        WebhookDeliveryRow(
                            webhook_id=hook.id, event_id=e.id, action=e.action,
                            status="pending", attempts=0, next_attempt_at=at, created_at=at,
                            payload=payload,
                        )
                    )  # fmt: skip
                    made += 1
                hook.cursor = rows[-1].id if len(rows) == BATCH else max(hook.cursor, head)
            s.flush()
        return made

    def due(self, at: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """Pending deliveries whose time has come, with their webhook's url and secret."""
        with self.db.session() as s:
            q = (
                select(WebhookDeliveryRow, WebhookRow)
                .join(WebhookRow, WebhookRow.id == WebhookDeliveryRow.webhook_id)
                .where(
                    WebhookDeliveryRow.status == "pending",
                    WebhookDeliveryRow.next_attempt_at <= at,
                    WebhookRow.active.is_(True),
                )
                .order_by(WebhookDeliveryRow.id)
                .limit(limit)
            )
            return [
                {**delivery_dict(d), "payload": d.payload, "url": w.url, "secret": w.secret}
                for d, w in s.execute(q).all()
            ]

    def record(
        self,
        delivery_id: int,
        status: str,
        http_status: int | None,
        error: str | None,
        at: datetime,
        next_at: datetime | None,
    ) -> None:
        with self.db.session(write=True) as s:
            row = s.get(WebhookDeliveryRow, delivery_id)
            assert row is not None
            row.attempts += 1
            row.status, row.last_status, row.last_error = status, http_status, error
            if status == "delivered":
                row.delivered_at = at
            if next_at is not None:
                row.next_attempt_at = next_at

    def deliveries(
        self, webhook_id: int | None = None, status: str | None = None, limit: int = 100
    ) -> list[dict[str, Any]]:
        with self.db.session() as s:
            q = select(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id.desc()).limit(limit)
            if webhook_id is not None:
                q = q.where(WebhookDeliveryRow.webhook_id == webhook_id)
            if status is not None:
                q = q.where(WebhookDeliveryRow.status == status)
            return [delivery_dict(r) for r in s.execute(q).scalars()]
