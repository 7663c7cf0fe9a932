"""``%mmds events``: the audit log."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("--ref", help="Only events about this model or version.")
@argument("--actor", help="Only events by this person.")
@argument("--action", help="Only this action, e.g. version.create or alias.set.")
@argument("--since", help="ISO date or an age such as 7d.")
@argument("--limit", type=int, default=50, help="At most this many (default 50).")
def spec(line: str) -> None:
    """List audit events, newest first."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    return default_registry().events(
        ref=a.ref, actor=a.actor, action=a.action, since=a.since, limit=a.limit
    )
