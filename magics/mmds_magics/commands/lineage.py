"""``%mmds lineage REF``: data sets, parents and children of a version."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("--depth", type=int, default=3, help="How many steps up and down (default 3).")
def spec(line: str) -> None:
    """Draw the lineage of a version."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    return default_registry().lineage(a.ref, depth=a.depth)
