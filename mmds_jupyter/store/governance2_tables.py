"""SQLAlchemy tables of retention, webhooks and tasks: legal holds and purge tombstones of
versions; per-project webhooks with one delivery record per (webhook, event); the tasks of a
project's or model's custom process. The schema is owned by migration 0016; every change of
them is also an event of the log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class LegalHoldRow(Base):
    """A version under legal hold: it cannot be archived or purged until released."""

    __tablename__ = "legal_holds"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PurgedVersionRow(Base):
    """A version whose file was deleted: its records stay; this is the tombstone's index (the
    tombstone itself is the version.purge event, with the hash)."""

    __tablename__ = "purged_versions"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    artifact_sha256: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    purged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebhookRow(Base):
    """A project's webhook: the event types (prefixes) it receives, where, signed with what.
    ``cursor`` is the id of the last event of the log already turned into deliveries."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(JSON)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class WebhookDeliveryRow(Base):
    """One event to POST to one webhook: pending until delivered, retried with back-off."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    event_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), index=True)  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class TaskRow(Base):
    """A step of a project's (``model_id`` NULL) or a model's custom process."""

    __tablename__ = "tasks"
    # A template's task is made once per model: its key is "<template id>:<index>".
    __table_args__ = (UniqueConstraint("model_id", "template_key", name="uq_tasks_template_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(200), index=True)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("models.id"), index=True)
    milestone: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(200))
    assignee_group: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    depends_on: Mapped[list[int]] = mapped_column(JSON)
    weight: Mapped[float] = mapped_column(Float)
    template_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # open, done
    completed_by: Mapped[str | None] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    comment: Mapped[str | None] = mapped_column(Text)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
