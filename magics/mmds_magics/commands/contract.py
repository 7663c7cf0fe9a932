"""``%mmds contract REF``: view (or set the policy of) a version's score contract."""

from __future__ import annotations

import argparse
from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.scoring.contract import POLICIES

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument(
    "--policy",
    choices=POLICIES,
    help="What scoring does with out-of-domain values: flag the rows or reject the batch.",
)
@argument(
    "--strict",
    action=argparse.BooleanOptionalAction,
    help="Refuse (--strict) or ignore (--no-strict) columns the contract does not name.",
)
def spec(line: str) -> None:
    """Show the inputs and outputs of a version; --policy and --strict change the contract."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    return default_registry().contract(a.ref, policy=a.policy, strict=a.strict)
