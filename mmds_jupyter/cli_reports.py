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


def cmd_report(args: argparse.Namespace) -> None:
    from . import cli

    kind = "validation" if args.validation else None
    made = cli._registry(args).report(*args.refs, kind=kind, threshold=args.threshold)
    if not (args.html or args.pdf):
        raise InvalidInput("Say where to write the report: --html FILE and/or --pdf FILE.")
    if args.html:
        made.to_html(args.html)
        print(f"Wrote {args.html}")
    if args.pdf:
        made.to_pdf(args.pdf)
        print(f"Wrote {args.pdf}")


def add_commands(sub: Any) -> None:
    """Add ``evaluate`` and ``report`` to the ``mmds`` sub-commands."""
    rp = sub.add_parser(
        "report",
        help="A comparison report of versions (or a validation report of one) as HTML or PDF.",
        description="Summary with paired intervals, curves, slices, features, data sets, "
        "lineage and provenance of REFs; kept as evidence with the versions.",
    )
    rp.add_argument("refs", nargs="+", metavar="REF")
    rp.add_argument("--validation", action="store_true", help="A validation report of one REF.")
    rp.add_argument(
        "--threshold", type=float, default=0.5, help="Cut of the second confusion matrix."
    )
    rp.add_argument("--html", help="Write the report to this HTML file.")
    rp.add_argument("--pdf", help="Write the report to this PDF file (needs WeasyPrint).")
    rp.set_defaults(func=cmd_report)
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
