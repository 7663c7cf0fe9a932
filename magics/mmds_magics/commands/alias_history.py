"""``%mmds alias-history REF`` and ``%mmds rollback REF``: who moved an alias, when, why; and
moving it back."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="A model (risk/churn) or one alias (risk/churn@champion).")
@argument("--alias", help="Only this alias.")
@argument("--at", help="The move in force at this date (the end of that day, UTC) or time.")
def history_spec(line: str) -> None:
    """Show every move of a model's aliases, newest first (with --at, the one in force then)."""


@magic_arguments()
@argument("ref", help="An alias, e.g. risk/churn@champion.")
@argument("--reason", help="Why (kept in the alias history).")
@argument("--force", action="store_true", help="Move it past a contract conflict.")
def rollback_spec(line: str) -> None:
    """Move an alias back to the version it named before its latest move."""


class History:
    spec = history_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(history_spec, line)
        reg = default_registry()
        if a.at is None:
            return reg.alias_history(a.ref, alias=a.alias)
        ref = a.ref if a.alias is None else f"{a.ref}@{a.alias}"
        move = reg.alias_at(ref, a.at)
        if move is None:
            print(f"{ref} was not set at {a.at}.")
        return move


class Rollback:
    spec = rollback_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(rollback_spec, line)
        v = default_registry().rollback(a.ref, reason=a.reason, force=a.force)
        print(f"{a.ref} -> {v.ref} (rolled back)")
