"""REST routes of consumers: who uses which model for what (list, register, end)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import records
from ..service import RegistryService
from .actions import TEXT, body
from .routes import MMDSHandler

ADD_FIELDS = {"ref": TEXT, "application": TEXT, "owner": TEXT, "purpose": TEXT}


def consumers(registry: RegistryService, ref: str | None, ended: str | None) -> dict[str, Any]:
    from ..errors import InvalidInput

    if ended not in (None, "true", "false"):
        raise InvalidInput(f"include_ended is true or false, not {ended!r}.")
    return {"items": records(registry.consumers(ref or None, include_ended=ended == "true"))}


def add(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    return registry.add_consumer(**body(raw, ADD_FIELDS, ("ref", "application")))


def end(registry: RegistryService, consumer_id: str, raw: bytes) -> dict[str, Any]:
    from .views import int_argument

    n = int_argument(consumer_id, "consumer id", 1, 1, 2**31 - 1)
    return registry.end_consumer(n, **body(raw, {"reason": TEXT}))


class ConsumersHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("ref", "include_ended")
        self.reply(await self.run(consumers, self.registry, args["ref"], args["include_ended"]))

    @tornado.web.authenticated
    async def post(self) -> None:
        made = await self.run(add, self.registry, self.request.body)
        self.set_status(201)
        self.reply(made)


class ConsumerEndHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, consumer_id: str) -> None:
        self.reply(await self.run(end, self.registry, consumer_id, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (r"consumers/(?P<consumer_id>[0-9]+)/end", ConsumerEndHandler),
    ("consumers", ConsumersHandler),
]
