"""``%mmds export-pmml REF PATH`` and ``%mmds import-pmml PATH --name N``."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.tagging import tags_from_text

from .parsing import parse
from .track import capture_options


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("path", help="File to write, e.g. churn.pmml.")
def export_spec(line: str) -> None:
    """Write a version's model as PMML 4.4 (pure Python; recorded with the version)."""


@magic_arguments()
@argument("path", help="A PMML file from any producer.")
@argument("--name", required=True, help="Model name to register it under.")
@capture_options
def import_spec(line: str) -> None:
    """Register a PMML file as a version: its inputs and outputs become the score contract.

    Takes the options of %mmds track, checked the same way (the one capture pipeline)."""


class Export:
    spec = export_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(export_spec, line)
        data = default_registry().export_pmml(a.ref, a.path)
        print(f"Wrote {a.path} ({len(data):,} bytes of PMML 4.4).")


class Import:
    spec = import_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(import_spec, line)
        kwargs: dict[str, Any] = {
            "slices": a.slices,
            "parent": a.parent,
            "tags": tags_from_text(a.tag),
            "description": a.description,
            "cell_source": magics.raw_cell(),
        }
        for option, X, y in (("test", "X_test", "y_test"), ("train", "X_train", "y_train")):
            pair = getattr(a, option)
            if pair:
                what = "test" if option == "test" else "training"
                kwargs[X] = magics.evaluate(pair[0], f"The {what} features")
                kwargs[y] = magics.evaluate(pair[1], f"The {what} target")
        return default_registry().import_pmml(
            a.path, a.name, a.project or magics.default_project, **kwargs
        )
