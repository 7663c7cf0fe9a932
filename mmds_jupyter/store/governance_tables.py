"""SQLAlchemy tables of governance: life-cycle templates (versioned), the template each project
binds and each version froze, and promotion requests. The schema is owned by migration 0012;
requests, approvals and template changes are also events of the hash-chained log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class TemplateRow(Base):
    """One version of a life-cycle template: the YAML as written and its parsed form."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_templates_name_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class TemplateBindingRow(Base):
    """The template (by name) a project's versions follow."""

    __tablename__ = "template_bindings"
    project: Mapped[str] = mapped_column(String(200), primary_key=True)
    template: Mapped[str] = mapped_column(String(200))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))


class VersionTemplateRow(Base):
    """The template version a version froze (written for the versions a binding finds)."""

    __tablename__ = "version_templates"
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"))


class StageRequestRow(Base):
    """A proposed stage move (or a review of the stage a version is in) and its outcome."""

    __tablename__ = "stage_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id"))
    from_stage: Mapped[str] = mapped_column(String(40))
    to_stage: Mapped[str] = mapped_column(String(40))
    # open, done (moved or reviewed), rejected
    status: Mapped[str] = mapped_column(String(20), index=True)
    author: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # [{"actor", "verdict": "approve"|"reject", "comment", "time"}]
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # The last evaluation of the gates: [{"gate", "passed", "message", "evidence"}]
    gates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
