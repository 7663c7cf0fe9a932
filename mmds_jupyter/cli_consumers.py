"""The ``mmds consumers`` sub-commands: who uses which model for what."""

from __future__ import annotations

import argparse
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


SHOWN = ["id", "application", "reference", "version", "owner", "purpose", "since", "until"]
USE = ["last_version", "rows", "calls", "last_used"]


def cmd_add(args: argparse.Namespace) -> None:
    c = (
        _cli()
        ._registry(args)
        .add_consumer(args.ref, args.application, owner=args.owner, purpose=args.purpose)
    )
    print(f"consumer {c['id']}: {c['application']} uses {c['reference']} (now {c['version']}).")


def cmd_list(args: argparse.Namespace) -> None:
    from .encode import records

    cli = _cli()
    frame = cli._registry(args).consumers(args.ref, include_ended=args.all)
    if args.json:
        cli._print_json(records(frame))
    else:
        cli._print_frame(frame[SHOWN + USE] if len(frame) else frame)


def cmd_end(args: argparse.Namespace) -> None:
    c = _cli()._registry(args).end_consumer(args.id, reason=args.reason)
    print(f"consumer {c['id']} ({c['application']}) ended.")


def add_commands(sub: Any) -> None:
    co = sub.add_parser("consumers", help="Who uses which model for what.")
    cosub = co.add_subparsers(dest="consumers_command", required=True)
    ad = cosub.add_parser("add", help="Register an application that uses a model.")
    ad.add_argument("ref", help="The bound reference: risk/churn@champion, risk/churn:3, ...")
    ad.add_argument("application")
    ad.add_argument("--owner")
    ad.add_argument("--purpose")
    ad.set_defaults(func=cmd_add)
    ls = cosub.add_parser("list", help="Consumers of a model (or of every model).")
    ls.add_argument("ref", nargs="?")
    ls.add_argument("--all", action="store_true", help="Ended consumers too.")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    en = cosub.add_parser("end", help="Record that a consumer no longer uses its model.")
    en.add_argument("id", type=int)
    en.add_argument("--reason")
    en.set_defaults(func=cmd_end)
