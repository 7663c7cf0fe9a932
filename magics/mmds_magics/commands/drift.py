"""``%mmds drift REF --data VAR`` / ``--score-set N``: drift against a version's baseline."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]; with --score-set, its model.")
@argument("--data", help="Variable holding a DataFrame, or a .parquet/.csv path.")
@argument("--score-set", type=int, help="The id of a stored production score set.")
@argument("--min-rows", type=int, help="Fewer rows than this give 'not enough data' (100).")
def spec(line: str) -> None:
    """Drift per input and for the score against a version's baseline."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    data = a.data
    if data is not None and (
        data in magics.shell.user_ns or not any(data.endswith(s) for s in (".parquet", ".csv"))
    ):
        data = magics.evaluate(a.data, "The data")
    return default_registry().drift(a.ref, data, score_set=a.score_set, min_rows=a.min_rows)
