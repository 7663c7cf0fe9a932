"""``mmds monitor set|check|show`` and ``mmds alerts [list|ack|resolve]``: decay monitoring."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .errors import InvalidInput


def _thresholds(items: list[str] | None) -> dict[str, list[float]] | None:
    """``psi=0.1,0.25`` pairs (warning, alert) as a dict."""
    if not items:
        return None
    out: dict[str, list[float]] = {}
    for item in items:
        name, _, pair = item.partition("=")
        try:
            out[name] = [float(x) for x in pair.split(",")]
        except ValueError:
            raise InvalidInput(
                f"--threshold is MEASURE=WARNING,ALERT (e.g. psi=0.1,0.25), not {item!r}."
            ) from None
    return out


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n for n in text.split(",") if n]


def cmd_monitor_set(args: argparse.Namespace) -> None:
    from . import cli

    defined = cli._registry(args).set_monitor(
        args.model,
        reference=args.reference,
        window=args.window,
        metrics=_names(args.metrics),
        drift=_names(args.drift),
        thresholds=_thresholds(args.threshold),
        min_rows=args.min_rows,
        min_positives=args.min_positives,
    )
    if args.json:
        cli._print_json(defined)
    else:
        print(f"Monitor of {defined['model']}: {json.dumps(defined, default=str)}")


def cmd_monitor_check(args: argparse.Namespace) -> None:
    import pandas as pd

    from . import cli

    checked = cli._registry(args).check_monitor(args.model)
    if args.json:
        cli._print_json(checked)
        return
    frame = pd.DataFrame(checked["checks"])
    if frame.empty:
        print(f"{checked['model']}: no production rows of {checked['ref']} to judge yet.")
        return
    cli._print_frame(frame[["window", "measure", "rows", "value", "verdict", "message"]])
    print(f"{len(checked['alerts'])} alert(s) opened.")


def cmd_monitor_show(args: argparse.Namespace) -> None:
    from . import cli

    view = cli._registry(args).monitor(args.model)
    if args.json:
        cli._print_json(view.data)
        return
    if args.html:
        from .files import atomic_write
        from .render import page

        atomic_write(
            Path(args.html).expanduser(),
            page(f"Monitoring of {view['model']}", view._repr_html_()).encode("utf-8"),
        )
        print(f"Wrote {args.html}")
    for note in view["notes"]:
        print(note)
    for w in view["windows"]:
        print(f"{w['window']}  {w['rows']} rows, {w['labelled_share']:.0%} labelled")
    print(f"{len(view['alerts'])} open alert(s); {len(view['charts'])} chart(s) (--html FILE).")


def cmd_alerts(args: argparse.Namespace) -> None:
    from . import cli

    reg = cli._registry(args)
    if args.action in ("ack", "resolve"):
        if args.id is None:
            raise InvalidInput(f"Name the alert: mmds alerts {args.action} ID.")
        change = reg.acknowledge_alert if args.action == "ack" else reg.resolve_alert
        done = change(args.id, note=args.note)
        if args.json:
            cli._print_json(done)
        else:
            print(f"Alert {done['id']} ({done['measure']}, {done['window']}) is {done['status']}.")
        return
    frame = reg.alerts(args.model, args.status)
    if args.json:
        cli._print_json(cli.records(frame))
    else:
        cli._print_frame(frame)


def cmd_champion_challenger(args: argparse.Namespace) -> None:
    import pandas as pd

    from . import cli

    found = cli._registry(args).champion_challenger(args.model, args.champion, args.challenger)
    if args.json:
        cli._print_json(found)
        return
    print(f"{found['champion']} vs {found['challenger']} on {found['rows']} labelled rows:")
    if found["metrics"]:
        cli._print_frame(pd.DataFrame(found["metrics"]))
    print(found["verdict"])


def add_commands(sub: Any) -> None:
    """Add ``monitor`` and ``alerts`` to the ``mmds`` sub-commands."""
    mo = sub.add_parser("monitor", help="Define or check a model's decay monitor.")
    mo_sub = mo.add_subparsers(dest="monitor_command", required=True)
    ms = mo_sub.add_parser("set", help="Define how a model is monitored (replaces it).")
    ms.add_argument("model")
    ms.add_argument("--reference", help="The version or alias judged (default champion).")
    ms.add_argument("--window", help="day, week or month (default week).")
    ms.add_argument("--metrics", help="Comma-separated, e.g. roc_auc,accuracy (default by task).")
    ms.add_argument("--drift", help="Comma-separated, e.g. psi,share_drifting (the default).")
    ms.add_argument(
        "--threshold",
        action="append",
        help="MEASURE=WARNING,ALERT, e.g. psi=0.1,0.25 (repeatable; defaults per measure).",
    )
    ms.add_argument("--min-rows", type=int, help="Rows a window needs to be judged (500).")
    ms.add_argument("--min-positives", type=int, help="Positives it needs for metrics (30).")
    ms.add_argument("--json", action="store_true")
    ms.set_defaults(func=cmd_monitor_set)
    mc = mo_sub.add_parser("check", help="Judge every window now; opens alerts for findings.")
    mc.add_argument("model")
    mc.add_argument("--json", action="store_true")
    mc.set_defaults(func=cmd_monitor_check)
    mv = mo_sub.add_parser("show", help="The monitoring view: windows, alerts, charts (--html).")
    mv.add_argument("model")
    mv.add_argument("--html", help="Write the view with its charts to this HTML file.")
    mv.add_argument("--json", action="store_true")
    mv.set_defaults(func=cmd_monitor_show)

    cc = sub.add_parser(
        "champion-challenger", help="Compare champion and challenger with paired tests."
    )
    cc.add_argument("model")
    cc.add_argument("--champion", default="champion", help="An alias or version number.")
    cc.add_argument("--challenger", default="challenger", help="An alias or version number.")
    cc.add_argument("--json", action="store_true")
    cc.set_defaults(func=cmd_champion_challenger)

    al = sub.add_parser("alerts", help="List, acknowledge or resolve monitoring alerts.")
    al.add_argument("action", nargs="?", choices=["list", "ack", "resolve"], default="list")
    al.add_argument("id", nargs="?", type=int, help="The alert (ack, resolve).")
    al.add_argument("--model", help="Only this model's alerts (list).")
    al.add_argument("--status", help="open, acknowledged or resolved (list).")
    al.add_argument("--note", help="Why (ack, resolve).")
    al.add_argument("--json", action="store_true")
    al.set_defaults(func=cmd_alerts)
