"""SQLAlchemy table of scheduler processes and when each last checked in, so that people can see
whether any `mmds scheduler` is running (a queued run waits for one). The schema itself is owned
by the Alembic migration 0017."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base


class SchedulerRow(Base):
    __tablename__ = "schedulers"
    # host:pid:random, as the dispatcher names itself (Dispatcher.owner).
    owner: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    executor: Mapped[str] = mapped_column(String(40))
    poll_interval: Mapped[float] = mapped_column(Float)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
