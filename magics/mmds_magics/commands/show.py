"""``%mmds show REF``: one version."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
def spec(line: str) -> None:
    """Show one version: estimator, stage, metrics, features, provenance."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    return default_registry().get(parse(spec, line).ref)
