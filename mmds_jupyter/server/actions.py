"""The blocking work behind the REST routes that change or score: JSON bodies in, registry
service calls, plain JSON out.

Each body is one JSON object whose fields are the keywords of the service operation it calls
(``POST versions/churn:3/stage {"stage": "validation", "reason": "..."}`` is
``set_stage("churn:3", "validation", reason="...")``), checked here for their JSON types only:
the operation itself decides what a valid value is, so REST gives the same errors as Python.
Tables travel as lists of row objects. Nothing here reads a path on the server: data comes in
the body.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

import pandas as pd

from ..encode import records, version_dict
from ..errors import InvalidInput
from ..service import RegistryService

TEXT, FLAG, NUMBER, OBJECT, LIST = "text", "true/false", "number", "object", "list"
ROWS, TABLE, COLUMN, NAMES, TAGS = "rows", "table", "column", "names", "tags"
_SCALAR = (str, int, float, bool, type(None))
_CHECKS = {
    TEXT: lambda v: isinstance(v, str),
    FLAG: lambda v: isinstance(v, bool),
    NUMBER: lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    OBJECT: lambda v: isinstance(v, dict),
    ROWS: lambda v: isinstance(v, list) and all(isinstance(r, dict) for r in v),
    TABLE: lambda v: isinstance(v, (dict, list)),  # the shape is table()'s to check
    COLUMN: lambda v: isinstance(v, list) and all(isinstance(x, _SCALAR) for x in v),
    NAMES: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    TAGS: lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
    LIST: lambda v: isinstance(v, list),
}
_KIND_TEXT = {
    ROWS: "a list of row objects",
    COLUMN: "a list of plain values, e.g. [0, 1, 1]",
    NAMES: 'a list of column names, e.g. ["country"]',
    TAGS: 'an object of text values, e.g. {"owner": "alice"}',
}


def body(raw: bytes, fields: dict[str, str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON object of a request body, its fields checked against ``fields`` (name → kind).

    ``null`` is the same as leaving a field out. Unknown fields are refused, naming the known
    ones, so that a misspelt option is never silently ignored.
    """
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise InvalidInput("The body must be a JSON object.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s) {', '.join(map(repr, unknown))}; this route takes "
            f"{', '.join(fields)}."
        )
    out = {k: v for k, v in data.items() if v is not None}
    for name in required:
        if name not in out:
            raise InvalidInput(f"The body needs {name!r} ({fields[name]}).")
    for name, value in out.items():
        if not _CHECKS[fields[name]](value):
            kind = fields[name]
            raise InvalidInput(
                f"{name!r} must be {_KIND_TEXT.get(kind, kind)}, not {type(value).__name__}."
            )
    return out


def frame(rows: list[dict[str, Any]], name: str) -> pd.DataFrame:
    """A table given as a list of row objects ({"column": value, ...})."""
    if not rows:
        raise InvalidInput(f"{name!r} has no rows; give a list of row objects.")
    return table(rows, name)


def table(value: dict[str, Any] | list[Any], name: str) -> pd.DataFrame:
    """A table given as columns (``{"age": [31, 45]}``) or as records (``[{"age": 31}]``)."""
    shape = (
        f'"{name}" is a table: an object of columns such as {{"age": [31, 45]}}, or a list of '
        'records such as [{"age": 31}, {"age": 45}], with plain values (text, numbers, true/'
        "false, null)."
    )
    if isinstance(value, dict):
        columns = list(value.values())
        if not all(isinstance(c, list) and all(isinstance(v, _SCALAR) for v in c) for c in columns):
            raise InvalidInput(shape)
        if len({len(c) for c in columns}) > 1:
            raise InvalidInput(f'The columns of "{name}" must all have the same length.')
        return pd.DataFrame(value)
    if all(isinstance(r, dict) and all(isinstance(v, _SCALAR) for v in r.values()) for r in value):
        return pd.DataFrame.from_records(value)
    raise InvalidInput(shape)


def set_stage(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"stage": TEXT, "reason": TEXT, "force": FLAG}, required=("stage",))
    return version_dict(registry.set_stage(ref, **b))


def alias(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    fields = {"alias": TEXT, "force": FLAG, "reason": TEXT, "request": NUMBER}
    b = body(raw, fields, required=("alias",))
    return version_dict(registry.alias(ref, **b))


def contract(registry: RegistryService, ref: str, raw: bytes | None) -> dict[str, Any]:
    """The contract (GET) or an audited edit of it (POST, the keywords of mmds.contract)."""
    b = {} if raw is None else body(raw, {"update": OBJECT, "policy": TEXT, "strict": FLAG})
    if raw is not None and not b:
        raise InvalidInput('Give what to change, e.g. {"policy": "reject"}.')
    result: dict[str, Any] = registry.contract(ref, **b).to_dict()
    return result


SCORE_FIELDS = {
    "rows": ROWS,
    "mode": TEXT,
    "key": LIST,
    "passthrough": LIST,
    "policy": TEXT,
    "strict": FLAG,
    "replace": FLAG,
    "application": TEXT,
    "run_id": NUMBER,
}


def score(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    """Score rows; production mode stores a score set. A model whose file holds types MMDS does
    not load untrusted is never trusted over REST."""
    b = body(raw, SCORE_FIELDS, required=("rows",))
    data = frame(b.pop("rows"), "rows")
    result = registry.score(ref, data, **b)
    return {
        "ref": result.ref,
        "mode": result.mode,
        "score_set_id": result.score_set_id,
        "n_flagged": result.n_flagged,
        "ignored_columns": result.ignored_columns,
        "problems": [{**asdict(p), "message": str(p)} for p in result.problems],
        "rows": records(result.outputs),
        "drift": result.drift.to_dict() if result.drift is not None else None,
    }


def score_sets(registry: RegistryService, args: dict[str, str | None]) -> dict[str, Any]:
    from .views import DEFAULT_LIMIT, MAX_LIMIT, int_argument

    run_id = args.get("run_id")
    found = registry.scores(
        args.get("ref") or None,
        run_id=None if not run_id else int_argument(run_id, "run_id", 1, 1, 2**31 - 1),
        limit=int_argument(args.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    )
    return {"items": records(found)}


def score_set(registry: RegistryService, score_set_id: str) -> dict[str, Any]:
    from .views import int_argument

    n = int_argument(score_set_id, "score set id", 1, 1, 2**31 - 1)
    return {"id": n, "rows": records(registry.load_scores(n))}


def actuals(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"rows": ROWS, "key": TEXT, "target": TEXT}, required=("rows", "key", "target"))
    result = registry.add_actuals(ref, frame(b["rows"], "rows"), b["key"], b["target"])
    return asdict(result)


def window_metrics(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """For a reader of performance rows: the headline metrics they carry (in headline order)
    and which metric a window without labels shows as an estimate."""
    from ..monitoring.windows import ESTIMATED_METRIC
    from ..ranking import HEADLINE

    present = [m for m in HEADLINE if any(r.get(m) is not None for r in rows)]
    return {"metrics": present, "estimated_metric": ESTIMATED_METRIC}


def performance(registry: RegistryService, ref: str, args: dict[str, str | None]) -> dict[str, Any]:
    rows = records(registry.performance(ref, args["window"], args["slice"]))
    return {"items": rows, **window_metrics(rows)}


def permissions(registry: RegistryService, ref: str) -> dict[str, Any]:
    return registry.permissions(ref)


def baseline(registry: RegistryService, ref: str) -> dict[str, Any]:
    return {"ref": registry.get(ref).ref, "baseline": registry.baseline(ref)}


def drift(registry: RegistryService, ref: str, args: dict[str, str | None]) -> dict[str, Any]:
    from .views import int_argument

    raw_set, raw_min = args.get("score_set"), args.get("min_rows")
    if raw_set is None:
        raise InvalidInput("Name the stored score set: ?score_set=12.")
    score_set = int_argument(raw_set, "score_set", 1, 1, 2**31 - 1)
    min_rows = None if raw_min is None else int_argument(raw_min, "min_rows", 1, 1, 2**31 - 1)
    report: dict[str, Any] = registry.drift(ref, score_set=score_set, min_rows=min_rows).to_dict()
    return report


def create_scoring_test(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    fields = {
        "inputs": ROWS,
        "expected": ROWS,
        "tolerance": NUMBER,
        "name": TEXT,
        "key": TEXT,
        "whole_model": FLAG,
    }
    b = body(raw, fields, required=("inputs", "expected"))
    inputs, expected = frame(b.pop("inputs"), "inputs"), frame(b.pop("expected"), "expected")
    return registry.create_scoring_test(ref, inputs, expected, **b)


def run_scoring_tests(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"name": TEXT})
    return {"items": registry.run_scoring_tests(ref, **b)}


def scoring_test_results(registry: RegistryService, ref: str, limit: str | None) -> dict[str, Any]:
    from .views import DEFAULT_LIMIT, MAX_LIMIT, int_argument

    n = int_argument(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return {"items": records(registry.scoring_test_results(ref, limit=n))}


def export_pmml(registry: RegistryService, ref: str) -> bytes:
    return registry.export_pmml(ref)


def verify_events(registry: RegistryService) -> dict[str, Any]:
    bad = registry.verify_events()
    return {"intact": bad is None, "first_bad_event": bad}


def gc(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"older_than": NUMBER})
    return {"removed": registry.gc(**b)}


# What capture takes besides the model: the keywords of mmds.track and mmds.import_pmml.
CAPTURE_FIELDS = {
    "name": TEXT,
    "project": TEXT,
    "X_test": TABLE,
    "y_test": COLUMN,
    "X_train": TABLE,
    "y_train": COLUMN,
    "slices": NAMES,
    "tags": TAGS,
    "description": TEXT,
    "parent": TEXT,
    # Provenance from the client's kernel (a remote registry sends them).
    "cell_source": TEXT,
    "notebook": TEXT,
}


def _capture_arguments(b: dict[str, Any]) -> dict[str, Any]:
    for name in ("X_test", "X_train"):
        if name in b:
            b[name] = table(b[name], name)
    for name in ("y_test", "y_train"):
        if name in b:
            b[name] = pd.Series(b[name])
    return b


def track(registry: RegistryService, raw: bytes, key: str | None = None) -> dict[str, Any]:
    """Capture a model whose skops file was uploaded (``PUT artifacts/<sha256>``), named by
    its sha256, with its data as tables; under an Idempotency-Key, at most once. The file is
    loaded as any model file is (over REST a file holding a function is always refused) and
    kept as uploaded (``Registry.track_file``). With ``described`` (what the client measured:
    mmds.track through a server sends it), the file's types are audited, the model not built.
    """
    from .artifact_routes import file_keeper

    # No name is the registry's error (the same as mmds.track's), not the body's.
    fields = {"model_sha256": TEXT, "described": OBJECT, **CAPTURE_FIELDS}
    b = body(raw, fields, required=("model_sha256",))
    sha = b.pop("model_sha256")
    keeper = file_keeper(registry)  # the local registry, which keeps the files
    if key is not None:
        keeper = keeper.tracking_once(key, hashlib.sha256(raw).hexdigest())
    return version_dict(keeper.track_file(sha, **_capture_arguments(b)))


def import_pmml(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    """A PMML document sent as text (``{"pmml": "<PMML ...>", "name": "credit", ...}``),
    registered through the same capture pipeline and errors as Python."""
    b = body(raw, {"pmml": TEXT, **CAPTURE_FIELDS}, required=("pmml", "name"))
    document = b.pop("pmml").encode("utf-8")
    name, project = b.pop("name"), b.pop("project", "default")
    return version_dict(registry.import_pmml(document, name, project, **_capture_arguments(b)))
