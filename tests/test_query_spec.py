"""The search's arguments are declared once (mmds_jupyter/query.py); every front end agrees."""

from __future__ import annotations

import argparse
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_search_filters import add, ip, refs  # noqa: F401  (ip is a fixture)

from mmds_jupyter import cli
from mmds_jupyter.query import QUERY_FIELDS, QueryField
from mmds_jupyter.registry import Registry

ROOT = Path(__file__).parents[1]
OPENAPI = ROOT / "mmds_jupyter" / "server" / "openapi.json"
NAMES = [f.name for f in QUERY_FIELDS]


def _agrees(field: QueryField, action: argparse.Action, default: Any) -> None:
    assert action.option_strings == [field.flag], field.name
    assert action.help is not None and action.help.replace("%%", "%") == field.help
    if field.kind == "flag":
        assert action.nargs == 0 and action.default is False, field.name
        return
    if field.kind == "conditions":
        assert action.nargs == "+" and action.default is None, field.name
        return
    assert action.default == default, field.name
    assert action.type is (int if field.kind == "whole" else None), field.name
    assert tuple(action.choices or ()) == field.choices, field.name


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions if a.dest not in ("help", "json")}


@pytest.mark.parametrize("method", [Registry.query, Registry.find])
def test_registry_search_takes_the_declared_arguments(method: Any) -> None:
    params = dict(inspect.signature(method).parameters)
    params.pop("self")
    assert sorted(params) == sorted(NAMES)
    for field in QUERY_FIELDS:
        assert params[field.name].default == field.default, field.name


def test_mmds_list_options_are_the_declared_arguments() -> None:
    sub = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = _options(sub.choices["list"])
    assert list(options) == NAMES
    for field in QUERY_FIELDS:
        _agrees(field, options[field.name], field.default)


def test_magic_list_options_are_the_declared_arguments() -> None:
    from mmds_magics.commands import listing

    options = _options(listing.spec.parser)
    assert list(options) == NAMES
    for field in QUERY_FIELDS:
        # A notebook shows a page of 50 unless asked for more.
        _agrees(field, options[field.name], 50 if field.name == "limit" else field.default)


def test_openapi_search_parameters_are_the_declared_arguments() -> None:
    params = json.loads(OPENAPI.read_text())["paths"]["/versions"]["get"]["parameters"]
    # count=false is the route's own (whether a page counts the matches), not a search argument.
    params = [p for p in params if p["name"] != "count"]
    assert [p["name"] for p in params] == NAMES
    types = {"text": "string", "choice": "string", "flag": "boolean", "whole": "integer"}
    for field, param in zip(QUERY_FIELDS, params, strict=True):
        schema = param["schema"]
        assert schema["type"] == types.get(field.kind, "array"), field.name
        assert [c for c in schema.get("enum", []) if c] == list(field.choices), field.name


def test_the_panels_search_names_the_declared_arguments() -> None:
    source = (ROOT / "labextension" / "src" / "query.ts").read_text()
    body = re.search(r"export interface ISearch \{(.*?)\}", source, re.S)
    assert body is not None
    camel = re.findall(r"^\s*(\w+)\??:", body.group(1), re.M)
    snake = [re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), n) for n in camel]
    assert snake == NAMES


def test_cli_and_magic_search_by_estimator_and_until(sqlite_reg, capsys, ip) -> None:  # noqa: F811
    """Every declared argument reaches every front end (mmds list had no --until)."""
    a = add(sqlite_reg, "a")
    capsys.readouterr()  # what the fixtures printed (e.g. "already loaded") is not the CLI's
    base = ["--url", sqlite_reg.url, "--home", sqlite_reg.home, "list", "--json"]
    assert cli.main([*base, "--until", "2000-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert cli.main([*base, "--until", "1d", "--estimator", "NoSuchEstimator"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert cli.main([*base, "--until", "0d", "--offset", "0"]) == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == [a]

    import mmds_jupyter

    b = add(mmds_jupyter.default_registry(), "b")  # the same database as sqlite_reg
    assert refs(ip.run_line_magic("mmds", "list --until 0d --offset 0")) == [b, a]
    assert refs(ip.run_line_magic("mmds", "list --until 2000-01-01")) == []
