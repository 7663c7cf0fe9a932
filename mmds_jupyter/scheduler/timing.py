"""When a job is due: cron expressions or fixed intervals, and the catch-up plan after downtime."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from .errors import ScheduleInvalid

_EVERY = re.compile(r"^\s*(?:every\s+)?(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Counting missed occurrences stops here; the plan only needs "how many, roughly".
_MAX_COUNT = 10_000
# Longer intervals overflow date arithmetic long before they are useful; cron covers yearly.
_MAX_EVERY_S = 366 * 86400


def parse_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInvalid(
            f"Unknown time zone {name!r}. Use an IANA name such as UTC, Europe/Berlin or "
            "America/New_York."
        ) from None


def normalise(cron: str | None, every: str | None) -> str | None:
    """The schedule text to store: a checked cron expression, ``every Ns``, or None (on demand)."""
    if cron and every:
        raise ScheduleInvalid(
            "Give either a cron expression (--cron) or an interval (--every), not both."
        )
    if every:
        match = _EVERY.match(every)
        if not match:
            raise ScheduleInvalid(
                f"{every!r} is not an interval; write a number and a unit, e.g. 30s, 5m, 2h, 1d."
            )
        seconds = float(match.group(1)) * _UNIT_S[match.group(2).lower()]
        if seconds < 1:
            raise ScheduleInvalid("An interval must be at least one second (e.g. --every 5s).")
        if seconds > _MAX_EVERY_S:
            raise ScheduleInvalid(
                f"{every!r} is longer than a year; use a cron expression for yearly schedules "
                "(e.g. '0 2 1 1 *')."
            )
        # Fifteen digits: a long interval stays a plain number ("every 1728000s", not
        # "1.728e+06s", which loses digits and which this very check would refuse when edited).
        return f"every {seconds:.15g}s"
    if cron is None:
        return None
    expr = " ".join(cron.split())
    if len(expr.split()) not in (5, 6) or not croniter.is_valid(expr):
        raise ScheduleInvalid(
            f"{cron!r} is not a valid cron expression. Write five fields, minute hour "
            "day-of-month month day-of-week (e.g. '0 2 * * *' for 02:00 every day), or add a "
            "sixth field for seconds (e.g. '* * * * * */10' for every ten seconds)."
        )
    try:
        now = datetime.now(timezone.utc)
        croniter(expr, now).get_next(datetime)
        croniter(expr, now).get_prev(datetime)
    except (CroniterError, ValueError, OverflowError):
        # Valid fields that name no real date, such as '0 0 31 2 *' (31 February).
        raise ScheduleInvalid(
            f"{cron!r} never falls on a real date; check the day-of-month and month fields."
        ) from None
    return expr


@dataclass(frozen=True)
class Schedule:
    """A stored schedule, anchored (for intervals) at the job's creation time."""

    text: str
    zone: ZoneInfo
    anchor: datetime

    @property
    def interval(self) -> timedelta | None:
        if self.text.startswith("every "):
            return timedelta(seconds=float(self.text[6:-1]))
        return None

    def latest_at_or_before(self, t: datetime) -> datetime | None:
        """The newest occurrence not after ``t`` (None when there is none after the anchor)."""
        step = self.interval
        if step is not None:
            k = int((t - self.anchor) / step)
            return self.anchor + k * step if k >= 1 else None
        it = croniter(self.text, (t + timedelta(microseconds=1)).astimezone(self.zone))
        prev = it.get_prev(datetime).astimezone(timezone.utc)
        return prev if prev > self.anchor else None

    def next_after(self, t: datetime) -> datetime:
        """The first occurrence strictly after ``t``."""
        step = self.interval
        if step is not None:
            k = max(int((t - self.anchor) / step) + 1, 1)
            return self.anchor + k * step
        return (
            croniter(self.text, t.astimezone(self.zone)).get_next(datetime).astimezone(timezone.utc)
        )

    def count_between(self, after: datetime, before: datetime) -> int:
        """How many occurrences lie strictly between ``after`` and ``before`` (capped)."""
        step = self.interval
        if step is not None:
            first = self.next_after(after)
            if first >= before:
                return 0
            return min(int((before - first) / step - 1e-9) + 1, _MAX_COUNT)
        n, t = 0, self.next_after(after)
        while t < before and n < _MAX_COUNT:
            n, t = n + 1, self.next_after(t)
        return n


@dataclass(frozen=True)
class Plan:
    """What one look at a job decides: the occurrence to claim (if any) and what it skips."""

    occurrence: datetime | None
    missed: int
    until: datetime


def plan(schedule: Schedule, since: datetime, now: datetime, grace_s: float, catchup: str) -> Plan:
    """Decide which occurrence in ``(since, now]`` to run; at most one per look.

    Occurrences older than the newest one were missed (no scheduler ran, or it was busy); they
    are never run one by one. With ``catchup="once"`` a single run stands for all of them; with
    ``"skip"`` they are dropped and only an on-time occurrence runs.
    """
    latest = schedule.latest_at_or_before(now)
    if latest is None or latest <= since:
        return Plan(None, 0, since)
    missed = schedule.count_between(since, latest)
    late = (now - latest).total_seconds() > grace_s
    if late:
        missed += 1
        if catchup == "skip":
            return Plan(None, missed, latest)
        return Plan(latest, missed, latest)
    return Plan(latest, missed if catchup == "once" else 0, latest)
