"""Argument parsing shared by the sub-commands: IPython's magic_arguments, with UsageErrors.

A magic line is split like a shell line: quotes group words and are removed
(``--reason 'from the notebook'``). IPython has already expanded ``$name`` and ``{expression}``
in the line before the magic is called, so nothing is expanded here a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from IPython.core.error import UsageError
from IPython.utils.process import arg_split

from mmds_jupyter.search import glue_descending


class HelpShown(Exception):
    """``--help`` printed the options: the sub-command stops without doing anything."""


def split(line: str) -> list[str]:
    """The words of a magic line, split and unquoted as a POSIX shell does."""
    try:
        return arg_split(line, posix=True, strict=True)
    except ValueError as exc:
        raise UsageError(f"Cannot read the arguments ({exc}); check the quotes.") from None


def parse(func: Callable[..., Any], line: str) -> Any:
    """Parse ``line`` with the ``@argument`` spec on ``func``; ``--help`` prints help."""
    words = split(line)
    if "-h" in words or "--help" in words:
        # magic_arguments parsers have no help option of their own.
        print(func.parser.format_help())  # type: ignore[attr-defined]
        raise HelpShown()
    try:
        return func.parser.parse_args(glue_descending(words))  # type: ignore[attr-defined]
    except SystemExit:
        raise UsageError("See the options above.") from None
