"""One module per ``%mmds`` sub-command; each has ``run(magics, line, cell)``."""

from __future__ import annotations

from types import ModuleType

from . import alias, compare, events, lineage, listing, load, show, stage, track

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
}
