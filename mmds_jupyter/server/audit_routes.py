"""REST routes of the audit log for auditors: check it against its signed checkpoint, write a
checkpoint, export it with its hash chain."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..service import RegistryService
from .actions import body
from .routes import MMDSHandler


def verify(registry: RegistryService) -> dict[str, Any]:
    return registry.verify_audit()


def export(registry: RegistryService, since: str | None, project: str | None) -> dict[str, Any]:
    return registry.audit_export(since or None, project or None)


def checkpoint(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    body(raw, {})  # no fields: a misspelt option is refused, not ignored
    return registry.audit_checkpoint()


class AuditVerifyHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(verify, self.registry))


class AuditCheckpointHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(checkpoint, self.registry, self.request.body))


class AuditExportHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("since", "project")
        self.reply(await self.run(export, self.registry, args["since"], args["project"]))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    ("audit/verify", AuditVerifyHandler),
    ("audit/checkpoint", AuditCheckpointHandler),
    ("audit/export", AuditExportHandler),
]
