"""A job's fields are declared once (scheduler/spec.py); every front end agrees with it."""

from __future__ import annotations

import argparse
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from mmds_jupyter import cli
from mmds_jupyter.errors import InvalidInput
from mmds_jupyter.scheduler import JobRefused, Scheduler
from mmds_jupyter.scheduler.spec import FIELDS, JOB_FIELDS, JobField, parse_parameters

OPENAPI = Path(cli.__file__).with_name("server") / "openapi.json"


def _actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.dest: a for a in parser._actions}


def _sub(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    for name in names:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


def _agrees(field: JobField, action: argparse.Action, positional: bool = False) -> None:
    assert field.help in (action.help or ""), field.name
    if positional:
        assert not action.option_strings, field.name
        return
    assert field.flag in action.option_strings, field.name
    assert action.required == field.required, field.name
    if field.kind == "boolean":
        assert action.default is False and action.nargs == 0, field.name
    elif field.kind == "object":
        assert action.nargs == "+" and action.default is None, field.name
    else:
        assert action.default == field.default, field.name
        expected = {"whole": int, "number": float}.get(field.kind)
        assert action.type is expected, field.name
        assert tuple(action.choices or ()) == field.choices, field.name


def test_openapi_job_create_schema_is_the_spec() -> None:
    schema = json.loads(OPENAPI.read_text())["components"]["schemas"]["JobCreate"]
    assert schema["properties"] == {f.name: f.schema() for f in JOB_FIELDS}, (
        "openapi.json's JobCreate drifted from scheduler/spec.py: regenerate its properties "
        "from JobField.schema()"
    )
    assert schema["required"] == [f.name for f in JOB_FIELDS if f.required]
    assert schema["additionalProperties"] is False
    # A change (PATCH) takes the same fields, none of them required.
    change = json.loads(OPENAPI.read_text())["components"]["schemas"]["JobChange"]
    assert change["properties"] == schema["properties"]
    assert "required" not in change and change["additionalProperties"] is False


def test_cli_job_options_are_the_spec() -> None:
    actions = _actions(_sub(cli.parser(), "jobs", "create"))
    for field in JOB_FIELDS:
        _agrees(field, actions[field.name])
    assert set(actions) - set(FIELDS) == {"help", "root_dir", "json"}


def test_cli_edit_takes_every_field_and_defaults_none() -> None:
    actions = _actions(_sub(cli.parser(), "jobs", "edit"))
    assert set(actions) - set(FIELDS) == {"help", "root_dir", "json"}
    for field in JOB_FIELDS:
        action = actions[field.name]
        assert field.help in (action.help or ""), field.name
        if field.name == "name":
            assert not action.option_strings
            continue
        # An option not given leaves the field as the job has it.
        assert not action.required and action.default is argparse.SUPPRESS, field.name


def test_magic_schedule_arguments_are_the_spec() -> None:
    from mmds_magics.commands import schedule

    actions = _actions(schedule.spec.parser)
    for field in JOB_FIELDS:
        _agrees(field, actions[field.name], positional=field.name in ("name", "notebook"))
    assert set(actions) == set(FIELDS)


def test_scheduler_create_takes_the_spec_fields_and_defaults() -> None:
    params = dict(inspect.signature(Scheduler.create).parameters)
    params.pop("self")
    assert params.pop("parameters_as_text").default is False
    assert params.pop("replace").default is False  # a retraining's job is changed in place
    assert list(params) == [f.name for f in JOB_FIELDS]
    for field in JOB_FIELDS:
        default = params[field.name].default
        assert default is inspect.Parameter.empty if field.required else default == field.default


@pytest.mark.parametrize(
    "pairs, expected",
    [
        (["a=1", "b = x=y"], {"a": "1", "b": " x=y"}),
        (None, {}),
    ],
)
def test_parameters_are_read_in_one_place(pairs: Any, expected: dict[str, str]) -> None:
    assert parse_parameters(pairs) == expected


@pytest.mark.parametrize("pair", ["a", "=1", " =1"])
def test_a_parameter_without_a_key_is_refused(pair: str) -> None:
    with pytest.raises(InvalidInput, match=r"-p takes KEY=VALUE \(e\.g\. -p model_ref="):
        parse_parameters([pair])


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("max_concurrent", 0, "max_concurrent must be a whole number from 1 to 2147483647, not 0"),
        ("timeout", 0, "timeout must be a number of seconds more than 0 and at most 31622400"),
        ("retry_delay", -1.0, "retry_delay must be a number of seconds from 0 to 31622400"),
        ("keep_outputs", 0, "keep_outputs must be a whole number from 1 to 2147483647 (or null)"),
        ("catchup", "all", "catchup must be one of once, skip, not 'all'"),
        ("retries", True, "The field 'retries' must be a whole number, not True"),
        ("paused", "yes", "The field 'paused' must be true or false, not 'yes'"),
    ],
)
def test_python_refusals_come_from_the_spec(sched: Scheduler, field: str, value: Any, words: str):
    with pytest.raises(JobRefused) as info:
        sched.create("bad", "score.ipynb", **{field: value})
    assert words in str(info.value)
    assert sched.list() == []
