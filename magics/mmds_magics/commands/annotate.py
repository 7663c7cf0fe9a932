"""``%mmds tag REF KEY=VALUE ...``, ``%mmds untag REF KEY ...``, ``%mmds describe REF TEXT``."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.tagging import tags_from_text

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("tags", nargs="+", metavar="KEY=VALUE", help="Tags to set, e.g. owner=alice.")
def tag_spec(line: str) -> None:
    """Set tags of a version (an existing key gets the new value); recorded in the event log."""


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("keys", nargs="+", metavar="KEY", help="Keys of the tags to remove.")
def untag_spec(line: str) -> None:
    """Remove tags of a version; recorded in the event log."""


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("text", nargs="*", help="The new description (quotes optional); none clears it.")
def describe_spec(line: str) -> None:
    """Replace the description of a version; recorded in the event log."""


def _tags(v: Any) -> str:
    return ", ".join(f"{k}={val}" for k, val in sorted(v.tags.items())) or "(none)"


class Tag:
    spec = tag_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(tag_spec, line)
        v = default_registry().tag(a.ref, tags_from_text(a.tags))
        print(f"Tags of {v.ref}: {_tags(v)}.")


class Untag:
    spec = untag_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(untag_spec, line)
        v = default_registry().untag(a.ref, *a.keys)
        print(f"Tags of {v.ref}: {_tags(v)}.")


class Describe:
    spec = describe_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(describe_spec, line)
        v = default_registry().describe(a.ref, " ".join(a.text) or None)
        print(f"{v.ref}: {v.description}" if v.description else f"{v.ref} has no description.")
