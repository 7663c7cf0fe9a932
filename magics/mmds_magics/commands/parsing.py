"""Argument parsing shared by the sub-commands: IPython's magic_arguments, with UsageErrors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import parse_argstring


def parse(func: Callable[..., Any], line: str) -> Any:
    """Parse ``line`` with the ``@argument`` spec on ``func``; ``--help`` prints help."""
    try:
        return parse_argstring(func, line)
    except SystemExit:
        raise UsageError("See the options above.") from None
