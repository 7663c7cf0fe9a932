"""Alias history and rollback, read from the hash-chained event log.

Every alias move already appends an event (``alias.set``, or ``alias.remove`` when a version
leaves service) with who, when, and the version before and after; the reason, the request that
moved it and the move a rollback undoes join that event's ``after``. A move given no request
records the newest done (approved) request of the version it points at, and reading the
history names who approved that request, from the requests store. So the history IS the log:
no second table that could disagree with it, and it is exactly as tamper-evident as the chain
(``mmds events --verify``). The log's ``object_ref`` index finds one alias's events directly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timezone
from typing import Any

import pandas as pd

from ..entities import Event
from ..errors import InvalidInput, NotFound

HISTORY_COLUMNS = [
    "event_id",
    "time",
    "alias",
    "version",
    "previous",
    "actor",
    "action",
    "reason",
    "request",
    "rollback_of",
    "forced",
    "approved_by",
]


@dataclass(frozen=True)
class AliasMove:
    """One move of an alias: where it pointed after (None: removed) and before, who moved it,
    when, why, under which request, and the move a rollback undid."""

    event_id: int
    time: datetime
    alias: str  # project/model@alias
    version: str | None
    previous: str | None
    actor: str
    action: str  # "set" or "remove"
    reason: str | None = None
    request: int | None = None
    rollback_of: int | None = None
    forced: bool = False
    approved_by: list[str] | None = None  # who approved ``request`` (None: no request on record)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["time"] = self.time.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AliasMove:
        fields: dict[str, Any] = {k: data.get(k) for k in HISTORY_COLUMNS}
        fields["time"] = datetime.fromisoformat(str(data["time"]))
        fields["forced"] = bool(data.get("forced"))
        approved = data.get("approved_by")
        fields["approved_by"] = None if approved is None else list(approved)
        return cls(**fields)


def history_frame(moves: list[AliasMove]) -> pd.DataFrame:
    """Moves as a DataFrame, one row each; missing values stay None (not NaN), ids stay ints."""
    columns = {c: pd.Series([getattr(m, c) for m in moves], dtype=object) for c in HISTORY_COLUMNS}
    frame = pd.DataFrame(columns)
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame


def move_of(event: Event) -> AliasMove:
    """The alias move an ``alias.*`` event records."""
    after = event.after or {}
    before = event.before or {}
    removed = event.action == "alias.remove"
    return AliasMove(
        event_id=event.id,
        time=event.time,
        alias=event.object_ref,
        version=None if removed else after.get("version"),
        previous=before.get("version"),
        actor=event.actor,
        action="remove" if removed else "set",
        reason=after.get("reason"),
        request=after.get("request"),
        rollback_of=after.get("rollback_of"),
        forced=bool(after.get("forced")),
    )


def with_approvers(moves: list[AliasMove], approvers: dict[int, list[str]]) -> list[AliasMove]:
    """The moves with who approved the request of each (``approvers``: request id -> actors)."""
    return [
        replace(m, approved_by=approvers.get(m.request)) if m.request is not None else m
        for m in moves
    ]


def moment(at: datetime | date | str, label: str = "at") -> datetime:
    """The instant ``at`` names: a datetime as given (UTC when naive); a date (or an ISO date
    such as 2026-03-01) means the END of that day in UTC, i.e. what held when the day closed."""
    from ..search import parse_time

    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    if isinstance(at, date):
        return datetime.combine(at, time.max, tzinfo=timezone.utc)
    if isinstance(at, str) and len(at.strip()) == 10:
        try:
            day = date.fromisoformat(at.strip())
        except ValueError:
            pass
        else:
            return datetime.combine(day, time.max, tzinfo=timezone.utc)
    found = parse_time(at, label)
    if found is None:
        raise InvalidInput(f"{label} needs a date or time, e.g. 2026-03-01 or 2026-03-01T09:30.")
    return found


def held_at(moves: list[AliasMove], when: datetime) -> AliasMove | None:
    """The move in force at ``when`` (moves newest first); None when the alias was not set."""
    for m in moves:
        if m.time <= when:
            return m if m.version is not None else None
    return None


def rollback_target(moves: list[AliasMove], alias_ref: str) -> tuple[str, AliasMove]:
    """The version a rollback of the alias returns to, and the move it undoes.

    Rollbacks form an undo stack: a rollback undoes the newest move not yet undone, so rolling
    back twice after v1 -> v2 -> v3 returns to v1 (not back to v3).
    """
    undone: set[int] = set()
    for m in moves:  # newest first
        if m.event_id in undone:
            continue
        if m.rollback_of is not None:
            undone.add(m.rollback_of)
            continue
        if m.version is None:
            raise InvalidInput(
                f"{alias_ref} was removed ({m.time:%Y-%m-%d %H:%M} UTC, by {m.actor}): there is "
                "nothing to roll back. Set it again with mmds.alias(REF, ALIAS)."
            )
        if m.previous is None:
            raise InvalidInput(
                f"{alias_ref} has pointed at {m.version} since it was first set: there is no "
                "earlier version to roll back to."
            )
        return m.previous, m
    raise NotFound(f"{alias_ref} has never been set, so it cannot be rolled back.")
