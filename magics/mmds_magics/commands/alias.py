"""``%mmds alias REF NAME``: point an alias at a version."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("alias", help="Alias name, e.g. champion.")
@argument(
    "--force",
    action="store_true",
    help="Move it even if the new version's contract refuses the last production input.",
)
@argument("--reason", help="Why (kept in the alias history).")
@argument("--request", type=int, help="The id of the request that decided the move.")
def spec(line: str) -> None:
    """Point an alias of the model at this version, moving it from where it was."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    v = default_registry().alias(a.ref, a.alias, force=a.force, reason=a.reason, request=a.request)
    print(f"{v.project}/{v.name}@{a.alias} -> {v.ref}")
