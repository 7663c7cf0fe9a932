"""``mmds evaluate`` (a version on a new data set) and ``mmds report`` (comparison, validation)."""

from __future__ import annotations

import argparse
from typing import Any

from .errors import InvalidInput


def cmd_evaluate(args: argparse.Namespace) -> None:
    from . import cli
    from .scoring.frames import read_input

    data = read_input(args.data)
    if args.target not in data.columns:
        raise InvalidInput(
            f"--target {args.target!r} is not a column of {args.data}; its columns are "
            f"{', '.join(map(str, list(data.columns)[:20]))}."
        )
    y = data.pop(args.target)
    out = cli._registry(args).evaluate(args.ref, data, y, name=args.name, slices=args.slice)
    if args.json:
        cli._print_json(out)
        return
    kept = f"a {out['sample']} sample of {out['n_kept']}" if out["sampled"] else "every row"
    print(f"{args.ref}: evaluation {out['name']!r} on {out['n_rows']} rows (kept {kept})")
    for m in out["metrics"]:
        if m["slice"] is None:
            print(f"  {m['name']:<10} {m['value']}")


def add_commands(sub: Any) -> None:
    """Add ``evaluate`` to the ``mmds`` sub-commands."""
    ev = sub.add_parser(
        "evaluate",
        help="Re-evaluate a version on a new data set; keep its metrics and predictions.",
        description="Score REF on --data (a .parquet or .csv file with the target column "
        "--target) and keep the metrics and predictions as evaluation --name.",
    )
    ev.add_argument("ref", help="The version (churn:3, churn@champion).")
    ev.add_argument("--data", required=True, help="A .parquet or .csv file of inputs and target.")
    ev.add_argument("--target", required=True, help="The column of --data holding the target.")
    ev.add_argument("--name", required=True, help="The evaluation's name, e.g. q3-holdout.")
    ev.add_argument("--slice", action="append", help="A column to compute metrics per value of.")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_evaluate)
