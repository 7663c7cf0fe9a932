"""The append-only audit log: each event carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .tables import EventRow

GENESIS = "0" * 64
# Postgres advisory lock key held while appending, so the chain head is read by one writer at
# a time (SQLite's write transaction already holds the database lock).
_PG_EVENT_LOCK = 0x4D4D4445


def utc(dt: datetime) -> datetime:
    """Attach UTC to naive datetimes read back from SQLite."""
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def event_hash(
    prev_hash: str,
    time: datetime,
    actor: str,
    action: str,
    object_kind: str,
    object_ref: str,
    before: Any,
    after: Any,
) -> str:
    """sha256 of the event's canonical JSON, chained to the previous event's hash."""
    body = json.dumps(
        {
            "prev": prev_hash,
            "time": utc(time).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor": actor,
            "action": action,
            "kind": object_kind,
            "ref": object_ref,
            "before": before,
            "after": after,
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def append_event(
    s: Session,
    actor: str,
    action: str,
    object_kind: str,
    object_ref: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> EventRow:
    """Add one event to the chain inside the caller's write transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_EVENT_LOCK})
    prev = s.execute(select(EventRow.hash).order_by(EventRow.id.desc()).limit(1)).scalar()
    prev = prev or GENESIS
    now = datetime.now(timezone.utc)
    row = EventRow(
        time=now,
        actor=actor,
        action=action,
        object_kind=object_kind,
        object_ref=object_ref,
        before=before,
        after=after,
        prev_hash=prev,
        hash=event_hash(prev, now, actor, action, object_kind, object_ref, before, after),
    )
    s.add(row)
    s.flush()
    return row


def first_broken(s: Session) -> int | None:
    """The id of the first event whose hash or link does not check out, or None if all do."""
    prev = GENESIS
    for row in s.execute(select(EventRow).order_by(EventRow.id)).scalars():
        expected = event_hash(
            prev,
            row.time,
            row.actor,
            row.action,
            row.object_kind,
            row.object_ref,
            row.before,
            row.after,
        )
        if row.prev_hash != prev or row.hash != expected:
            return row.id
        prev = row.hash
    return None
