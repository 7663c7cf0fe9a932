"""One module per ``%mmds`` sub-command; each has ``run(magics, line, cell)``."""

from __future__ import annotations

from typing import Any

from . import (
    alias,
    compare,
    contract,
    events,
    lineage,
    listing,
    load,
    pmml,
    schedule,
    score,
    show,
    stage,
    test,
    track,
)

COMMANDS: dict[str, Any] = {
    "track": track,
    "list": listing,
    "show": show,
    "compare": compare,
    "lineage": lineage,
    "load": load,
    "alias": alias,
    "stage": stage,
    "events": events,
    "score": score,
    "contract": contract,
    "test": test,
    "export-pmml": pmml.Export,
    "import-pmml": pmml.Import,
    "schedule": schedule,
}
