"""Parse version references written as ``[project/]name[:version|@alias]``, and check what users
give before anything is written: names, tags and free texts (lengths, characters) and numbers
(versions, limits, offsets, depths). The one place that says what fits, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import InvalidInput

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
_REF = re.compile(
    rf"^(?:(?P<project>{_NAME})/)?(?P<name>{_NAME})"
    rf"(?:(?::(?P<version>[0-9]+|latest))|(?:@(?P<alias>{_NAME})))?\Z"
)
NAME_RE = re.compile(rf"^{_NAME}\Z")  # \Z: "$" would let a final newline through
# The largest version number, limit, offset or depth MMDS takes: PostgreSQL's ``integer``
# (version numbers are stored in one), so no number a user types can overflow a column.
MAX_INT = 2**31 - 1
# Row ids (score sets, runs) are 64-bit in SQLite and PostgreSQL.
MAX_ID = 2**63 - 1
# Names (projects, models, aliases, jobs, scoring tests), tag keys and user names. A reference
# made of three names, "project/model@alias", must fit the event log's object_ref (500).
MAX_NAME = 150
MAX_TAG_VALUE = 1000
# Descriptions (of versions and jobs) and reasons: a few pages of text. Each is returned by every
# listing and event that shows it, so it stays small.
MAX_TEXT = 8000
# NUL and the other control characters (tab, newline and carriage return are fine): PostgreSQL
# refuses NUL in text, and the others garble terminals, logs and tables.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Ref:
    """A parsed reference; ``version`` and ``alias`` are exclusive, neither means latest."""

    name: str
    project: str | None = None
    version: int | None = None
    alias: str | None = None

    def __str__(self) -> str:
        head = f"{self.project}/{self.name}" if self.project else self.name
        if self.version is not None:
            return f"{head}:{self.version}"
        if self.alias:
            return f"{head}@{self.alias}"
        return head


def parse_ref(text: str) -> Ref:
    """Parse ``text`` into a :class:`Ref` or raise a clear :class:`InvalidInput`."""
    m = _REF.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise InvalidInput(
            f"'{text}' is not a model reference. Write it as [project/]name[:version|@alias], "
            "for example churn:3, risk/churn@champion or churn@latest."
        )
    version = m.group("version")
    alias = m.group("alias")
    if version == "latest":
        version, alias = None, "latest"
    number = None
    if version:
        # Compare the digits before int(): a 5,000-digit number is refused, not converted.
        digits = version.lstrip("0")
        if not digits or len(digits) > len(str(MAX_INT)) or int(digits) > MAX_INT:
            raise InvalidInput(
                f"'{text}' names version {version}, but version numbers run from 1 to "
                f"{MAX_INT}; write e.g. {m.group('name')}:1 or {m.group('name')}@latest."
            )
        number = int(digits)
    return Ref(name=m.group("name"), project=m.group("project"), version=number, alias=alias)


def whole_number(name: str, value: object, low: int = 0, high: int = MAX_INT) -> int:
    """``value`` when it is a whole number from ``low`` to ``high``, else a clear error.

    Every limit, offset and depth a user gives goes through here (Python, CLI, magics, REST),
    so none reaches the database as a number it cannot hold.
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{name} must be a whole number, not {value!r}.")
    if not isinstance(value, int):
        try:
            value = operator.index(value)  # type: ignore[arg-type]  # numpy integers
        except TypeError:
            raise InvalidInput(f"{name} must be a whole number, not {value!r:.40}.") from None
    if not low <= value <= high:
        # str() of a number with more than 4,300 digits raises: say its size instead.
        shown = value if abs(value) < 10**30 else "a number with more than 30 digits"
        raise InvalidInput(f"{name} must be from {low} to {high}, not {shown}.")
    return value


def check_name(kind: str, value: str) -> str:
    """Return ``value`` when it is a valid project, model or alias name, else raise."""
    if isinstance(value, str) and len(value) > MAX_NAME:
        raise InvalidInput(
            f"The {kind.lower()} name is {len(value)} characters; at most {MAX_NAME} fit "
            f"({value[:40]!r}...)."
        )
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise InvalidInput(
            f"{kind} name {value!r} is not valid: use letters, digits, '_', '.' or '-', "
            "starting with a letter, digit or '_'."
        )
    return value


def check_text(kind: str, value: str | None, max_len: int = MAX_TEXT) -> str | None:
    """``value`` (None passes) when it is text of at most ``max_len`` characters without NUL or
    other control characters (tab, newline and carriage return are fine); else a clear error."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{kind} must be text, not {type(value).__name__}.")
    if len(value) > max_len:
        raise InvalidInput(
            f"{kind} is {len(value)} characters long; at most {max_len} fit. Shorten it (or "
            "keep long documents in a file and link to them)."
        )
    bad = _CONTROL.search(value)
    if bad:
        raise InvalidInput(
            f"{kind} holds the control character {bad.group()!r} at position {bad.start()}; "
            "remove it (text, tabs and line breaks are fine)."
        )
    return value


def check_tags(tags: Mapping[str, object] | None) -> dict[str, str]:
    """Tags as ``{key: text}``: keys are short labels, values text (numbers become text)."""
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidInput(f"Tags are a dict of key to value, not {type(tags).__name__}.")
    out = {}
    for key, value in tags.items():
        check_text("A tag key", key, MAX_NAME)
        if not key or key != key.strip() or "=" in key:
            raise InvalidInput(
                f"The tag key {key!r} is not valid: give a non-empty key without '=' or "
                "surrounding spaces (tags are searched as key=value)."
            )
        text = value if isinstance(value, str) else str(value)
        out[key] = check_text(f"The value of tag {key!r}", text, MAX_TAG_VALUE) or ""
    return out
