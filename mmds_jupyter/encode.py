"""Entities as plain data, one shape for every front end (``mmds show --json``, REST, widgets).

Times and numpy values stay as they are here; :mod:`.server.encode` turns the result into strict
JSON text for HTTP, and the CLI prints it with ISO times.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from .entities import Version


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
