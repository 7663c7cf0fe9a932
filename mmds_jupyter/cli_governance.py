"""``mmds request``, ``approve``, ``reject``, ``requests``, ``attach`` and ``template``: the
life-cycle governance commands (thin: each calls one registry operation)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .errors import InvalidInput


def _reg(args: argparse.Namespace) -> Any:
    from .cli import _registry

    return _registry(args)


def _show(args: argparse.Namespace, req: Any) -> None:
    from .cli import _print_json

    if args.json:
        _print_json(req.to_dict())
    else:
        print(req)


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Cannot read {path}: {exc}") from None


def cmd_request(args: argparse.Namespace) -> None:
    _show(args, _reg(args).request(args.ref, args.stage, comment=args.comment))


def cmd_approve(args: argparse.Namespace) -> None:
    _show(args, _reg(args).approve(args.id, comment=args.comment))


def cmd_reject(args: argparse.Namespace) -> None:
    _show(args, _reg(args).reject(args.id, comment=args.comment))


def cmd_requests(args: argparse.Namespace) -> None:
    from .cli import _print_json

    status = None if args.status == "any" else args.status
    found = _reg(args).requests(args.ref, status=status, waiting_for_me=args.mine)
    if args.json:
        _print_json([r.to_dict() for r in found])
        return
    for r in found:
        print(r)
    if not found:
        print("(nothing)")


def cmd_attach(args: argparse.Namespace) -> None:
    name = args.name or Path(args.file).name
    made = _reg(args).attach(args.ref, args.kind, _read(args.file), name=name)
    print(f"{made['kind']} {made['name']} attached to {made['ref']}.")


def cmd_template_save(args: argparse.Namespace) -> None:
    from .governance.templates import parse

    source = _read(args.file)
    parse(source, args.file)  # errors name the file and the line
    t = _reg(args).save_template(source)
    print(f"template {t['name']} is at version {t['version']}.")


def cmd_template_bind(args: argparse.Namespace) -> None:
    b = _reg(args).bind_template(args.project, args.template)
    print(f"project {b['project']} follows template {b['template']} (version {b['version']}).")


def cmd_template_list(args: argparse.Namespace) -> None:
    from .cli import _print_json

    found = _reg(args).templates()
    if args.json:
        _print_json(found)
        return
    for t in found:
        print(f"{t['name']} v{t['version']}  projects: {', '.join(t['projects']) or '(none)'}")
    if not found:
        print("(nothing)")


def add_commands(sub: Any) -> None:
    rq = sub.add_parser("request", help="Ask to move a version to a stage (gates and approvals).")
    rq.add_argument("ref")
    rq.add_argument("stage")
    rq.add_argument("--comment")
    rq.add_argument("--json", action="store_true")
    rq.set_defaults(func=cmd_request)
    for name, func, what in (
        ("approve", cmd_approve, "Approve a request (the move happens when every gate passes)."),
        ("reject", cmd_reject, "Reject a request (its author may withdraw it)."),
    ):
        p = sub.add_parser(name, help=what)
        p.add_argument("id", type=int)
        p.add_argument("--comment")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)
    ls = sub.add_parser("requests", help="Promotion requests (open ones by default).")
    ls.add_argument("ref", nargs="?")
    ls.add_argument("--status", choices=["open", "done", "rejected", "any"], default="open")
    ls.add_argument("--mine", action="store_true", help="Only those waiting for my approval.")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_requests)
    at = sub.add_parser("attach", help="Attach evidence (e.g. a comparison report) to a version.")
    at.add_argument("ref")
    at.add_argument("kind", help="What it is, e.g. comparison.")
    at.add_argument("file")
    at.add_argument("--name", help="Its name (default: the file's).")
    at.set_defaults(func=cmd_attach)
    tp = sub.add_parser("template", help="Life-cycle templates: save, bind, list.")
    tsub = tp.add_subparsers(dest="template_command", required=True)
    sv = tsub.add_parser("save", help="Store a YAML template as its name's next version.")
    sv.add_argument("file")
    sv.set_defaults(func=cmd_template_save)
    bd = tsub.add_parser("bind", help="Make a project follow a template.")
    bd.add_argument("project")
    bd.add_argument("--template", default="default")
    bd.set_defaults(func=cmd_template_bind)
    tl = tsub.add_parser("list", help="The templates and the projects bound to them.")
    tl.add_argument("--json", action="store_true")
    tl.set_defaults(func=cmd_template_list)
