"""The append-only audit log: each event carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from ..entities import Event
from .db import Database
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


class SqlAuditStore:
    """Reads of the audit log; events are appended by the writes they record."""

    def __init__(self, db: Database):
        self.db = db

    def events(
        self,
        object_ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
        object_kind: str | None = None,
    ) -> list[Event]:
        q = select(EventRow).order_by(EventRow.id.desc())
        if object_ref:
            # The object and everything under it (ref:N, ref@alias, ref#scores/N), as index
            # ranges: each separator's successor character bounds its range.
            ranges = [
                and_(
                    EventRow.object_ref >= object_ref + sep, EventRow.object_ref < object_ref + nxt
                )
                for sep, nxt in ((":", ";"), ("@", "A"), ("#", "$"))
            ]
            q = q.where(or_(EventRow.object_ref == object_ref, *ranges))
            # Sorting by an expression, not the primary key, keeps SQLite from scanning every
            # event newest first (its guess when the limit is a bound parameter): it reads the
            # few index ranges above and sorts what they hold.
            q = q.order_by(None).order_by((EventRow.id + 0).desc())
        if actor:
            q = q.where(EventRow.actor == actor)
        if action:
            q = q.where(EventRow.action == action)
        if object_kind:
            q = q.where(EventRow.object_kind == object_kind)
        if since:
            q = q.where(EventRow.time >= since)
        if limit:
            q = q.limit(limit)
        with self.db.session() as s:
            return [_event(r) for r in s.execute(q).scalars()]

    def verify_events(self) -> int | None:
        with self.db.session() as s:
            return first_broken(s)

    def append(
        self, actor: str, action: str, object_kind: str, object_ref: str, after: dict[str, Any]
    ) -> tuple[Event, int]:
        """Append one event of its own (not of a change of something else) and return it with
        the number of events up to it, in one transaction."""
        with self.db.session(write=True) as s:
            row = append_event(s, actor, action, object_kind, object_ref, None, after)
            count = s.execute(select(func.count(EventRow.id)).where(EventRow.id <= row.id))
            return _event(row), int(count.scalar() or 0)

    def event_at(self, event_id: int) -> tuple[Event | None, int]:
        """The event with this id (None: there is none) and how many events go up to it."""
        with self.db.session() as s:
            row = s.get(EventRow, event_id)
            count = s.execute(select(func.count(EventRow.id)).where(EventRow.id <= event_id))
            return (None if row is None else _event(row)), int(count.scalar() or 0)

    def chain(self, since: datetime | None = None, through: int | None = None) -> list[Event]:
        """The log oldest first, a contiguous stretch: from the first event at or after
        ``since`` (every event when None) up to the event ``through``."""
        q = select(EventRow).order_by(EventRow.id)
        with self.db.session() as s:
            if since is not None:
                first = s.execute(
                    select(func.min(EventRow.id)).where(EventRow.time >= since)
                ).scalar()
                if first is None:
                    return []
                q = q.where(EventRow.id >= first)
            if through is not None:
                q = q.where(EventRow.id <= through)
            return [_event(r) for r in s.execute(q).scalars()]


def _event(r: EventRow) -> Event:
    return Event(
        r.id,
        utc(r.time),
        r.actor,
        r.action,
        r.object_kind,
        r.object_ref,
        r.before,
        r.after,
        r.prev_hash,
        r.hash,
    )
