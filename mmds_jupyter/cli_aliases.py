"""The ``mmds aliases`` sub-commands: history, the version at a date, rollback, several moves."""

from __future__ import annotations

import argparse
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


SHOWN = [
    "time", "alias", "version", "previous", "actor", "reason", "request", "approved_by",
    "rollback_of",
]  # fmt: skip


def cmd_history(args: argparse.Namespace) -> None:
    from .encode import records

    cli = _cli()
    frame = cli._registry(args).alias_history(args.ref, alias=args.alias)
    if args.json:
        cli._print_json(records(frame))
    else:
        cli._print_frame(frame[SHOWN] if len(frame) else frame)


def cmd_at(args: argparse.Namespace) -> None:
    cli = _cli()
    move = cli._registry(args).alias_at(args.ref, args.at)
    if args.json:
        cli._print_json(None if move is None else move.to_dict())
    elif move is None:
        print(f"{args.ref} was not set at {args.at}.")
    else:
        why = f" ({move.reason})" if move.reason else ""
        request = f", request {move.request}" if move.request is not None else ""
        if move.approved_by:
            request += f" approved by {', '.join(move.approved_by)}"
        print(
            f"{move.alias} -> {move.version} at {args.at}: moved there by {move.actor} on "
            f"{move.time:%Y-%m-%d %H:%M:%S} UTC{why}{request}."
        )


def cmd_rollback(args: argparse.Namespace) -> None:
    reg = _cli()._registry(args)
    v = reg.rollback(args.ref, reason=args.reason, force=args.force, request=args.request)
    print(f"{args.ref} -> {v.ref} (rolled back)")


def cmd_set(args: argparse.Namespace) -> None:
    from .errors import InvalidInput

    moves: dict[str, Any] = {}
    for word in args.moves:
        alias, eq, version = word.partition("=")
        if not eq or not alias or not version:
            raise InvalidInput(
                f"{word!r}: write each move as ALIAS_REF=VERSION_REF, e.g. churn@champion=churn:3."
            )
        moves[alias] = version
    reg = _cli()._registry(args)
    done = reg.set_aliases(moves, reason=args.reason, force=args.force, request=args.request)
    for alias, v in zip(moves, done, strict=True):
        print(f"{alias} -> {v.ref}")


def _move_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reason", help="Why (kept in the alias history).")
    p.add_argument("--request", type=int, help="The id of the request that decided it.")
    p.add_argument(
        "--force",
        action="store_true",
        help="Move even if a new version's contract refuses the last production input.",
    )


def add_commands(sub: Any) -> None:
    al = sub.add_parser("aliases", help="Alias history, rollback, several moves at once.")
    alsub = al.add_subparsers(dest="aliases_command", required=True)
    hi = alsub.add_parser("history", help="Every move of a model's aliases, newest first.")
    hi.add_argument("ref", help="A model (risk/churn) or one alias (risk/churn@champion).")
    hi.add_argument("--alias", help="Only this alias.")
    hi.add_argument("--json", action="store_true")
    hi.set_defaults(func=cmd_history)
    at = alsub.add_parser("at", help="The version an alias named at a date or time.")
    at.add_argument("ref", help="An alias, e.g. risk/churn@champion.")
    at.add_argument("at", help="2026-03-01 (the end of that day, UTC) or 2026-03-01T09:30.")
    at.add_argument("--json", action="store_true")
    at.set_defaults(func=cmd_at)
    rb = alsub.add_parser("rollback", help="Move an alias back to its previous version.")
    rb.add_argument("ref", help="An alias, e.g. risk/churn@champion.")
    _move_options(rb)
    rb.set_defaults(func=cmd_rollback)
    st = alsub.add_parser("set", help="Move several aliases at once, all or none.")
    st.add_argument("moves", nargs="+", metavar="ALIAS_REF=VERSION_REF")
    _move_options(st)
    st.set_defaults(func=cmd_set)
