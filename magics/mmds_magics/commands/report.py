"""``%mmds report REF [REF ...]``: a comparison (or, of one version, validation) report."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("refs", nargs="+", metavar="REF", help="Two or more versions, or one to validate.")
@argument("--validation", action="store_true", help="A validation report of one version.")
@argument("--threshold", type=float, default=0.5, help="Score of the second confusion matrix.")
@argument("--html", help="Also write the report to this HTML file.")
@argument("--pdf", help="Also write the report to this PDF file.")
def spec(line: str) -> None:
    """Report on versions: summary, curves, slices, features, data, lineage, provenance."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    kind = "validation" if a.validation else None
    made = default_registry().report(*a.refs, kind=kind, threshold=a.threshold)
    if a.html:
        made.to_html(a.html)
    if a.pdf:
        made.to_pdf(a.pdf)
    return made
