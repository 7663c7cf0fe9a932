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
    from IPython.display import HTML, display

    reg = default_registry()
    version = reg.get(parse(spec, line).ref)
    results = reg.scoring_test_results(version, limit=5)
    if not results.empty:
        display(
            HTML(
                "<b>Scoring tests</b>"
                + results[
                    ["test", "passed", "n_rows", "n_mismatched", "max_abs_diff", "ran_at"]
                ].to_html(index=False)
            )
        )
    return version
