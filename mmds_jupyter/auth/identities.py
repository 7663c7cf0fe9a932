"""Users and API tokens of `mmds server`: the rules (names, secrets, expiry); the store keeps rows.

A token's secret is ``mmds_`` plus 32 random bytes (URL-safe base64); the database keeps only its
sha256, so the secret is shown once, when it is created. A request is let in when its token is
neither revoked nor expired and its user is not disabled, checked on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from ..refs import MAX_ID, MAX_NAME, check_name, check_text, whole_number
from .entities import Grant, Token, User
from .permissions import ADMIN_ROLE, ROLES

if TYPE_CHECKING:
    from ..registry import IdentityStore

PREFIX = "mmds_"
# Longest a token may live: about 100 years (a typo like 36500000 days is refused).
MAX_DAYS = 36600
# Longer "tokens" are not ours: they are refused before they are hashed.
MAX_SECRET = 200


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class Identities:
    """Manage users and tokens (server admin) and resolve a request's token to its user."""

    def __init__(self, store: IdentityStore, actor: str):
        self.store = store
        self.actor = actor

    def add_user(self, name: str) -> User:
        return self.store.add_user(check_name("User", name), self.actor)

    def users(self) -> list[User]:
        return self.store.users()

    def disable_user(self, name: str) -> User:
        """Refuse every token of the user from the next request on (their history stays)."""
        return self.store.set_disabled(check_name("User", name), True, self.actor)

    def is_disabled(self, name: str) -> bool:
        """Whether ``name`` was disabled (``mmds users disable``): refused however it signs in,
        with an MMDS token or as the JupyterHub user of that name."""
        return self.store.is_disabled(name)

    def enable_user(self, name: str) -> User:
        return self.store.set_disabled(check_name("User", name), False, self.actor)

    def create_token(
        self,
        user: str,
        name: str | None = None,
        expires_days: float | None = None,
        projects: Iterable[str] | None = None,
    ) -> tuple[Token, str]:
        """A new token of ``user``: its record and its secret (shown once, never stored).

        ``projects`` limits the token to those projects (a scheduled run's token): the server
        refuses it anything elsewhere, whatever its user's roles.
        """
        check_name("User", user)
        limit = None
        if projects is not None:
            limit = tuple(sorted({check_name("Project", p) for p in projects}))
        check_text("The token name", name, MAX_NAME)
        expires_at = None
        if expires_days is not None:
            if isinstance(expires_days, bool) or not isinstance(expires_days, (int, float)):
                raise InvalidInput(f"--expires-days must be a number, not {expires_days!r}.")
            if not 0 < expires_days <= MAX_DAYS:
                raise InvalidInput(
                    f"--expires-days must be more than 0 and at most {MAX_DAYS}, not "
                    f"{expires_days}; leave it out for a token that does not expire."
                )
            expires_at = now_utc() + timedelta(days=expires_days)
        secret = PREFIX + secrets.token_urlsafe(32)
        token = self.store.add_token(
            user, name, token_hash(secret), expires_at, self.actor, projects=limit
        )
        return token, secret

    def tokens(self, user: str | None = None) -> list[Token]:
        return self.store.tokens(check_name("User", user) if user is not None else None)

    def revoke_token(self, token_id: int | str) -> Token:
        """Refuse the token from the next request on (revoking twice is harmless)."""
        if isinstance(token_id, str) and token_id.strip().isdigit():
            token_id = int(token_id)
        return self.store.revoke_token(
            whole_number("The token id", token_id, 1, MAX_ID), self.actor
        )

    def delete_tokens(self, token_ids: Iterable[int]) -> int:
        """Delete the given tokens that no longer let anyone in (revoked or expired; a live one
        is kept); the audit log keeps their creation, revocation and deletion. How many."""
        return self.store.delete_tokens(sorted(set(token_ids)), self.actor)

    def authenticate(self, secret: str | None) -> str | None:
        """The user name a token belongs to, or None when it lets no one in."""
        if not secret or len(secret) > MAX_SECRET:
            return None
        return self.store.user_for_token(token_hash(secret), now_utc())

    def resolve(self, secret: str | None) -> tuple[str, tuple[str, ...] | None] | None:
        """(user, the projects the token is limited to, or None) of a token that lets its user
        in, else None."""
        if not secret or len(secret) > MAX_SECRET:
            return None
        return self.store.token_identity(token_hash(secret), now_utc())

    # -- roles per project, and groups ----------------------------------------------------------

    def grant(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Give ``role`` in ``project`` (the ``admin`` role: no project) to a user or a group."""
        return self.store.add_grant(*self._grant_key(role, project, user, group), self.actor)

    def revoke(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Take a granted role back; it no longer counts from the next request on."""
        return self.store.remove_grant(*self._grant_key(role, project, user, group), self.actor)

    def grants(self, project: str | None = None) -> list[Grant]:
        return self.store.grants(check_name("Project", project) if project else None)

    def add_member(self, group: str, user: str) -> None:
        self.store.add_member(check_name("Group", group), check_name("User", user), self.actor)

    def remove_member(self, group: str, user: str) -> None:
        self.store.remove_member(check_name("Group", group), check_name("User", user), self.actor)

    def standing(
        self, user: str, groups: frozenset[str] = frozenset()
    ) -> tuple[frozenset[str], list[tuple[str, str | None]]]:
        """The user's groups (``groups``, e.g. a Hub's, plus those MMDS keeps them in: `mmds
        groups add-member`) and the (role, project) of every grant to the user or one of those
        groups (project None: the server-wide admin role)."""
        return self.store.standing(user, groups)

    def project_exists(self, project: str) -> bool:
        """Whether the project exists (tracking into a new one creates it, and needs the
        right to)."""
        return self.store.project_exists(project)

    def own_project(self, project: str) -> None:
        """Make the acting user the owner of the project they just created."""
        self.store.add_grant("owner", project, "user", self.actor, self.actor)

    def members(self) -> list[tuple[str, str]]:
        """(group, user) of every group member kept by MMDS (Hub groups come from the Hub)."""
        return self.store.members()

    @staticmethod
    def _grant_key(
        role: str, project: str | None, user: str | None, group: str | None
    ) -> tuple[str, str | None, str, str]:
        roles = ", ".join([*ROLES, ADMIN_ROLE])
        if role not in ROLES and role != ADMIN_ROLE:
            raise InvalidInput(f"Unknown role {role!r}; the roles are {roles}.")
        if (user is None) == (group is None):
            raise InvalidInput("Grant to one user (--user NAME) or one group (--group NAME).")
        if role == ADMIN_ROLE and project is not None:
            raise InvalidInput("admin is a server-wide role: give no --project.")
        if role != ADMIN_ROLE and project is None:
            raise InvalidInput(f"The role {role!r} is held in a project: give --project NAME.")
        if project is not None:
            check_name("Project", project)
        kind, name = ("user", user) if user is not None else ("group", group)
        assert name is not None
        return role, project, kind, check_name(kind.title(), name)
