"""A clock for the audit log: events stamped on chosen days, chained as any other event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import pytest

from mmds_jupyter.store import events


@contextmanager
def on(monkeypatch: pytest.MonkeyPatch, day: str) -> Iterator[None]:
    """Events appended inside are stamped ``day`` (an ISO date or time, UTC)."""
    stamp = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)

    class Fixed(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return stamp

    with monkeypatch.context() as m:
        m.setattr(events, "datetime", Fixed)
        yield
