"""REST routes of webhooks: add, list (never a secret), remove, delivery records, and one
delivery pass. Thin: each calls one registry service operation (governance/webhooks.py)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..errors import InvalidInput
from ..service import RegistryService
from .actions import LIST, TEXT, body
from .routes import MMDSHandler

_ID = r"(?P<webhook_id>[0-9]+)"


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in d.items()}


def _id(webhook_id: str) -> int:
    from .views import int_argument

    return int_argument(webhook_id, "webhook id", 1, 1, 2**31 - 1)


def add(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    fields = {"project": TEXT, "url": TEXT, "events": LIST, "secret": TEXT}
    return _jsonable(registry.add_webhook(**body(raw, fields, ("project", "url", "events"))))


def webhooks(registry: RegistryService, project: str | None) -> dict[str, Any]:
    return {"items": [_jsonable(w) for w in registry.webhooks(project or None)]}


def remove(registry: RegistryService, webhook_id: str, raw: bytes) -> dict[str, Any]:
    body(raw, {})
    return _jsonable(registry.remove_webhook(_id(webhook_id)))


def deliveries(registry: RegistryService, webhook_id: str, status: str | None) -> dict[str, Any]:
    if status == "":
        raise InvalidInput("status is pending, delivered or failed, not empty.")
    found = registry.webhook_deliveries(_id(webhook_id), status)
    return {"items": [_jsonable(d) for d in found]}


def deliver(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    body(raw, {})
    return dict(registry.deliver_webhooks())


class WebhooksHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(webhooks, self.registry, self.args("project")["project"]))

    @tornado.web.authenticated
    async def post(self) -> None:
        made = await self.run(add, self.registry, self.request.body)
        self.set_status(201)
        self.reply(made)


class WebhookRemoveHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, webhook_id: str) -> None:
        self.reply(await self.run(remove, self.registry, webhook_id, self.request.body))


class WebhookDeliveriesHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, webhook_id: str) -> None:
        status = self.args("status")["status"]
        self.reply(await self.run(deliveries, self.registry, webhook_id, status))


class WebhookDeliverHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(deliver, self.registry, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    ("webhooks/deliver", WebhookDeliverHandler),
    (rf"webhooks/{_ID}/remove", WebhookRemoveHandler),
    (rf"webhooks/{_ID}/deliveries", WebhookDeliveriesHandler),
    ("webhooks", WebhooksHandler),
]
