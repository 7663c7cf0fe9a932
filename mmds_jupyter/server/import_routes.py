"""REST routes of imports from other tools (MLflow): the importer runs where the other tool's
store is reachable and sends each model as a record (``Registry.import_version``)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import version_dict
from ..service import RegistryService
from .actions import LIST, OBJECT, body
from .routes import MMDSHandler


def import_version(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    """A record (its model file uploaded first with ``PUT artifacts/<sha256>``) as a version;
    its origin imported before answers the version the first import made."""
    record = body(raw, {"record": OBJECT}, ("record",))["record"]
    return version_dict(registry.import_version(record))


def import_versions(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    """Many records (files uploaded first) as versions, the new ones in one transaction."""
    records = body(raw, {"records": LIST}, ("records",))["records"]
    return {"versions": [version_dict(v) for v in registry.import_versions(records)]}


def imported(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    return {"imported": registry.imported(body(raw, {"origins": LIST}, ("origins",))["origins"])}


class ImportHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        version = await self.run(import_version, self.registry, self.request.body)
        self.set_status(201)
        self.reply(version)


class ImportBatchHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        versions = await self.run(import_versions, self.registry, self.request.body)
        self.set_status(201)
        self.reply(versions)


class ImportedHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(imported, self.registry, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    ("imports/lookup", ImportedHandler),
    ("imports/batch", ImportBatchHandler),
    ("imports", ImportHandler),
]
