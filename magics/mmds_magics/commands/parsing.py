"""Argument parsing shared by the sub-commands: IPython's magic_arguments, with UsageErrors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.utils.process import arg_split

from mmds_jupyter.search import glue_descending


def parse(func: Callable[..., Any], line: str) -> Any:
    """Parse ``line`` with the ``@argument`` spec on ``func``; ``--help`` prints help."""
    try:
        words = arg_split(line, strict=True)
    except ValueError as exc:
        raise UsageError(f"Cannot read the arguments ({exc}); check the quotes.") from None
    try:
        return func.parser.parse_args(glue_descending(words))  # type: ignore[attr-defined]
    except SystemExit:
        raise UsageError("See the options above.") from None
