"""``%mmds load REF --as VAR``: a working estimator into a notebook variable."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("--as", dest="var", required=True, help="Variable to put the estimator in.")
@argument(
    "--trusted",
    action="store_true",
    help="Load a file that holds functions or types outside MMDS's safe list.",
)
def spec(line: str) -> None:
    """Load a version's model file (verified against its hash) into a variable."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    if not a.var.isidentifier():
        raise UsageError(f"--as {a.var!r} is not a valid Python variable name.")
    reg = default_registry()
    version = reg.get(a.ref)
    magics.shell.user_ns[a.var] = reg.load(version, trusted=a.trusted)
    print(f"Loaded {version.ref} ({version.estimator_class.rsplit('.', 1)[-1]}) into {a.var}.")
