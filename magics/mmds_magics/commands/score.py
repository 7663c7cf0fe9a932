"""``%mmds score REF --data VAR``: check data against the contract and score it."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.scoring.contract import POLICIES

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("--data", required=True, help="Variable holding a DataFrame, or a .parquet/.csv path.")
@argument("--key", help="Column that identifies rows (kept in the outputs).")
@argument(
    "--passthrough", action="extend", nargs="+", default=[], help="Other columns to carry along."
)
@argument(
    "--production",
    action="store_true",
    help="Store the outputs as a score set in the score repository (default: test mode); "
    "the version must be in production.",
)
@argument(
    "--shadow",
    action="store_true",
    help="Store a shadow score set from a version in validation, beside production.",
)
@argument(
    "--replace",
    action="store_true",
    help="Replace the score set of this same input stored earlier by this version.",
)
@argument(
    "--policy",
    choices=POLICIES,
    help="Override the contract's out-of-domain policy: flag (score and flag rows) or reject.",
)
@argument(
    "--strict",
    action=argparse.BooleanOptionalAction,
    help="Refuse (--strict) or ignore (--no-strict) columns the contract does not name.",
)
@argument(
    "--trusted",
    action="store_true",
    help="Load a model file that holds types MMDS refuses by default (only if you trust it).",
)
@argument("--as", dest="var", help="Also put the outputs DataFrame in this variable.")
def spec(line: str) -> None:
    """Score data with a version after checking it against the score contract."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    data = a.data
    if data in magics.shell.user_ns or not any(data.endswith(s) for s in (".parquet", ".csv")):
        data = magics.evaluate(a.data, "The data")
    result = default_registry().score(
        a.ref,
        data,
        mode=_mode(a),
        key=a.key,
        passthrough=a.passthrough,
        policy=a.policy,
        strict=a.strict,
        replace=a.replace,
        trusted=a.trusted,
    )
    if a.var:
        magics.shell.user_ns[a.var] = result.outputs
    return result


def _mode(a: Any) -> str:
    if a.production and a.shadow:
        raise UsageError("Give --production or --shadow, not both.")
    return "production" if a.production else "shadow" if a.shadow else "test"
