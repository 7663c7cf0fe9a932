"""SQLAlchemy table of consumers: who uses which model for what (application, owner, purpose,
bound reference, since/until), filled by hand and by production scoring. The schema itself is
owned by the Alembic migration 0013."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class ConsumerRow(Base):
    __tablename__ = "consumers"
    # One row per application and bound reference of a model: scoring updates it in place.
    __table_args__ = (
        UniqueConstraint("model_id", "application", "reference", name="uq_consumers_binding"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), index=True)
    application: Mapped[str] = mapped_column(String(200))
    # As bound: project/name@alias, project/name:N, or project/name (its latest version).
    reference: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(20))  # "manual" or "scoring"
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    last_used: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
