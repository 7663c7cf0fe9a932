"""SQLAlchemy tables of team mode's identities: users, their API tokens, the roles granted
per project and group members. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base

# -- team mode: users and their API tokens (schema owned by migration 0008) ------------------


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class TokenRow(Base):
    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # sha256 (hex) of the secret; the secret itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # JSON list of the projects the token may act in (a scheduled run's token); NULL: any
    # project its user may (migration 0011).
    projects: Mapped[str | None] = mapped_column(Text)


# -- team mode: roles granted per project, and group members (schema owned by migration 0009) --

# The project of a server-wide grant (the admin role): no project is named "*".
SERVER = "*"


class GrantRow(Base):
    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("role", "project", "kind", "principal", name="uq_grants"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(50))
    project: Mapped[str] = mapped_column(String(200), index=True)
    # "user" or "group"; users and groups are names (a Hub user may have no row in users).
    kind: Mapped[str] = mapped_column(String(10))
    principal: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))


class GroupMemberRow(Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_name", "user_name", name="uq_group_members"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_name: Mapped[str] = mapped_column(String(200))
    user_name: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200))
