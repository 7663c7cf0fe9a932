"""``%mmds contract REF``: view (or set the policy of) a version's score contract."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument(
    "--policy",
    choices=["reject", "flag"],
    help="What scoring does with out-of-domain values: reject the batch or flag rows.",
)
def spec(line: str) -> None:
    """Show the required inputs and outputs of a version; --policy changes the policy."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    return default_registry().contract(a.ref, policy=a.policy)
