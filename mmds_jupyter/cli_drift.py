"""``mmds drift``: drift of a data file, or of a stored score set, against a version's baseline."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_drift(args: argparse.Namespace) -> None:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    report = cli._registry(args).drift(
        args.ref, args.data, score_set=args.score_set, min_rows=args.min_rows
    )
    if args.json:
        cli._print_json(report.to_dict())
        return
    print(repr(report).strip("<>"))
    cli._print_frame(report.to_frame().drop(columns=["ks_p", "chi2_p"]).round(4))


def add_commands(sub: Any) -> None:
    """Add ``drift`` to the ``mmds`` sub-commands."""
    dr = sub.add_parser(
        "drift",
        help="Drift per input and for the score against a version's baseline.",
        description="Drift of --data (a .parquet or .csv file) against REF's baseline, or the "
        "drift stored with a production score set (--score-set ID).",
    )
    dr.add_argument(
        "ref", help="The version (churn:3, churn@champion) or, with --score-set, its model."
    )
    dr.add_argument("--data", help="A .parquet or .csv file of inputs (and score columns).")
    dr.add_argument("--score-set", type=int, help="The id of a stored production score set.")
    dr.add_argument(
        "--min-rows", type=int, help="Fewer rows than this give 'not enough data' (100)."
    )
    dr.add_argument("--json", action="store_true")
    dr.set_defaults(func=cmd_drift)
