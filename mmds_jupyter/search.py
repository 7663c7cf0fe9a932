"""Parse the text forms of search filters: metric conditions, tags, times."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone

from .errors import InvalidInput

_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<|=)\s*(-?[0-9.eE+-]+)\s*$")
_AGO = re.compile(r"^([0-9]+)\s*([smhdw])\Z")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
# Ages (``7d``) reach back at most this far: far enough for any registry, short of year 1.
MAX_AGE_YEARS = 1000
MAX_AGE_S = MAX_AGE_YEARS * 365 * 86_400


def parse_metric_conditions(where: Iterable[str] | str | None) -> list[tuple[str, str, float]]:
    """``"roc_auc>0.8"`` (or a list of them) into (metric, operator, value) triples."""
    if where is None:
        return []
    items = [where] if isinstance(where, str) else list(where)
    out = []
    for item in items:
        for part in str(item).split(","):
            if not part.strip():
                continue
            m = _COND.match(part)
            if not m:
                raise InvalidInput(
                    f"Cannot read the metric condition {part.strip()!r}: write metric, "
                    "comparison, number, e.g. roc_auc>0.8 or rmse<=12.5."
                )
            try:
                value = float(m.group(3))
            except ValueError:
                raise InvalidInput(f"{m.group(3)!r} in {part.strip()!r} is not a number.") from None
            out.append((m.group(1), m.group(2), value))
    return out


def parse_tag(tag: str | None) -> tuple[str, str | None] | None:
    """``key`` or ``key=value``."""
    if not tag:
        return None
    key, _, value = tag.partition("=")
    key = key.strip()
    if not key or key.startswith("!"):
        raise InvalidInput(
            f"tag={tag!r} cannot be read: write key or key=value, e.g. team or team=credit "
            "(a search matches what is there; '!' does not negate)."
        )
    return key, (value.strip() if _ else None)


def literal_filter(value: str | None, label: str, negation: str | None = None) -> str | None:
    """A filter matched as written; one that starts with ``!`` is refused, not matched.

    Nothing is named ``!x``: such a filter would answer with nothing, as if no version
    matched, where the user meant "not x". ``negation`` names the filter that says that.
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    if text.startswith("!"):
        fix = (
            f"to find versions without {text[1:]!r}, use {negation}={text[1:]!r} "
            f"(--{negation.replace('_', '-')} in the CLI and %mmds)"
            if negation
            else "a search matches what is there; '!' does not negate"
        )
        raise InvalidInput(f"{label}={value!r} cannot be read: {fix}.")
    return text


def parse_time(value: datetime | str | None, label: str) -> datetime | None:
    """An ISO date/time, or an age such as ``7d`` / ``12h`` meaning that long ago."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    m = _AGO.match(text)
    if m:
        amount = m.group(1).lstrip("0") or "0"
        # Compare before converting: a timedelta (or a date before year 1) overflows.
        if len(amount) > 12 or int(amount) * _SECONDS[m.group(2)] > MAX_AGE_S:
            raise InvalidInput(
                f"{label}={text!r} is too long ago: ages go up to {MAX_AGE_YEARS} years "
                f"(e.g. {MAX_AGE_YEARS * 365}d); give an ISO date for anything older."
            )
        return datetime.now(timezone.utc) - timedelta(**{_UNITS[m.group(2)]: int(amount)})
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{label}={text!r} is not a time: use an ISO date such as 2026-03-01 or "
            "2026-03-01T09:30, or an age such as 7d, 12h or 30m."
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def glue_descending(argv: Sequence[str]) -> list[str]:
    """Let ``--order-by -roc_auc`` through argparse, which takes ``-roc_auc`` for an option."""
    out: list[str] = []
    for word in argv:
        if out and out[-1] == "--order-by" and word.startswith("-"):
            out[-1] = f"--order-by={word}"
        else:
            out.append(word)
    return out
