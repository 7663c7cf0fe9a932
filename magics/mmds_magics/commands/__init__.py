"""One module per ``%mmds`` sub-command; each has ``run(magics, line, cell)``."""

from __future__ import annotations

from types import ModuleType

from . import (
    alias,
    compare,
    contract,
    events,
    lineage,
    listing,
    load,
    score,
    show,
    stage,
    test,
    track,
)

COMMANDS: dict[str, ModuleType] = {
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
}
