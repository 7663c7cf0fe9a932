"""A user of `mmds server`, an API token of a user, and the errors about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import ConflictError, NotFound


@dataclass(frozen=True)
class User:
    id: int
    name: str
    disabled: bool
    created_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "disabled": self.disabled,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class Token:
    """What is kept of a token: never the secret, only its hash (not even that is shown)."""

    id: int
    user: str
    name: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    # The projects the token may act in (a scheduled run's token); None: wherever its user may.
    projects: tuple[str, ...] | None = None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def to_dict(self, now: datetime) -> dict[str, Any]:
        def iso(dt: datetime | None) -> str | None:
            return dt.isoformat() if dt is not None else None

        return {
            "id": self.id,
            "user": self.user,
            "name": self.name,
            "state": self.state(now),
            "created_at": iso(self.created_at),
            "expires_at": iso(self.expires_at),
            "revoked_at": iso(self.revoked_at),
            "projects": list(self.projects) if self.projects is not None else None,
        }


class UserNotFound(NotFound):
    """No user of that name (``mmds users list`` shows them)."""

    retryable = False


class UserExists(ConflictError):
    """A user of that name already exists."""

    retryable = False


class TokenNotFound(NotFound):
    """No token with that id (``mmds tokens list`` shows them)."""

    retryable = False


@dataclass(frozen=True)
class Grant:
    """A role held in a project (``project`` None: the server-wide admin role) by a user or a
    group."""

    id: int
    role: str
    project: str | None
    kind: str  # "user" or "group"
    principal: str
    created_at: datetime
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "project": self.project,
            "kind": self.kind,
            "principal": self.principal,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


class GrantNotFound(NotFound):
    """No such grant (``mmds grants`` lists them)."""

    retryable = False
