"""``%mmds test REF``: run the scoring tests of a version."""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("--name", help="Only the scoring test of this name.")
def spec(line: str) -> None:
    """Run a version's scoring tests (and its model's) and record the results."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    results = default_registry().run_scoring_tests(a.ref, name=a.name)
    columns = ["test", "test_id", "passed", "n_rows", "n_mismatched", "max_abs_diff"]
    return pd.DataFrame(results)[[*columns, "duration_s", "ran_at"]]
