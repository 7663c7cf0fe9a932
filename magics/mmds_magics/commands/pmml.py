"""``%mmds export-pmml REF PATH`` and ``%mmds import-pmml PATH --name N``."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("ref", help="[project/]name[:version|@alias]")
@argument("path", help="File to write, e.g. churn.pmml.")
def export_spec(line: str) -> None:
    """Write a version's model as PMML 4.4 (pure Python; recorded with the version)."""


@magic_arguments()
@argument("path", help="A PMML file from any producer.")
@argument("--name", required=True, help="Model name to register it under.")
@argument("--project", help="Project; defaults to c.MMDSMagics.default_project.")
@argument("--test", nargs=2, metavar=("X", "Y"), help="Test features and target variables.")
@argument("--slice", action="extend", nargs="+", default=[], dest="slices", metavar="COLUMN")
def import_spec(line: str) -> None:
    """Register a PMML file as a version: its inputs and outputs become the score contract."""


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
        kwargs: dict[str, Any] = {"slices": a.slices}
        if a.test:
            kwargs["X_test"] = magics.evaluate(a.test[0], "The test features")
            kwargs["y_test"] = magics.evaluate(a.test[1], "The test target")
        return default_registry().import_pmml(
            a.path, a.name, a.project or magics.default_project, **kwargs
        )
