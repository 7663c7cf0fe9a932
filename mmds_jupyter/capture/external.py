"""Versions of models made elsewhere (an MLflow run, say): a described record becomes a version.

An importer reads another tool's store where it is reachable and sends each model as a record:
what MMDS's own introspection said about it (the importer describes scikit-learn models with the
capture adapter), its parameters, metrics, tags, provenance and data sets, its files (uploaded
first, content-addressed) and its ``origin``: the key that names it in its source (an MLflow run
id). The record is checked here as ``track``'s arguments are, and a version is made once per
origin key: importing again returns the version the first import made.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..entities import NewVersion
from ..errors import InvalidInput
from ..refs import MAX_NAME, check_name, check_tags, check_text, parse_ref

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..refs import Ref

# The fields of an import record; anything else is refused by name.
RECORD_FIELDS = (
    "origin",
    "name",
    "project",
    "framework",
    "estimator_class",
    "task",
    "params",
    "steps",
    "features",
    "outputs",
    "metrics",
    "provenance",
    "environment",
    "tags",
    "description",
    "parent",
    "datasets",
    "contract",
    "artifact_sha256",
    "artifact_format",
)
# Formats a model file of an import may have: skops (loaded with MMDS's allow-list), or the
# source's own model directory (zipped), which may hold pickles and loads only when trusted.
IMPORT_FORMATS = ("skops", "mlflow")
RELATIONS = ("trained_on", "evaluated_on")
MAX_ORIGIN = 190  # the key column holds 200 characters


@dataclass(frozen=True)
class ImportSink:
    """What an import needs from a registry (passed in, as the capture pipeline's sink)."""

    actor: str
    resolve: Callable[[Ref], Any]
    has_file: Callable[[str], bool]


def origin_key(origin: Any) -> str:
    """The checked origin key of a record: ``<source>:<id>`` (``mlflow-run:<run id>``)."""
    if not isinstance(origin, str) or ":" not in origin or not origin.split(":", 1)[1]:
        raise InvalidInput(
            f"An import record's origin is '<source>:<id>' (e.g. 'mlflow-run:<run id>'), "
            f"not {origin!r}."
        )
    check_text("The origin", origin, MAX_ORIGIN)
    return origin


def key_sha256(origin: str) -> str:
    return hashlib.sha256(origin.encode("utf-8")).hexdigest()


def new_version(sink: ImportSink, record: dict[str, Any]) -> NewVersion:
    """The version a record describes, every field checked before anything is written."""
    if not isinstance(record, dict):
        raise InvalidInput("An import record is a mapping of fields.")
    unknown = sorted(set(record) - set(RECORD_FIELDS))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s) {', '.join(unknown)} in an import record; its fields are "
            f"{', '.join(RECORD_FIELDS)}."
        )
    r = record
    origin = origin_key(r.get("origin"))
    name, project = r.get("name"), r.get("project") or "default"
    if not isinstance(name, str):
        raise InvalidInput(f"An import record's name is the model's name, not {name!r}.")
    check_name("Model", name)
    check_name("Project", project)
    for key in ("framework", "estimator_class", "task"):
        check_text(f"The {key}", r.get(key), MAX_NAME * 2)
    if not r.get("framework") or not r.get("estimator_class"):
        raise InvalidInput("An import record names its framework and estimator_class.")
    check_text("The description", r.get("description"))
    tags = check_tags(r.get("tags"))
    parent = None
    if r.get("parent"):
        parent = parse_ref(r["parent"])
        sink.resolve(parent)  # a wrong parent fails before anything is written
    sha, fmt = r.get("artifact_sha256"), r.get("artifact_format")
    if (sha is None) != (fmt is None):
        raise InvalidInput("Give both artifact_sha256 and artifact_format, or neither.")
    if fmt is not None and fmt not in IMPORT_FORMATS:
        raise InvalidInput(
            f"An imported model file is one of {', '.join(IMPORT_FORMATS)}, not {fmt!r}."
        )
    if sha is not None and not sink.has_file(sha):
        raise InvalidInput(
            f"There is no uploaded file with sha256 {sha}: upload the model file first "
            f"(PUT artifacts/{sha}), then import the version."
        )
    contract = None
    if r.get("contract") is not None:
        from ..scoring.contract import from_dict

        contract = from_dict(_mapping(r["contract"], "contract")).to_dict()
    provenance = dict(_mapping(r.get("provenance") or {}, "provenance"))
    provenance.update(origin=origin, imported_by=sink.actor)
    author = provenance.get("user") or sink.actor
    check_text("The author (provenance user)", author, MAX_NAME)
    return NewVersion(
        project=project,
        name=name,
        framework=r["framework"],
        estimator_class=r["estimator_class"],
        task=r.get("task"),
        author=author,
        params=_json(_mapping(r.get("params") or {}, "params"), "params"),
        steps=_json(_mapping(r.get("steps") or {}, "steps"), "steps"),
        features=[_feature(f) for f in _list(r.get("features"), "features")],
        outputs=_json(_list(r.get("outputs"), "outputs"), "outputs"),
        metrics=[_metric(m) for m in _list(r.get("metrics"), "metrics")],
        provenance=_json(provenance, "provenance"),
        environment=_json(_mapping(r.get("environment") or {}, "environment"), "environment"),
        artifact_sha256=sha,
        artifact_format=fmt,
        parent=parent,
        notebook_path=None,  # an import names its parent itself
        tags=tags,
        description=r.get("description"),
        contract=contract,
        datasets=[_dataset(d) for d in _list(r.get("datasets"), "datasets")],
        actor=sink.actor,
    )


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"An import record's {what} is a mapping, not {value!r}.")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"An import record's {what} is a list, not {value!r}.")
    return value


def _json(value: Any, what: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"An import record's {what} must be plain JSON data ({exc}).") from None
    return value


def _feature(f: Any) -> dict[str, Any]:
    f = _mapping(f, "features")
    check_text("A feature name", f.get("name"), MAX_NAME)
    if not f.get("name"):
        raise InvalidInput("A feature has a name.")
    check_text("A feature's dtype", f.get("dtype"), MAX_NAME)
    importance = _number(f.get("importance"))
    return {
        "name": f["name"],
        "dtype": f.get("dtype") or "unknown",
        "used": f.get("used", True) is not False,
        "importance": importance,
    }


def _count(value: Any, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise InvalidInput(f"A data set's {what} is a whole number of 0 or more, not {value!r}.")
    return value


def _number(value: Any) -> float | None:
    """A finite number, else None (NaN and infinities, which MLflow allows, are "no value")."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if math.isfinite(value) else None


def _metric(m: Any) -> dict[str, Any]:
    m = _mapping(m, "metrics")
    check_text("A metric name", m.get("name"), MAX_NAME)
    if not m.get("name"):
        raise InvalidInput("A metric has a name.")
    check_text("A metric's slice", m.get("slice"), MAX_NAME * 2)
    return {
        "name": m["name"],
        "value": _number(m.get("value")),
        "slice": m.get("slice") or None,
        "dataset": "test",
    }


def _dataset(d: Any) -> tuple[str, dict[str, Any], str | None]:
    d = _mapping(d, "datasets")
    relation = d.get("relation")
    if relation not in RELATIONS:
        raise InvalidInput(f"A data set's relation is one of {', '.join(RELATIONS)}.")
    content_hash = d.get("content_hash")
    if not isinstance(content_hash, str) or not 4 <= len(content_hash) <= 64:
        raise InvalidInput("A data set's content_hash is a text of 4 to 64 characters.")
    check_text("A data set's name", d.get("name"), MAX_NAME * 2)
    fingerprint = {
        "content_hash": content_hash,
        "n_rows": _count(d.get("n_rows"), "n_rows"),
        "n_cols": _count(d.get("n_cols"), "n_cols") or len(d.get("schema") or {}),
        "schema": _json(_mapping(d.get("schema") or {}, "data set schema"), "schema"),
        "stats": _json(_mapping(d.get("stats") or {}, "data set stats"), "stats"),
    }
    return relation, fingerprint, d.get("name")


# What a client that measured its own model (a remote ``track``) describes about it; the
# server adds who, the model file and its stage.
DESCRIBED_FIELDS = tuple(
    f for f in RECORD_FIELDS if f not in ("origin", "artifact_sha256", "artifact_format")
) + ("files",)
DESCRIBED_FILES = ("baseline", "predictions", "test_inputs")


def described_version(sink: ImportSink, record: dict[str, Any], sha256: str) -> NewVersion:
    """The version a client describes of the skops model file ``sha256`` it uploaded (its own
    measurement: features, metrics, data sets, contract, baseline and predictions files),
    checked as an import record is. What the caller could not state with an import record is
    the server's: the actor and author, the model file, the stage."""
    from ..scoring.contract import from_dict, inheritor

    if not isinstance(record, dict):
        raise InvalidInput("A described version is a mapping of fields.")
    unknown = sorted(set(record) - set(DESCRIBED_FIELDS))
    if unknown:
        raise InvalidInput(
            f"Unknown field(s) {', '.join(unknown)} in a described version; its fields are "
            f"{', '.join(DESCRIBED_FIELDS)}."
        )
    files = []
    for item in _list(record.get("files"), "files"):
        kind, sha = item if isinstance(item, list) and len(item) == 2 else (None, None)
        if kind not in DESCRIBED_FILES or not isinstance(sha, str) or not sink.has_file(sha):
            raise InvalidInput(
                f"A described version's file is [kind, sha256] with kind one of "
                f"{', '.join(DESCRIBED_FILES)}, uploaded first; not {item!r}."
            )
        files.append((kind, sha))
    fields = {k: v for k, v in record.items() if k != "files"}
    spec = new_version(
        sink,
        {**fields, "origin": "track:-", "artifact_sha256": sha256, "artifact_format": "skops"},
    )
    provenance = {k: v for k, v in spec.provenance.items() if k not in ("origin", "imported_by")}
    provenance["user"] = sink.actor
    check_text("The notebook (provenance)", provenance.get("notebook"), 1000)
    contract = from_dict(spec.contract) if spec.contract is not None else None
    return dataclasses.replace(
        spec,
        author=sink.actor,
        provenance=provenance,
        notebook_path=provenance.get("notebook"),
        inherit_contract=inheritor(contract) if contract is not None else None,
        actor=None,
        files=files,
    )
