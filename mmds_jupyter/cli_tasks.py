"""The ``mmds tasks`` sub-commands: add, list (--mine), complete."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


SHOWN = ["id", "project", "model", "milestone", "title", "assignee", "group", "due", "weight"]


def cmd_add(args: argparse.Namespace) -> None:
    fields = {
        k: getattr(args, k)
        for k in ("description", "assignee", "group", "due", "depends_on", "weight", "milestone")
        if getattr(args, k) is not None
    }
    t = _cli()._registry(args).add_task(args.target, args.title, **fields)
    print(f"task {t['id']}: {t['title']} ({t['model'] or t['project']})")


def cmd_list(args: argparse.Namespace) -> None:
    from .encode import records
    from .governance.tasks import progress

    cli = _cli()
    frame = cli._registry(args).tasks(args.target, mine=args.mine, status=args.status)
    if args.json:
        cli._print_json(records(frame))
        return
    cli._print_frame(frame[[*SHOWN, "status"]] if len(frame) else frame)
    for m, p in progress(frame).items():
        print(f"milestone {m or '(none)'}: {p['progress']:.0%} done ({p['tasks']} task(s))")


def cmd_complete(args: argparse.Namespace) -> None:
    text = Path(args.attachment).read_text() if args.attachment else None
    t = _cli()._registry(args).complete_task(args.id, comment=args.comment, attachment=text)
    print(f"task {t['id']} ({t['title']}) done by {t['completed_by']}.")


def add_commands(sub: Any) -> None:
    ta = sub.add_parser("tasks", help="The tasks of a project's or model's custom process.")
    tasub = ta.add_subparsers(dest="tasks_command", required=True)
    ad = tasub.add_parser("add", help="Add a task to a project (risk) or a model (risk/churn).")
    ad.add_argument("target", help="A project (risk) or a model (risk/churn).")
    ad.add_argument("title")
    ad.add_argument("--description")
    ad.add_argument("--assignee")
    ad.add_argument("--group")
    ad.add_argument("--due", help="ISO date, e.g. 2026-06-30.")
    ad.add_argument("--depends-on", dest="depends_on", type=int, nargs="+")
    ad.add_argument("--weight", type=float)
    ad.add_argument("--milestone")
    ad.set_defaults(func=cmd_add)
    ls = tasub.add_parser("list", help="Tasks of a project or model, or --mine.")
    ls.add_argument("target", nargs="?")
    ls.add_argument("--mine", action="store_true")
    ls.add_argument("--status", choices=["open", "done"])
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    co = tasub.add_parser("complete", help="Complete a task with a comment (and a file).")
    co.add_argument("id", type=int)
    co.add_argument("--comment")
    co.add_argument("--attachment", help="A text file (e.g. a report) kept as evidence.")
    co.set_defaults(func=cmd_complete)
