"""The ``mmds server``, ``users``, ``tokens``, ``groups`` and ``grant``/``revoke``/``grants``
sub-commands (team mode).

``users``, ``tokens`` and ``groups`` act on the database at ``--url`` directly: they are for the
administrator of `mmds server`, who holds its database URL. ``grant``, ``revoke`` and ``grants``
are registry operations: on the database for its administrator, or through `mmds server`
(MMDS_URL=https://...) for a project's owner.
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
    identities = _identities(args)
    user = identities.add_user(args.name)
    for group in args.group or ():
        identities.add_member(group, user.name)
    print(f"Added user {user.name}; give them a token with `mmds tokens create {user.name}`.")


def cmd_groups_add(args: argparse.Namespace) -> None:
    _identities(args).add_member(args.group, args.user)
    print(f"{args.user} is a member of {args.group} (its roles count from the next request on).")


def cmd_groups_remove(args: argparse.Namespace) -> None:
    _identities(args).remove_member(args.group, args.user)
    print(f"{args.user} is no longer a member of {args.group}.")


def cmd_groups_list(args: argparse.Namespace) -> None:
    rows = [{"group": g, "user": u} for g, u in _identities(args).members()]
    if args.json:
        _cli()._print_json(rows)
    else:
        _cli()._print_frame(pd.DataFrame(rows, columns=["group", "user"]), ["group", "user"])


def _who(grant: Any) -> str:
    return f"{grant.kind} {grant.principal}"


def cmd_grant(args: argparse.Namespace) -> None:
    grant = _cli()._registry(args).grant(args.role, args.project, args.user, args.group)
    where = f"in project {grant.project}" if grant.project else "on the whole server"
    print(f"Granted {grant.role} {where} to {_who(grant)}; it counts from the next request on.")


def cmd_revoke(args: argparse.Namespace) -> None:
    grant = _cli()._registry(args).revoke(args.role, args.project, args.user, args.group)
    where = f"in project {grant.project}" if grant.project else "on the whole server"
    print(f"Revoked {grant.role} {where} from {_who(grant)}; refused from the next request on.")


def cmd_grants(args: argparse.Namespace) -> None:
    rows = [g.to_dict() for g in _cli()._registry(args).grants(args.project)]
    if args.json:
        _cli()._print_json(rows)
    else:
        cols = ["project", "role", "kind", "principal", "created_by", "created_at"]
        _cli()._print_frame(pd.DataFrame(rows, columns=cols), cols)


def cmd_permissions(args: argparse.Namespace) -> None:
    allowed = _cli()._registry(args).permissions(args.ref)
    if args.json:
        _cli()._print_json(allowed)
        return
    print(f"{allowed['user']} may, on {allowed['ref']}:")
    print("  operations: " + ", ".join(allowed["operations"]))
    print("  move it to: " + (", ".join(allowed["stages"]) or "(no stage)"))
    for alias, may in allowed["aliases"].items():
        print(f"  set @{alias}: {'yes' if may else 'no'}")


def _grant_arguments(parser: Any) -> None:
    from .auth.permissions import ADMIN_ROLE, ROLES

    parser.add_argument("role", choices=[*ROLES, ADMIN_ROLE])
    parser.add_argument("--project", help="The project (none for the server-wide admin role).")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="A user name.")
    who.add_argument("--group", help="A group (of `mmds groups`, or a JupyterHub group).")


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
    token, secret = _identities(args).create_token(
        args.user, args.name, args.expires_days, args.project
    )
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
            pd.DataFrame(rows),
            ["id", "user", "name", "state", "projects", "created_at", "expires_at"],
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
    ad.add_argument("--group", action="append", help="Add them to this group (repeatable).")
    ad.set_defaults(func=cmd_users_add)
    ls = usub.add_parser("list", help="List users.")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_users_list)
    di = usub.add_parser(
        "disable",
        help="Refuse every token of a user from now on (and, on mmds server --hub, the "
        "JupyterHub user of that name).",
    )
    di.add_argument("name")
    di.set_defaults(func=cmd_users_disable)

    tokens = sub.add_parser("tokens", help="API tokens of users (acts on the database).")
    tsub = tokens.add_subparsers(dest="tokens_command", required=True)
    cr = tsub.add_parser("create", help="Create a token; it is printed once, stored hashed.")
    cr.add_argument("user")
    cr.add_argument("--name", help="What the token is for (e.g. 'laptop').")
    cr.add_argument("--expires-days", type=float, metavar="N", help="Expire after N days.")
    cr.add_argument(
        "--project",
        action="append",
        help="Let the token act in this project only (repeatable); default: wherever the user may.",
    )
    cr.add_argument("--json", action="store_true")
    cr.set_defaults(func=cmd_tokens_create)
    tl = tsub.add_parser("list", help="List tokens (all, or one user's); never their secrets.")
    tl.add_argument("user", nargs="?")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(func=cmd_tokens_list)
    rv = tsub.add_parser("revoke", help="Refuse a token from the next request on.")
    rv.add_argument("id")
    rv.set_defaults(func=cmd_tokens_revoke)

    groups = sub.add_parser("groups", help="Groups of users (acts on the database).")
    gsub = groups.add_subparsers(dest="groups_command", required=True)
    ga = gsub.add_parser("add-member", help="Add a user to a group.")
    ga.add_argument("group")
    ga.add_argument("user")
    ga.set_defaults(func=cmd_groups_add)
    gr = gsub.add_parser("remove-member", help="Remove a user from a group.")
    gr.add_argument("group")
    gr.add_argument("user")
    gr.set_defaults(func=cmd_groups_remove)
    gl = gsub.add_parser("list", help="List groups and their members.")
    gl.add_argument("--json", action="store_true")
    gl.set_defaults(func=cmd_groups_list)

    grant = sub.add_parser(
        "grant",
        help="Give a role in a project to a user or group (viewer, consumer, modeller, "
        "validator, approver, owner; admin is server-wide).",
    )
    _grant_arguments(grant)
    grant.set_defaults(func=cmd_grant)
    revoke = sub.add_parser("revoke", help="Take back a role granted with `mmds grant`.")
    _grant_arguments(revoke)
    revoke.set_defaults(func=cmd_revoke)
    grants = sub.add_parser("grants", help="List the roles granted (of one project).")
    grants.add_argument("--project")
    grants.add_argument("--json", action="store_true")
    grants.set_defaults(func=cmd_grants)
    allowed = sub.add_parser(
        "permissions", help="What you may do to a version (your roles, on `mmds server`)."
    )
    allowed.add_argument("ref")
    allowed.add_argument("--json", action="store_true")
    allowed.set_defaults(func=cmd_permissions)


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
