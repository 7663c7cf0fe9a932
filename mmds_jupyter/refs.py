"""Parse version references written as ``[project/]name[:version|@alias]``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidInput

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
_REF = re.compile(
    rf"^(?:(?P<project>{_NAME})/)?(?P<name>{_NAME})"
    rf"(?:(?::(?P<version>\d+|latest))|(?:@(?P<alias>{_NAME})))?\Z"
)
NAME_RE = re.compile(rf"^{_NAME}\Z")  # \Z: "$" would let a final newline through


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
    return Ref(
        name=m.group("name"),
        project=m.group("project"),
        version=int(version) if version else None,
        alias=alias,
    )


def check_name(kind: str, value: str) -> str:
    """Return ``value`` when it is a valid project, model or alias name, else raise."""
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise InvalidInput(
            f"{kind} name {value!r} is not valid: use letters, digits, '_', '.' or '-', "
            "starting with a letter, digit or '_'."
        )
    return value
