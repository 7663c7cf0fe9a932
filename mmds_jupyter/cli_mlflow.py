"""The ``mmds import mlflow`` and ``mmds export mlflow`` sub-commands (MLflow in and out)."""

from __future__ import annotations

import argparse
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared helpers; imported late because cli imports us

    return cli


def cmd_import_mlflow(args: argparse.Namespace) -> None:
    from .mlflow_io import import_mlflow
    from .mlflow_io.importer import default_progress

    summary = import_mlflow(
        _cli()._registry(args),
        args.tracking_uri,
        experiments=args.experiment or None,
        registered_models=args.registered_models,
        project_from=args.project_from,
        trust_pickles=args.trust_pickles,
        max_runs=args.max_runs,
        progress=None if args.json else default_progress(),
    )
    if args.json:
        _cli()._print_json(summary.to_dict())
    else:
        print(summary)


def cmd_export_mlflow(args: argparse.Namespace) -> None:
    from .mlflow_io import export_mlflow

    path = export_mlflow(_cli()._registry(args), args.ref, args.dir, trusted=args.trusted)
    print(f"Wrote {args.ref} as an MLflow model to {path} (mlflow.pyfunc.load_model loads it).")


def add_commands(sub: Any) -> None:
    """Add ``import mlflow`` and ``export mlflow`` to the ``mmds`` sub-commands."""
    imp = sub.add_parser("import", help="Import models from another tool (MLflow).")
    isub = imp.add_subparsers(dest="import_command", required=True)
    im = isub.add_parser(
        "mlflow",
        help="Import the runs with a logged model of an MLflow tracking store (and its "
        "registered models' aliases and stages); running it again adds only what is new.",
    )
    im.add_argument("--tracking-uri", required=True, help="MLflow tracking URI (http, sqlite, ...)")
    im.add_argument(
        "--experiment", nargs="+", action="extend", metavar="NAME", help="Only these experiments."
    )
    im.add_argument(
        "--registered-models",
        action="store_true",
        help="Also the model registry: registered versions' aliases and stages, and the "
        "registered model's name as the model's name.",
    )
    im.add_argument(
        "--project-from",
        default="experiment",
        metavar="experiment|tag:KEY",
        help="Name each run's project after its experiment (default) or a run tag.",
    )
    im.add_argument(
        "--trust-pickles",
        action="store_true",
        help="Unpickle scikit-learn models to describe them (only if you trust whoever logged "
        "them); without it their files are stored, not loadable until trusted.",
    )
    im.add_argument("--max-runs", type=int, metavar="N", help="Stop after N new versions.")
    im.add_argument("--json", action="store_true")
    im.set_defaults(func=cmd_import_mlflow)

    exp = sub.add_parser("export", help="Export a version for another tool (MLflow).")
    esub = exp.add_subparsers(dest="export_command", required=True)
    em = esub.add_parser("mlflow", help="Write a version as an MLflow model directory.")
    em.add_argument("ref")
    em.add_argument("dir")
    em.add_argument("--trusted", action="store_true", help="Load a model file holding functions.")
    em.set_defaults(func=cmd_export_mlflow)
