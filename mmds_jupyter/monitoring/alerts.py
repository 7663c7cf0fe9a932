"""Alerts as users list and handle them; the records and their events live in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput
from ..refs import MAX_ID, whole_number
from ..store.monitors import STATUSES

if TYPE_CHECKING:
    from ..registry import Registry

COLUMNS = ["id", "model", "ref", "window", "measure", "level", "value", "threshold", "status"]


def check_status(status: str | None) -> str | None:
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"An alert's status is {', '.join(STATUSES)}; not {status!r}.")
    return status


def alerts(reg: Registry, model: str | None, status: str | None) -> pd.DataFrame:
    ref = None if model is None else reg._ref(model)
    rows = reg.store.monitors.alerts(ref, check_status(status))
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=COLUMNS)


def change(reg: Registry, alert_id: int, to: str, note: str | None) -> dict[str, Any]:
    n = whole_number("alert id", alert_id, 1, MAX_ID)
    if note is not None and not isinstance(note, str):
        raise InvalidInput(f"An alert's note is text, not {note!r}.")
    return reg.store.monitors.change(n, to, reg.actor, note)
