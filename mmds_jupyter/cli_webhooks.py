"""The ``mmds webhooks`` sub-commands: add, list, remove, deliveries, deliver."""

from __future__ import annotations

import argparse
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


def cmd_add(args: argparse.Namespace) -> None:
    w = _cli()._registry(args).add_webhook(args.project, args.hook_url, args.events, args.secret)
    print(f"webhook {w['id']}: {', '.join(w['events'])} of {w['project']} -> {w['url']}")
    if not args.secret:
        print(f"secret (shown only now): {w['secret']}")


def cmd_list(args: argparse.Namespace) -> None:
    cli = _cli()
    found = cli._registry(args).webhooks(args.project)
    if args.json:
        cli._print_json(found)
        return
    for w in found:
        print(f"{w['id']}  {w['project']}  {','.join(w['events'])}  {w['url']}")
    if not found:
        print("No webhooks.")


def cmd_remove(args: argparse.Namespace) -> None:
    w = _cli()._registry(args).remove_webhook(args.id)
    print(f"webhook {w['id']} ({w['url']}) removed.")


def cmd_deliveries(args: argparse.Namespace) -> None:
    cli = _cli()
    found = cli._registry(args).webhook_deliveries(args.id, args.status)
    if args.json:
        cli._print_json(found)
        return
    for d in found:
        err = f"  {d['last_error']}" if d["last_error"] else ""
        print(f"{d['id']}  event {d['event_id']} {d['action']}  {d['status']}  "
              f"attempts {d['attempts']}{err}")  # fmt: skip


def cmd_deliver(args: argparse.Namespace) -> None:
    n = _cli()._registry(args).deliver_webhooks()
    print(", ".join(f"{k} {v}" for k, v in n.items()))


def add_commands(sub: Any) -> None:
    wh = sub.add_parser("webhooks", help="Signed POSTs of a project's events to other systems.")
    whsub = wh.add_subparsers(dest="webhooks_command", required=True)
    ad = whsub.add_parser("add", help="POST a project's events of these types to a URL.")
    ad.add_argument("project")
    ad.add_argument("hook_url", metavar="url")  # not "url": that is the registry's --url
    ad.add_argument(
        "--events", nargs="+", required=True, help="Event types: request, alias, alert, ... or *."
    )
    ad.add_argument("--secret", help="HMAC secret (16+ characters); made when left out.")
    ad.set_defaults(func=cmd_add)
    ls = whsub.add_parser("list", help="The active webhooks (never their secrets).")
    ls.add_argument("--project")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    rm = whsub.add_parser("remove", help="Stop a webhook (its records stay).")
    rm.add_argument("id", type=int)
    rm.set_defaults(func=cmd_remove)
    de = whsub.add_parser("deliveries", help="A webhook's delivery records.")
    de.add_argument("id", type=int)
    de.add_argument("--status", choices=["pending", "delivered", "failed"])
    de.add_argument("--json", action="store_true")
    de.set_defaults(func=cmd_deliveries)
    dl = whsub.add_parser("deliver", help="One delivery pass (mmds scheduler does it by itself).")
    dl.set_defaults(func=cmd_deliver)
