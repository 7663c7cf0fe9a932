"""Entities as plain data, one shape for every front end (``mmds show --json``, REST, widgets).

Times and numpy values stay as they are here; :mod:`.server.encode` turns the result into strict
JSON text for HTTP, and the CLI prints it with ISO times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from .entities import Feature, Metric, Version


def version_dict(v: Version) -> dict[str, Any]:
    """Every field of a version (the entity's own names) and its reference."""
    data: dict[str, Any] = {"id": v.id, "ref": v.ref}
    for f in fields(v):
        # Underscored fields are the entity's own plumbing, not data.
        if not f.name.startswith("_"):
            data[f.name] = getattr(v, f.name)
    data["features"] = [asdict(f) for f in v.features]
    data["metrics"] = [asdict(m) for m in sorted(v.metrics, key=lambda m: (m.slice or "", m.name))]
    return data


def version_from_dict(data: Mapping[str, Any]) -> Version:
    """The version :func:`version_dict` describes (read back from JSON: times may be ISO text).

    Keys that are not fields of a version (``ref``, and the extras a route adds) are ignored.
    """
    known = {f.name for f in fields(Version)}
    kw = {k: v for k, v in data.items() if k in known}
    kw["features"] = [f if isinstance(f, Feature) else Feature(**f) for f in kw.get("features", [])]
    kw["metrics"] = [m if isinstance(m, Metric) else Metric(**m) for m in kw.get("metrics", [])]
    if isinstance(kw.get("created_at"), str):
        kw["created_at"] = datetime.fromisoformat(kw["created_at"])
    return Version(**kw)
