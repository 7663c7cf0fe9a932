"""The ``mmds archive``, ``restore``, ``hold``, ``release`` and ``purge`` commands: archive
and retention of versions (governance/retention.py)."""

from __future__ import annotations

import argparse
from typing import Any

from .errors import InvalidInput


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


def cmd_archive(args: argparse.Namespace) -> None:
    reg = _cli()._registry(args)
    if args.due:
        if args.ref:
            raise InvalidInput("mmds archive: give a version or --due, not both.")
        done = reg.archive_due()
        for r in done:
            print(f"{r['ref']}: {r['status']} ({r['message']})")
        if not done:
            print("No retired version is due for archiving.")
        return
    if not args.ref:
        raise InvalidInput("mmds archive: name the version (risk/churn:3), or --due for the sweep.")
    v = reg.archive(args.ref, reason=args.reason, force=args.force)
    print(f"{v.ref} archived: its files are in the cold artifact root.")


def cmd_restore(args: argparse.Namespace) -> None:
    v = _cli()._registry(args).restore(args.ref, reason=args.reason)
    print(f"{v.ref} restored to {v.stage}.")


def cmd_hold(args: argparse.Namespace) -> None:
    h = _cli()._registry(args).hold(args.ref, args.reason)
    print(f"{h['ref']} is under legal hold: {h['reason']}")


def cmd_release(args: argparse.Namespace) -> None:
    h = _cli()._registry(args).release(args.ref, reason=args.reason)
    print(f"{h['ref']}: legal hold released.")


def cmd_purge(args: argparse.Namespace) -> None:
    p = _cli()._registry(args).purge(args.ref, args.reason)
    print(f"{p['ref']} purged; its tombstone keeps sha256 {p['artifact_sha256']}.")


def add_commands(sub: Any) -> None:
    ar = sub.add_parser(
        "archive", help="Archive a retired version (files to the cold root), or --due: the sweep."
    )
    ar.add_argument("ref", nargs="?")
    ar.add_argument("--due", action="store_true", help="Archive every retired version due.")
    ar.add_argument("--reason")
    ar.add_argument("--force", action="store_true", help="Even if consumers use it (+ reason).")
    ar.set_defaults(func=cmd_archive)
    re = sub.add_parser("restore", help="Bring an archived version back (files hot again).")
    re.add_argument("ref")
    re.add_argument("--reason")
    re.set_defaults(func=cmd_restore)
    ho = sub.add_parser("hold", help="Put a version under legal hold (no archive, no purge).")
    ho.add_argument("ref")
    ho.add_argument("--reason", required=True)
    ho.set_defaults(func=cmd_hold)
    rl = sub.add_parser("release", help="Release a version's legal hold.")
    rl.add_argument("ref")
    rl.add_argument("--reason")
    rl.set_defaults(func=cmd_release)
    pu = sub.add_parser("purge", help="Delete a retired/archived version's files (owner only).")
    pu.add_argument("ref")
    pu.add_argument("--reason", required=True)
    pu.set_defaults(func=cmd_purge)
