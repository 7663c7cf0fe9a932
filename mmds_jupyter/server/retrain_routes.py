"""REST routes of automated retraining: a model's retrain definition (define, read) and a
retraining queued by hand."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..service import RegistryService
from .actions import NUMBER, OBJECT, TEXT, body
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"
RETRAIN_FIELDS = {
    "notebook": TEXT,
    "trigger": TEXT,
    "windows": NUMBER,
    "cooldown_days": NUMBER,
    "train_window": TEXT,
    "schedule": TEXT,
    "parameters": OBJECT,
}


def set_retrain(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    fields = body(raw, RETRAIN_FIELDS, required=("notebook",))
    return registry.set_retrain(ref, fields.pop("notebook"), **fields)


def retrain(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    reason = body(raw, {"reason": TEXT}).get("reason")
    return registry.retrain(ref, reason).to_dict()


class RetrainDefinitionHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        self.reply(await self.run(self.registry.retrain_definition, ref))

    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(set_retrain, self.registry, ref, self.request.body))


class RetrainHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(retrain, self.registry, ref, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/retrain-definition", RetrainDefinitionHandler),
    (rf"versions/{_REF}/retrain", RetrainHandler),
]
