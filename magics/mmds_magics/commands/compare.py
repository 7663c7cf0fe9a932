"""``%mmds compare REF REF ...``: versions side by side."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("refs", nargs="+", metavar="REF", help="Two or more references.")
@argument("--html", help="Also write the comparison as an HTML report to this file.")
def spec(line: str) -> None:
    """Compare versions: params, features, metrics and slice metrics, differences marked."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    cmp = default_registry().compare(*a.refs)
    if a.html:
        cmp.to_html(a.html)
    return cmp
