"""Tags of a version: the rule a tag obeys and its text form ``KEY=VALUE`` (magics, CLI)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import InvalidInput


def check_tags(tags: dict[str, Any]) -> dict[str, str]:
    """Tags as text, or an error naming the bad one (the same rule for track and tag)."""
    out: dict[str, str] = {}
    for key, value in tags.items():
        text = "" if value is None else str(value)
        if not isinstance(key, str) or not key.strip() or "=" in key:
            raise InvalidInput(
                f"Tag key {key!r} is not valid: use a non-empty key without '=', e.g. owner."
            )
        if len(key) > 200 or len(text) > 1000 or "\x00" in key + text:
            raise InvalidInput(
                f"Tag {key[:40]!r} is too long or holds a NUL character: keys take at most 200 "
                "characters, values 1000."
            )
        out[key.strip()] = text
    return out


def tags_from_text(items: Iterable[str]) -> dict[str, str]:
    """``["team=retention", "app=pricing"]`` as a dict, or an error naming the bad item."""
    tags: dict[str, str] = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise InvalidInput(
                f"Tag {item!r} should be written KEY=VALUE, e.g. --tag team=retention."
            )
        tags[key] = value
    return tags
