"""Users of `mmds server` and their API tokens; every change writes its audit event.

A token is kept as the sha256 of its secret (computed by the caller, see
:mod:`mmds_jupyter.auth.identities`): a copy of the database lets no one in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth.entities import Token, TokenNotFound, User, UserExists, UserNotFound
from .db import Database
from .events import append_event, utc
from .rows import utc_now
from .tables import TokenRow, UserRow


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        name=row.name,
        disabled=row.disabled,
        created_at=utc(row.created_at),
        created_by=row.created_by,
    )


def _token(row: TokenRow, user: str) -> Token:
    return Token(
        id=row.id,
        user=user,
        name=row.name,
        created_at=utc(row.created_at),
        expires_at=utc(row.expires_at) if row.expires_at is not None else None,
        revoked_at=utc(row.revoked_at) if row.revoked_at is not None else None,
    )


def _user_row(s: Session, name: str) -> UserRow:
    row = s.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
    if row is None:
        raise UserNotFound(f"There is no user {name!r}; add one with `mmds users add {name}`.")
    return row


class SqlIdentityStore:
    """Users and tokens in the registry database (team mode's own identities)."""

    def __init__(self, db: Database):
        self.db = db

    def add_user(self, name: str, actor: str) -> User:
        with self.db.session(write=True) as s:
            if s.execute(select(UserRow.id).where(UserRow.name == name)).scalar() is not None:
                raise UserExists(f"The user {name!r} exists already (see `mmds users list`).")
            row = UserRow(name=name, disabled=False, created_at=utc_now(), created_by=actor)
            s.add(row)
            s.flush()
            append_event(s, actor, "user.add", "user", f"user:{name}", None, {"disabled": False})
            return _user(row)

    def users(self) -> list[User]:
        with self.db.session() as s:
            return [_user(r) for r in s.execute(select(UserRow).order_by(UserRow.name)).scalars()]

    def set_disabled(self, name: str, disabled: bool, actor: str) -> User:
        with self.db.session(write=True) as s:
            row = _user_row(s, name)
            before = row.disabled
            row.disabled = disabled
            action = "user.disable" if disabled else "user.enable"
            append_event(
                s,
                actor,
                action,
                "user",
                f"user:{name}",
                {"disabled": before},
                {"disabled": disabled},
            )
            return _user(row)

    def add_token(
        self,
        user: str,
        name: str | None,
        token_hash: str,
        expires_at: datetime | None,
        actor: str,
    ) -> Token:
        with self.db.session(write=True) as s:
            owner = _user_row(s, user)
            row = TokenRow(
                user_id=owner.id,
                name=name,
                token_hash=token_hash,
                created_at=utc_now(),
                expires_at=expires_at,
            )
            s.add(row)
            s.flush()
            after = {"user": user, "name": name, "expires_at": _iso(expires_at)}
            append_event(s, actor, "token.create", "token", f"token:{row.id}", None, after)
            return _token(row, user)

    def tokens(self, user: str | None = None) -> list[Token]:
        with self.db.session() as s:
            query = select(TokenRow, UserRow.name).join(UserRow, TokenRow.user_id == UserRow.id)
            if user is not None:
                query = query.where(UserRow.id == _user_row(s, user).id)
            rows = s.execute(query.order_by(TokenRow.id)).all()
            return [_token(t, name) for t, name in rows]

    def revoke_token(self, token_id: int, actor: str) -> Token:
        with self.db.session(write=True) as s:
            row = s.get(TokenRow, token_id)
            if row is None:
                raise TokenNotFound(f"There is no token {token_id}; see `mmds tokens list`.")
            user = s.get(UserRow, row.user_id)
            assert user is not None  # a foreign key
            if row.revoked_at is None:
                row.revoked_at = utc_now()
                after = {"user": user.name, "revoked_at": _iso(row.revoked_at)}
                append_event(s, actor, "token.revoke", "token", f"token:{row.id}", None, after)
            return _token(row, user.name)

    def user_for_token(self, token_hash: str, now: datetime) -> str | None:
        """The name of the enabled user holding this live (unrevoked, unexpired) token."""
        with self.db.session() as s:
            row = s.execute(
                select(UserRow.name, TokenRow.expires_at)
                .join(UserRow, TokenRow.user_id == UserRow.id)
                .where(
                    TokenRow.token_hash == token_hash,
                    TokenRow.revoked_at.is_(None),
                    UserRow.disabled == False,  # noqa: E712 - a SQL expression
                )
            ).first()
            if row is None:
                return None
            name, expires_at = row
            if expires_at is not None and utc(expires_at) <= now:
                return None
            return str(name)


def _iso(dt: datetime | None) -> str | None:
    return utc(dt).isoformat() if dt is not None else None
