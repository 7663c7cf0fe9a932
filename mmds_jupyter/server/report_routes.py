"""REST routes of evaluations and reports: ``POST versions/REF/evaluate`` re-evaluates a version on
a data set sent as columns (``mmds.evaluate``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import tornado.web

from ..service import RegistryService
from .actions import COLUMN, NAMES, TABLE, TEXT, body, table
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"


def evaluate(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"X": TABLE, "y": COLUMN, "name": TEXT, "slices": NAMES}, ("X", "y", "name"))
    return registry.evaluate(
        ref, table(b["X"], "X"), pd.Series(b["y"]), name=b["name"], slices=b.get("slices")
    )


class EvaluateHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        result = await self.run(evaluate, self.registry, ref, self.request.body)
        self.set_status(201)
        self.reply(result)


# Before routes.ROUTES: 'versions/REF/evaluate' must not be read as a reference.
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/evaluate", EvaluateHandler),
]
