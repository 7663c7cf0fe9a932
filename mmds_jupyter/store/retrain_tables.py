"""SQLAlchemy table of automated retraining: a model's retrain definition and the job that
runs its notebook. The schema itself is owned by the Alembic migrations (0018)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class RetrainRow(Base):
    """A model's retrain definition (one per model) and the name of the job that runs it."""

    __tablename__ = "retrains"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id"), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    job_name: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(200))
