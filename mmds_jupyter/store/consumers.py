"""Consumers in SQL: who uses which model for what, and what production scoring recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConflictError, MMDSError, NotFound
from ..refs import Ref, parse_ref
from .consumer_tables import ConsumerRow
from .db import Database
from .events import append_event, utc
from .rows import find_model, find_version_id, refs_of, utc_now


def binding(project: str, name: str, ref: Ref) -> str:
    """The reference a consumer is bound to, written in full: project/name[:N|@alias]."""
    if ref.version is not None:
        return f"{project}/{name}:{ref.version}"
    if ref.alias not in (None, "latest"):
        return f"{project}/{name}@{ref.alias}"
    return f"{project}/{name}"


def _resolves_to(s: Session, reference: str) -> int | None:
    """The version a bound reference names now (None: it names none, e.g. a removed alias)."""
    try:
        return find_version_id(s, parse_ref(reference))
    except MMDSError:
        return None


class SqlConsumerStore:
    """Consumers of models; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    def _dict(self, s: Session, row: ConsumerRow) -> dict[str, Any]:
        now = _resolves_to(s, row.reference)
        ids = [i for i in (now, row.last_version_id) if i is not None]
        refs = refs_of(s, ids)
        return {
            "id": row.id,
            "application": row.application,
            "reference": row.reference,
            "version": refs.get(now) if now is not None else None,
            "owner": row.owner,
            "purpose": row.purpose,
            "source": row.source,
            "since": utc(row.since),
            "until": utc(row.until) if row.until else None,
            "last_version": refs.get(row.last_version_id) if row.last_version_id else None,
            "rows": row.rows or 0,
            "calls": row.calls or 0,
            "last_used": utc(row.last_used) if row.last_used else None,
            "created_by": row.created_by,
        }

    def add(
        self, ref: Ref, application: str, owner: str | None, purpose: str | None, actor: str
    ) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            model_id, project, name = find_model(s, ref)
            if ref.version is not None or ref.alias not in (None, "latest"):
                find_version_id(s, ref)  # a binding to nothing is a typo: refuse it now
            reference = binding(project, name, ref)
            row = _binding_row(s, model_id, application, reference)
            now = utc_now()
            if row is not None and row.until is None:
                raise ConflictError(
                    f"{application} is already a consumer of {reference} (consumer {row.id}); "
                    f"end it first (mmds.consumers.end({row.id})) to register it anew."
                )
            if row is None:
                row = ConsumerRow(
                    model_id=model_id,
                    application=application,
                    reference=reference,
                    source="manual",
                    rows=0,
                    calls=0,
                    created_by=actor,
                    since=now,
                )
                s.add(row)
            row.owner, row.purpose, row.since, row.until = owner, purpose, now, None
            s.flush()
            after = {"application": application, "owner": owner, "purpose": purpose}
            append_event(
                s, actor, "consumer.add", "consumer", f"{reference}#consumers/{row.id}", None, after
            )
            return self._dict(s, row)

    def end(self, consumer_id: int, actor: str, reason: str | None) -> dict[str, Any]:
        with self.db.session(write=True) as s:
            row = s.get(ConsumerRow, consumer_id)
            if row is None:
                raise NotFound(f"There is no consumer {consumer_id}; mmds.consumers() lists them.")
            if row.until is not None:
                raise ConflictError(f"Consumer {consumer_id} ended already ({row.until:%Y-%m-%d}).")
            row.until = utc_now()
            s.flush()
            append_event(
                s,
                actor,
                "consumer.end",
                "consumer",
                f"{row.reference}#consumers/{row.id}",
                {"application": row.application},
                {"reason": reason},
            )
            return self._dict(s, row)

    def consumers(self, ref: Ref | None, include_ended: bool) -> list[dict[str, Any]]:
        """Consumers of a model (``ref`` names one), or of every model; active ones unless
        ``include_ended``; newest first."""
        with self.db.session() as s:
            q = select(ConsumerRow).order_by(ConsumerRow.id.desc())
            if ref is not None:
                q = q.where(ConsumerRow.model_id == find_model(s, ref)[0])
            if not include_ended:
                q = q.where(ConsumerRow.until.is_(None))
            return [self._dict(s, r) for r in s.execute(q).scalars()]

    def of_version(self, version_id: int) -> list[dict[str, Any]]:
        """The active consumers whose bound reference names this version now."""
        with self.db.session() as s:
            from .tables import VersionRow

            model_id = s.execute(
                select(VersionRow.model_id).where(VersionRow.id == version_id)
            ).scalar()
            rows = s.execute(
                select(ConsumerRow).where(
                    ConsumerRow.model_id == model_id, ConsumerRow.until.is_(None)
                )
            ).scalars()
            return [self._dict(s, r) for r in rows if _resolves_to(s, r.reference) == version_id]

    def record_use(
        self, version_id: int, ref: Ref, application: str, n_rows: int, actor: str
    ) -> None:
        """Production scoring by ``application`` through ``ref``: the consumer is registered on
        its first call (with an event), then its version, rows, calls and last use kept."""
        with self.db.session(write=True) as s:
            model_id, project, name = find_model(s, ref)
            reference = binding(project, name, ref)
            row = _binding_row(s, model_id, application, reference)
            now = utc_now()
            if row is None or row.until is not None:
                if row is None:
                    row = ConsumerRow(
                        model_id=model_id,
                        application=application,
                        reference=reference,
                        source="scoring",
                        rows=0,
                        calls=0,
                        created_by=actor,
                    )
                    s.add(row)
                row.since, row.until = now, None
                s.flush()
                append_event(
                    s,
                    actor,
                    "consumer.add",
                    "consumer",
                    f"{reference}#consumers/{row.id}",
                    None,
                    {"application": application, "source": "scoring"},
                )
            row.last_version_id = version_id
            row.rows = (row.rows or 0) + int(n_rows)
            row.calls = (row.calls or 0) + 1
            row.last_used = now


def _binding_row(s: Session, model_id: int, application: str, reference: str) -> ConsumerRow | None:
    """The consumer row of ``application`` bound to ``reference`` (active or ended), if any."""
    return s.execute(
        select(ConsumerRow).where(
            ConsumerRow.model_id == model_id,
            ConsumerRow.application == application,
            ConsumerRow.reference == reference,
        )
    ).scalar()
