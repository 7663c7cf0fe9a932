"""Users of `mmds server` and their API tokens; every change writes its audit event.

A token is kept as the sha256 of its secret (computed by the caller, see
:mod:`mmds_jupyter.auth.identities`): a copy of the database lets no one in.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..auth.entities import (
    Grant,
    GrantNotFound,
    Token,
    TokenNotFound,
    User,
    UserExists,
    UserNotFound,
)
from .db import Database
from .events import append_event, utc
from .identity_tables import SERVER, GrantRow, GroupMemberRow, TokenRow, UserRow
from .rows import utc_now
from .tables import ProjectRow


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
        projects=_projects(row.projects),
    )


def _projects(stored: str | None) -> tuple[str, ...] | None:
    return tuple(json.loads(stored)) if stored is not None else None


def _user_row(s: Session, name: str) -> UserRow:
    row = s.execute(select(UserRow).where(UserRow.name == name)).scalar_one_or_none()
    if row is None:
        raise UserNotFound(f"There is no user {name!r}; add one with `mmds users add {name}`.")
    return row


def _grant(row: GrantRow) -> Grant:
    return Grant(
        id=row.id,
        role=row.role,
        project=None if row.project == SERVER else row.project,
        kind=row.kind,
        principal=row.principal,
        created_at=utc(row.created_at),
        created_by=row.created_by,
    )


def _grant_event(project: str | None) -> str:
    # Events about a project's grants belong to it (its owners see them); the admin role's to
    # the server.
    return f"project:{project}" if project is not None else "server"


class SqlGrantMixin:
    """Roles granted per project to users or groups, and the members of groups."""

    db: Database

    def add_grant(
        self, role: str, project: str | None, kind: str, principal: str, actor: str
    ) -> Grant:
        with self.db.session(write=True) as s:
            key = (role, project or SERVER, kind, principal)
            row = s.execute(_grant_query(*key)).scalar_one_or_none()
            if row is None:  # granting twice is harmless
                row = GrantRow(
                    role=role,
                    project=project or SERVER,
                    kind=kind,
                    principal=principal,
                    created_at=utc_now(),
                    created_by=actor,
                )
                s.add(row)
                s.flush()
                after = {"role": role, "project": project, kind: principal}
                append_event(s, actor, "grant.add", "grant", _grant_event(project), None, after)
            return _grant(row)

    def remove_grant(
        self, role: str, project: str | None, kind: str, principal: str, actor: str
    ) -> Grant:
        with self.db.session(write=True) as s:
            row = s.execute(_grant_query(role, project or SERVER, kind, principal)).scalar()
            if row is None:
                where = f"in project {project}" if project else "on the server"
                raise GrantNotFound(
                    f"The {kind} {principal!r} holds no role {role!r} {where}; `mmds grants"
                    + (f" --project {project}`" if project else "`")
                    + " lists the grants."
                )
            grant = _grant(row)
            s.delete(row)
            before = {"role": role, "project": project, kind: principal}
            append_event(s, actor, "grant.revoke", "grant", _grant_event(project), before, None)
            return grant

    def grants(self, project: str | None = None) -> list[Grant]:
        with self.db.session() as s:
            q = select(GrantRow).order_by(GrantRow.project, GrantRow.role, GrantRow.principal)
            if project is not None:
                q = q.where(GrantRow.project == project)
            return [_grant(r) for r in s.execute(q).scalars()]

    def standing(
        self, user: str, groups: frozenset[str]
    ) -> tuple[frozenset[str], list[tuple[str, str | None]]]:
        """The user's groups (``groups`` and those MMDS keeps them in) and the (role, project) of
        every grant to the user or one of those groups, read in one transaction: `mmds server`
        reads them on every request."""
        with self.db.session() as s:
            q = select(GroupMemberRow.group_name).where(GroupMemberRow.user_name == user)
            groups = groups | frozenset(s.execute(q).scalars())
            to_user = (GrantRow.kind == "user") & (GrantRow.principal == user)
            to_groups = (GrantRow.kind == "group") & GrantRow.principal.in_(sorted(groups))
            rows = s.execute(
                select(GrantRow.role, GrantRow.project).where(
                    or_(to_user, to_groups) if groups else to_user
                )
            ).all()
            return groups, [(r, None if p == SERVER else p) for r, p in rows]

    def add_member(self, group: str, user: str, actor: str) -> None:
        with self.db.session(write=True) as s:
            found = s.execute(
                select(GroupMemberRow.id).where(
                    GroupMemberRow.group_name == group, GroupMemberRow.user_name == user
                )
            ).scalar()
            if found is None:
                s.add(
                    GroupMemberRow(
                        group_name=group, user_name=user, created_at=utc_now(), created_by=actor
                    )
                )
                after = {"user": user}
                append_event(s, actor, "group.add_member", "group", f"group:{group}", None, after)

    def remove_member(self, group: str, user: str, actor: str) -> None:
        with self.db.session(write=True) as s:
            row = s.execute(
                select(GroupMemberRow).where(
                    GroupMemberRow.group_name == group, GroupMemberRow.user_name == user
                )
            ).scalar_one_or_none()
            if row is None:
                raise UserNotFound(f"{user!r} is not a member of the group {group!r}.")
            s.delete(row)
            before = {"user": user}
            append_event(s, actor, "group.remove_member", "group", f"group:{group}", before, None)

    def members(self) -> list[tuple[str, str]]:
        with self.db.session() as s:
            q = select(GroupMemberRow.group_name, GroupMemberRow.user_name).order_by(
                GroupMemberRow.group_name, GroupMemberRow.user_name
            )
            return [(g, u) for g, u in s.execute(q).all()]

    def project_exists(self, project: str) -> bool:
        with self.db.session() as s:
            q = select(ProjectRow.id).where(ProjectRow.name == project)
            return s.execute(q).scalar() is not None


def _grant_query(role: str, project: str, kind: str, principal: str) -> Any:
    return select(GrantRow).where(
        GrantRow.role == role,
        GrantRow.project == project,
        GrantRow.kind == kind,
        GrantRow.principal == principal,
    )


class SqlIdentityStore(SqlGrantMixin):
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

    def is_disabled(self, name: str) -> bool:
        """Whether ``name`` is a user of MMDS who is disabled (an unknown name is not)."""
        with self.db.session() as s:
            found = s.execute(select(UserRow.disabled).where(UserRow.name == name)).scalar()
            return bool(found)

    def add_token(
        self,
        user: str,
        name: str | None,
        token_hash: str,
        expires_at: datetime | None,
        actor: str,
        projects: tuple[str, ...] | None = None,
    ) -> Token:
        with self.db.session(write=True) as s:
            owner = _user_row(s, user)
            row = TokenRow(
                user_id=owner.id,
                name=name,
                token_hash=token_hash,
                created_at=utc_now(),
                expires_at=expires_at,
                projects=json.dumps(sorted(projects)) if projects is not None else None,
            )
            s.add(row)
            s.flush()
            after: dict[str, Any] = {"user": user, "name": name, "expires_at": _iso(expires_at)}
            if projects is not None:
                after["projects"] = sorted(projects)
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

    def delete_tokens(self, token_ids: list[int], actor: str) -> int:
        """Delete tokens that let no one in any more (revoked or expired); each leaves a
        ``token.delete`` event beside its ``token.create`` and ``token.revoke``. How many."""
        deleted = 0
        with self.db.session(write=True) as s:
            for row, user in s.execute(
                select(TokenRow, UserRow.name)
                .join(UserRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.id.in_(token_ids))
                .order_by(TokenRow.id)
            ).all():
                if row.revoked_at is None and (
                    row.expires_at is None or utc(row.expires_at) > utc_now()
                ):
                    continue  # a live token is revoked first, never deleted
                before = {
                    "user": user,
                    "name": row.name,
                    "expires_at": _iso(row.expires_at),
                    "revoked_at": _iso(row.revoked_at),
                }
                append_event(s, actor, "token.delete", "token", f"token:{row.id}", before, None)
                s.delete(row)
                deleted += 1
        return deleted

    def user_for_token(self, token_hash: str, now: datetime) -> str | None:
        """The name of the enabled user holding this live (unrevoked, unexpired) token."""
        found = self.token_identity(token_hash, now)
        return found[0] if found is not None else None

    def token_identity(
        self, token_hash: str, now: datetime
    ) -> tuple[str, tuple[str, ...] | None] | None:
        """(user, the projects the token is limited to or None) of a live token of an enabled
        user, else None."""
        with self.db.session() as s:
            row = s.execute(
                select(UserRow.name, TokenRow.expires_at, TokenRow.projects)
                .join(UserRow, TokenRow.user_id == UserRow.id)
                .where(
                    TokenRow.token_hash == token_hash,
                    TokenRow.revoked_at.is_(None),
                    UserRow.disabled == False,  # noqa: E712 - a SQL expression
                )
            ).first()
            if row is None:
                return None
            name, expires_at, projects = row
            if expires_at is not None and utc(expires_at) <= now:
                return None
            return str(name), _projects(projects)


def _iso(dt: datetime | None) -> str | None:
    return utc(dt).isoformat() if dt is not None else None
