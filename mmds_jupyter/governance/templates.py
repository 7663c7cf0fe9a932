"""Life-cycle templates: YAML files checked against a JSON Schema, with errors naming the line.

A template declares the stages a project uses, the moves allowed between them and, per move,
its gates: *checks* MMDS evaluates with evidence, and *approvals* (how many, by which role or
group; never by the version's author or the requester). ``review`` says, per stage, how
often a version there is re-reviewed and when it expires without a review.
"""

from __future__ import annotations

import hashlib
from importlib.resources import files
from typing import Any

import yaml

from ..auth.permissions import ROLES
from ..entities import STAGES
from ..errors import InvalidInput

DEFAULT = "default"
# The model-card fields a `documentation` check asks for when it names none (version tags).
CARD_FIELDS = ["purpose", "owner", "limitations", "training_data", "intended_use"]
# Checks declared for a future MMDS: a template naming one is refused with the reason.
UNAVAILABLE: dict[str, str] = {}
SIMPLE_CHECKS = [
    "scoring_test",
    "contract_declared",
    "comparison_report",
    "documentation",
    "no_open_alert",
    *UNAVAILABLE,
]

_NAME = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"}
_STAGE = {"enum": list(STAGES)}
_APPROVALS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 1, "maximum": 20},
        "role": {"enum": list(ROLES)},
        "group": _NAME,
    },
}
_CHECK = {
    "oneOf": [
        {"enum": SIMPLE_CHECKS},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["metric"],
            "properties": {
                "metric": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "anyOf": [{"required": ["min"]}, {"required": ["max"]}],
                    "properties": {
                        "name": {"type": "string", "minLength": 1},
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                        "slice": {"type": "string", "minLength": 1},
                    },
                }
            },
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["tasks"],
            "properties": {"tasks": _NAME},
        },
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["documentation"],
            "properties": {
                "documentation": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,100}$"},
                }
            },
        },
    ]
}
_GATES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"checks": {"type": "array", "items": _CHECK}, "approvals": _APPROVALS},
}
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "MMDS life-cycle template",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "stages", "transitions"],
    "properties": {
        "name": _NAME,
        "description": {"type": "string"},
        "stages": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _STAGE},
        "transitions": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["from", "to"],
                "properties": {"from": _STAGE, "to": _STAGE, "gates": _GATES},
            },
        },
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["title"],
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string"},
                    "milestone": _NAME,
                    "assignee": {"type": "string", "minLength": 1},
                    "group": _NAME,
                    "due_days": {"type": "number", "exclusiveMinimum": 0},
                    "weight": {"type": "number", "exclusiveMinimum": 0},
                    "depends_on": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "retention": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"archive_after_days": {"type": "number", "exclusiveMinimum": 0}},
        },
        "review": {
            "type": "object",
            "propertyNames": _STAGE,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "every_months": {"type": "number", "exclusiveMinimum": 0},
                    "expires_after_months": {"type": "number", "exclusiveMinimum": 0},
                    "gates": _GATES,
                },
            },
        },
    },
}


def default_source() -> str:
    """The YAML of the template MMDS ships."""
    return files(__package__).joinpath("default.yaml").read_text()


def sha256(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def _line(node: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the YAML node at ``path`` (the deepest one that exists)."""
    for key in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return None if node is None else node.start_mark.line + 1


def _fail(name: str, line: int | None, message: str) -> InvalidInput:
    where = f" line {line}" if line else ""
    return InvalidInput(f"The template {name}{where}: {message}")


def parse(source: str, name: str = "(text)") -> dict[str, Any]:
    """Check a template's YAML and return its normalized spec; one error naming the line."""
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput("A template is YAML text; this one is empty.")
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _fail(
            name, mark.line + 1 if mark else None, f"not valid YAML: {exc.problem}"
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:  # e.g. a control character
        raise _fail(name, None, f"not valid YAML: {exc}") from None
    # Imported here: jsonschema's import builds a URI grammar (seconds), which every stage or
    # alias move through the CLI would pay although only saving a template checks one.
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        path = list(error.absolute_path)
        field = ".".join(map(str, path)) or "the top level"
        raise _fail(name, _line(node, path), f"{field}: {error.message}")
    stages = data["stages"]
    spec: dict[str, Any] = {
        "name": data["name"],
        "description": data.get("description"),
        "stages": stages,
        "transitions": [],
        "review": {},
        "retention": dict(data.get("retention") or {}),
        "tasks": list(data.get("tasks") or []),
    }
    titles = [t["title"] for t in spec["tasks"]]
    for i, t in enumerate(spec["tasks"]):
        for dep in t.get("depends_on") or []:
            if dep not in titles[:i]:
                raise _fail(
                    name,
                    _line(node, ["tasks", i, "depends_on"]),
                    f"task {t['title']!r} depends on {dep!r}, which is not a task above it.",
                )
    seen: set[tuple[str, str]] = set()
    for i, t in enumerate(data["transitions"]):
        for end in ("from", "to"):
            if t[end] not in stages:
                raise _fail(
                    name,
                    _line(node, ["transitions", i, end]),
                    f"{t[end]!r} is not one of the template's stages ({', '.join(stages)}).",
                )
        move = (t["from"], t["to"])
        if move in seen or move[0] == move[1]:
            why = "is declared twice" if move in seen else "stays in its stage (use review)"
            raise _fail(name, _line(node, ["transitions", i]), f"{move[0]} -> {move[1]} {why}.")
        seen.add(move)
        gates = _gates(name, node, ["transitions", i, "gates"], t.get("gates"))
        spec["transitions"].append({"from": move[0], "to": move[1], "gates": gates})
    for stage, review in (data.get("review") or {}).items():
        if stage not in stages:
            raise _fail(
                name, _line(node, ["review", stage]), f"review of {stage!r}: not a stage here."
            )
        path = ["review", stage, "gates"]
        gates = _gates(name, node, path, review.get("gates") or {"approvals": {"role": "approver"}})
        spec["review"][stage] = {
            "every_months": review.get("every_months"),
            "expires_after_months": review.get("expires_after_months"),
            "gates": gates,
        }
    return spec


def _gates(name: str, node: yaml.Node, path: list[Any], gates: Any) -> dict[str, Any]:
    """Normalized gates: checks as {"check": kind, ...}; approvals with their count."""
    gates = gates or {}
    checks = []
    for j, c in enumerate(gates.get("checks") or []):
        if isinstance(c, str) and c in UNAVAILABLE:
            raise _fail(
                name,
                _line(node, [*path, "checks", j]),
                f"the check {c!r} cannot be used: {UNAVAILABLE[c]}. Remove it from the template.",
            )
        if c == "documentation":
            checks.append(documentation_check())
        elif isinstance(c, str):
            checks.append({"check": c})
        elif "metric" in c:
            checks.append({"check": "metric", **c["metric"]})
        elif "tasks" in c:
            checks.append({"check": "tasks", "milestone": c["tasks"]})
        else:
            checks.append({"check": "documentation", "fields": c["documentation"]})
    approvals = gates.get("approvals")
    if approvals is not None:
        approvals = {"count": 1, **approvals}
    return {"checks": checks, "approvals": approvals}


def documentation_check() -> dict[str, Any]:
    return {"check": "documentation", "fields": list(CARD_FIELDS)}


def transition(spec: dict[str, Any], current: str, target: str) -> dict[str, Any] | None:
    """The template's move from ``current`` to ``target`` (None: not allowed); a request to
    the stage a version is in is its review."""
    if current == target:
        review = spec["review"].get(current)
        return None if review is None else {"from": current, "to": target, **review}
    return next((t for t in spec["transitions"] if (t["from"], t["to"]) == (current, target)), None)


def has_gates(move: dict[str, Any]) -> bool:
    gates = move.get("gates") or {}
    return bool(gates.get("checks") or gates.get("approvals"))


def moves_from(spec: dict[str, Any], current: str) -> list[str]:
    return [t["to"] for t in spec["transitions"] if t["from"] == current]
