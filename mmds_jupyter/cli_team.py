"""The ``mmds server``, ``mmds users`` and ``mmds tokens`` sub-commands (team mode).

``users`` and ``tokens`` act on the database at ``--url`` directly: they are for the
administrator of `mmds server`, who holds its database URL.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import pandas as pd


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


def _identities(args: argparse.Namespace) -> Any:
    return _cli()._registry(args).identities()


def cmd_users_add(args: argparse.Namespace) -> None:
    user = _identities(args).add_user(args.name)
    print(f"Added user {user.name}; give them a token with `mmds tokens create {user.name}`.")


def cmd_users_list(args: argparse.Namespace) -> None:
    rows = [u.to_dict() for u in _identities(args).users()]
    if args.json:
        _cli()._print_json(rows)
    else:
        _cli()._print_frame(pd.DataFrame(rows), ["name", "disabled", "created_at", "created_by"])


def cmd_users_disable(args: argparse.Namespace) -> None:
    user = _identities(args).disable_user(args.name)
    print(f"Disabled user {user.name}: their tokens are refused from the next request on.")


def cmd_tokens_create(args: argparse.Namespace) -> None:
    token, secret = _identities(args).create_token(args.user, args.name, args.expires_days)
    if args.json:
        _cli()._print_json({**token.to_dict(token.created_at), "token": secret})
        return
    until = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "no expiry"
    print(f"Created token {token.id} of {token.user} ({until}). It is shown only this once:")
    print(secret)


def cmd_tokens_list(args: argparse.Namespace) -> None:
    from .auth.identities import now_utc

    now = now_utc()
    rows = [t.to_dict(now) for t in _identities(args).tokens(args.user)]
    if args.json:
        _cli()._print_json(rows)
    else:
        _cli()._print_frame(
            pd.DataFrame(rows), ["id", "user", "name", "state", "created_at", "expires_at"]
        )


def cmd_tokens_revoke(args: argparse.Namespace) -> None:
    token = _identities(args).revoke_token(args.id)
    print(f"Revoked token {token.id} of {token.user}: it is refused from the next request on.")


def add_commands(sub: Any) -> None:
    """Add ``users``, ``tokens`` and (for --help) ``server`` to the ``mmds`` sub-commands."""
    sub.add_parser(
        "server",
        help="Run the central MMDS server for a team (mmds server --help lists its options).",
        add_help=False,
    )
    users = sub.add_parser("users", help="Users of `mmds server` (acts on the database).")
    usub = users.add_subparsers(dest="users_command", required=True)
    ad = usub.add_parser("add", help="Add a user.")
    ad.add_argument("name")
    ad.set_defaults(func=cmd_users_add)
    ls = usub.add_parser("list", help="List users.")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_users_list)
    di = usub.add_parser("disable", help="Refuse every token of a user from now on.")
    di.add_argument("name")
    di.set_defaults(func=cmd_users_disable)

    tokens = sub.add_parser("tokens", help="API tokens of users (acts on the database).")
    tsub = tokens.add_subparsers(dest="tokens_command", required=True)
    cr = tsub.add_parser("create", help="Create a token; it is printed once, stored hashed.")
    cr.add_argument("user")
    cr.add_argument("--name", help="What the token is for (e.g. 'laptop').")
    cr.add_argument("--expires-days", type=float, metavar="N", help="Expire after N days.")
    cr.add_argument("--json", action="store_true")
    cr.set_defaults(func=cmd_tokens_create)
    tl = tsub.add_parser("list", help="List tokens (all, or one user's); never their secrets.")
    tl.add_argument("user", nargs="?")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(func=cmd_tokens_list)
    rv = tsub.add_parser("revoke", help="Refuse a token from the next request on.")
    rv.add_argument("id")
    rv.set_defaults(func=cmd_tokens_revoke)


def server_arguments(words: Sequence[str]) -> list[str] | None:
    """The arguments of ``mmds [--url U] [--home H] server ...`` for the server, else None.

    The server parses its own options (traitlets), so they bypass argparse; ``--url`` and
    ``--home`` before ``server`` become its database URL and artifact root.
    """
    given: list[str] = []
    i = 0
    while i < len(words) and words[i].startswith("--"):
        word = words[i]
        name, eq, value = word.partition("=")
        if name not in ("--url", "--home"):
            return None
        if not eq:
            if i + 1 >= len(words):
                return None
            value = words[i + 1]
            i += 1
        given.append(f"--{'db-url' if name == '--url' else 'artifact-root'}={value}")
        i += 1
    if i >= len(words) or words[i] != "server":
        return None
    return [*given, *words[i + 1 :]]


def serve(argv: list[str]) -> int:
    from .server.standalone import main

    return main(argv)
