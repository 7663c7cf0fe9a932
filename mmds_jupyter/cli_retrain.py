"""``mmds retrain MODEL`` (queue a retraining by hand, or ``--show`` the definition) and
``mmds retrain-set MODEL NOTEBOOK``: automated retraining."""

from __future__ import annotations

import argparse
import json
from typing import Any


def cmd_retrain(args: argparse.Namespace) -> None:
    from . import cli

    reg = cli._registry(args)
    if args.show:
        shown = reg.retrain_definition(args.model)
        if args.json:
            cli._print_json(shown)
            return
        runs = shown.pop("runs")
        print(f"Retraining of {shown['model']}: {json.dumps(shown, default=str)}")
        for r in runs:
            print(f"  run {r['id']} [{r['status']}] {r['trigger']} {r['created_at']}")
        return
    run = reg.retrain(args.model, reason=args.reason)
    if args.json:
        cli._print_json(run.to_dict())
    else:
        print(f"Queued retraining run {run.id} of {args.model} (job {run.job}).")


def cmd_retrain_set(args: argparse.Namespace) -> None:
    from . import cli
    from .scheduler.spec import parse_parameters

    defined = cli._registry(args).set_retrain(
        args.model,
        args.notebook,
        trigger=args.trigger,
        windows=args.windows,
        cooldown_days=args.cooldown_days,
        train_window=args.train_window,
        schedule=args.schedule,
        parameters=parse_parameters(args.param) or None,
    )
    if args.json:
        cli._print_json(defined)
    else:
        print(f"Retraining of {defined['model']} (job {defined['job']}): "
              f"{json.dumps(defined, default=str)}")  # fmt: skip


def add_commands(sub: Any) -> None:
    """Add ``retrain`` and ``retrain-set`` to the ``mmds`` sub-command parsers."""
    rt = sub.add_parser("retrain", help="Queue a model's retraining now (or --show it).")
    rt.add_argument("model")
    rt.add_argument("--reason", help="Why (passed to the notebook and kept on the version).")
    rt.add_argument("--show", action="store_true", help="Show the definition and its runs.")
    rt.add_argument("--json", action="store_true")
    rt.set_defaults(func=cmd_retrain)
    rs = sub.add_parser("retrain-set", help="Define how a model is retrained (replaces it).")
    rs.add_argument("model")
    rs.add_argument("notebook", help="The parameterised retraining notebook (.ipynb).")
    rs.add_argument("--trigger", help="alert (the default), schedule or manual.")
    rs.add_argument("--windows", type=int, help="Windows an alert must persist (2).")
    rs.add_argument("--cooldown-days", type=float, help="Days before another run (7).")
    rs.add_argument("--train-window", help="The data to train on: 90d (the default), 8w.")
    rs.add_argument("--schedule", help="A cron expression (with --trigger schedule).")
    rs.add_argument("-p", "--param", action="append", help="KEY=VALUE for the notebook.")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_retrain_set)
