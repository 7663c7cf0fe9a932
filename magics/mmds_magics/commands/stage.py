"""``%mmds stage REF STAGE``: move a version through its life cycle."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("stage", help="development, validation, production, retired or archived.")
@argument("--reason", help="Why, recorded in the event log.")
@argument("--force", action="store_true", help="Retiring: remove the version's aliases.")
def spec(line: str) -> None:
    """Move a version to another life-cycle stage."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    v = default_registry().set_stage(a.ref, a.stage, reason=a.reason, force=a.force)
    print(f"{v.ref} is now in {v.stage}.")
