"""Monitors and alerts in SQL: a model's performance definition, and alerts as records whose
every change (opened, acknowledged, resolved) is also an event of the audit log, which is
what webhooks deliver by type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConflictError, NotFound
from ..refs import Ref
from .db import Database
from .events import append_event, utc
from .monitor_tables import AlertRow, MonitorRow
from .rows import find_model, refs_of, utc_now

STATUSES = ("open", "acknowledged", "resolved")


def _alert(s: Session, row: AlertRow, model: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "model": model,
        "ref": refs_of(s, [row.version_id]).get(row.version_id),
        "window": row.window,
        "measure": row.measure,
        "level": row.level,
        "value": row.value,
        "threshold": row.threshold,
        "message": row.message,
        "status": row.status,
        "opened_at": utc(row.opened_at),
        "opened_by": row.opened_by,
        "acknowledged_at": utc(row.acknowledged_at) if row.acknowledged_at else None,
        "acknowledged_by": row.acknowledged_by,
        "resolved_at": utc(row.resolved_at) if row.resolved_at else None,
        "resolved_by": row.resolved_by,
        "note": row.note,
    }


def _model_name(s: Session, model_id: int) -> str:
    from .tables import ModelRow, ProjectRow

    project, name = s.execute(
        select(ProjectRow.name, ModelRow.name)
        .join(ProjectRow, ModelRow.project_id == ProjectRow.id)
        .where(ModelRow.id == model_id)
    ).one()
    return f"{project}/{name}"


def set_model_definition(
    s: Session,
    table: type[Any],
    ref: Ref,
    definition: dict[str, Any],
    columns: dict[str, Any],
    actor: str,
    action: str,
) -> str:
    """Store (or replace) a model's one row of ``table`` (its ``definition`` and other
    ``columns``) and log ``action`` with the definition before and after; returns the model's
    project/name."""
    model_id, project, name = find_model(s, ref)
    row = s.execute(select(table).where(table.model_id == model_id)).scalar()
    before = None if row is None else row.definition
    if row is None:
        row = table(model_id=model_id)
        s.add(row)
    row.definition, row.updated_at, row.updated_by = definition, utc_now(), actor
    for column, value in columns.items():
        setattr(row, column, value)
    s.flush()
    model = f"{project}/{name}"
    append_event(s, actor, action, "model", model, before, definition)
    return model


class SqlMonitorStore:
    """Performance definitions and alerts; every method is one transaction."""

    def __init__(self, db: Database):
        self.db = db

    def set_definition(self, ref: Ref, definition: dict[str, Any], actor: str) -> str:
        """Store (or replace) the model's definition; returns the model's project/name."""
        with self.db.session(write=True) as s:
            return set_model_definition(s, MonitorRow, ref, definition, {}, actor, "monitor.set")

    def definition(self, ref: Ref) -> tuple[str, dict[str, Any] | None]:
        """The model's project/name and its definition (None: it has no monitor)."""
        with self.db.session() as s:
            model_id, project, name = find_model(s, ref)
            row = s.execute(select(MonitorRow).where(MonitorRow.model_id == model_id)).scalar()
            return f"{project}/{name}", None if row is None else dict(row.definition)

    def record_findings(
        self, ref: Ref, version_id: int, findings: list[dict[str, Any]], actor: str
    ) -> list[dict[str, Any]]:
        """Open an alert for each finding (window, measure, level, value, threshold, message)
        that has no alert yet; a finding of a window that already has one raises its level
        when it got worse. Resolved alerts stay resolved. Returns the alerts opened or raised."""
        with self.db.session(write=True) as s:
            model_id, project, name = find_model(s, ref)
            model = f"{project}/{name}"
            existing = {
                (r.version_id, r.window, r.measure): r
                for r in s.execute(select(AlertRow).where(AlertRow.model_id == model_id))
                .scalars()
                .all()
            }
            changed = []
            for f in findings:
                row = existing.get((version_id, f["window"], f["measure"]))
                if row is not None and not (row.level == "warning" and f["level"] == "alert"):
                    continue
                if row is None:
                    row = AlertRow(
                        model_id=model_id,
                        version_id=version_id,
                        window=f["window"],
                        measure=f["measure"],
                        status="open",
                        opened_at=utc_now(),
                        opened_by=actor,
                    )
                    s.add(row)
                    action = "alert.opened"
                else:
                    action = "alert.raised"
                row.level, row.value, row.threshold = f["level"], f["value"], f["threshold"]
                row.message = f["message"]
                s.flush()
                out = _alert(s, row, model)
                append_event(
                    s, actor, action, "alert", f"{model}#alerts/{row.id}", None, _event_body(out)
                )
                changed.append(out)
            return changed

    def alerts(self, ref: Ref | None, status: str | None) -> list[dict[str, Any]]:
        """Alerts of a model (or of every model), newest first; of one status if given."""
        with self.db.session() as s:
            q = select(AlertRow).order_by(AlertRow.id.desc())
            if ref is not None:
                q = q.where(AlertRow.model_id == find_model(s, ref)[0])
            if status is not None:
                q = q.where(AlertRow.status == status)
            names: dict[int, str] = {}
            out = []
            for row in s.execute(q).scalars():
                if row.model_id not in names:
                    names[row.model_id] = _model_name(s, row.model_id)
                out.append(_alert(s, row, names[row.model_id]))
            return out

    def alert_model(self, alert_id: int) -> str:
        """The project/name of the model an alert belongs to (for permission checks)."""
        with self.db.session() as s:
            return _model_name(s, self._row(s, alert_id).model_id)

    def _row(self, s: Session, alert_id: int) -> AlertRow:
        row = s.get(AlertRow, alert_id)
        if row is None:
            raise NotFound(f"There is no alert {alert_id}; mmds.alerts() lists them.")
        return row

    def change(self, alert_id: int, to: str, actor: str, note: str | None) -> dict[str, Any]:
        """Acknowledge or resolve an alert, recording who and when, as an event."""
        with self.db.session(write=True) as s:
            row = self._row(s, alert_id)
            if row.status == "resolved" or row.status == to:
                hint = "" if row.status == "resolved" else "; resolve it when it is handled"
                raise ConflictError(f"Alert {alert_id} is {row.status} already{hint}.")
            before = row.status
            now = utc_now()
            if to == "acknowledged":
                row.acknowledged_at, row.acknowledged_by = now, actor
            else:
                row.resolved_at, row.resolved_by = now, actor
            row.status = to
            if note:
                row.note = note
            s.flush()
            model = _model_name(s, row.model_id)
            out = _alert(s, row, model)
            append_event(
                s,
                actor,
                f"alert.{to}",
                "alert",
                f"{model}#alerts/{row.id}",
                {"status": before},
                {**_event_body(out), "note": note},
            )
            return out


def _event_body(alert: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "ref", "window", "measure", "level", "value", "threshold", "message", "status")
    return {k: alert[k] for k in keys}
