"""Users and API tokens of `mmds server`: the rules (names, secrets, expiry); the store keeps rows.

A token's secret is ``mmds_`` plus 32 random bytes (URL-safe base64); the database keeps only its
sha256, so the secret is shown once, when it is created. A request is let in when its token is
neither revoked nor expired and its user is not disabled, checked on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from ..refs import MAX_ID, MAX_NAME, check_name, check_text, whole_number
from .entities import Token, User

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

    def enable_user(self, name: str) -> User:
        return self.store.set_disabled(check_name("User", name), False, self.actor)

    def create_token(
        self, user: str, name: str | None = None, expires_days: float | None = None
    ) -> tuple[Token, str]:
        """A new token of ``user``: its record and its secret (shown once, never stored)."""
        check_name("User", user)
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
        token = self.store.add_token(user, name, token_hash(secret), expires_at, self.actor)
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

    def authenticate(self, secret: str | None) -> str | None:
        """The user name a token belongs to, or None when it lets no one in."""
        if not secret or len(secret) > MAX_SECRET:
            return None
        return self.store.user_for_token(token_hash(secret), now_utc())
