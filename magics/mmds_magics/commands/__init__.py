"""One module per ``%mmds`` sub-command; each has ``run(magics, line, cell)``."""

from __future__ import annotations

import textwrap
from typing import Any

from . import (
    alias,
    alias_history,
    annotate,
    compare,
    contract,
    drift,
    events,
    lineage,
    listing,
    load,
    monitor,
    pmml,
    report,
    request,
    schedule,
    score,
    show,
    stage,
    test,
    track,
)

COMMANDS: dict[str, Any] = {
    "track": track,
    "list": listing,
    "show": show,
    "compare": compare,
    "lineage": lineage,
    "report": report,
    "load": load,
    "alias": alias,
    "alias-history": alias_history.History,
    "rollback": alias_history.Rollback,
    "stage": stage,
    "request": request.Request,
    "approve": request.Approve,
    "reject": request.Reject,
    "requests": request.Requests,
    "tag": annotate.Tag,
    "untag": annotate.Untag,
    "describe": annotate.Describe,
    "events": events,
    "score": score,
    "contract": contract,
    "drift": drift,
    "monitor": monitor.Monitor,
    "alerts": monitor.Alerts,
    "test": test,
    "export-pmml": pmml.Export,
    "import-pmml": pmml.Import,
    "schedule": schedule,
}

for _name, _command in COMMANDS.items():
    # Usage and --help name the sub-command as the user types it, not the spec function.
    _command.spec.parser.prog = f"mmds {_name}"


def _signature(parser: Any) -> str:
    """The positional arguments and required options of a sub-command, as in its usage line."""
    words = []
    for action in parser._actions:
        metavar = action.metavar or action.dest.upper()
        if isinstance(metavar, tuple):
            metavar = " ".join(metavar)
        if not action.option_strings:
            word = {"?": f"[{metavar}]", "+": f"{metavar} ...", "*": f"[{metavar} ...]"}
            words.append(word.get(action.nargs, metavar))
        elif action.required:
            words.append(f"{action.option_strings[-1]} {metavar}")
    return " ".join(words)


def _options(parser: Any) -> list[str]:
    """Every option of a sub-command, its spellings joined (``-p/--param``)."""
    return ["/".join(a.option_strings) for a in parser._actions if a.option_strings]


def summary() -> str:
    """Each sub-command with its usage, what it does and its options, made from the parsers of
    the COMMANDS table so that the help cannot drift from what the sub-commands accept."""
    lines = []
    for name, command in COMMANDS.items():
        parser = command.spec.parser
        about = " ".join((parser.description or "").split())
        about = about.split(". ")[0].rstrip(".")
        lines.append(f"  {name} {_signature(parser)}".rstrip())
        lines.append(f"      {about}.")
        options = _options(parser)
        if options:
            lines += textwrap.wrap(
                " ".join(options),
                width=96,
                initial_indent="      options: ",
                subsequent_indent="               ",
                break_on_hyphens=False,
            )
    return "\n".join(lines)


def help_text(name: str) -> str:
    """The usage and options of one sub-command (what ``%mmds NAME --help`` prints)."""
    return str(COMMANDS[name].spec.parser.format_help())
