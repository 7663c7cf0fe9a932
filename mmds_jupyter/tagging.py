"""The text form of tags, ``KEY=VALUE`` (magics, CLI); the rule a tag obeys is refs.check_tags."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import InvalidInput


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
