"""``%mmds list``: search versions."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.query import from_arguments, query_arguments

from .parsing import parse


def spec(line: str) -> None:
    """List versions, newest first, filtered and ordered as asked."""


# The options are the search's arguments (mmds_jupyter.query); a notebook shows 50 rows at most
# unless asked. magic_arguments builds its parser from the decorators last applied first.
for _flags, _options in reversed(query_arguments(defaults={"limit": 50})):
    spec = argument(*_flags, **_options)(spec)
spec = magic_arguments()(spec)


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    frame = default_registry().find(**from_arguments(a))
    for warning in frame.attrs.get("warnings", []):
        print(f"Warning: {warning}")
    return frame
