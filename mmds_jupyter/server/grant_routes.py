"""REST routes of roles (team mode): list, grant and revoke; ``mmds server`` allows them to a
project's owners (and server admins), as auth/permissions.py says."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..service import RegistryService
from .actions import TEXT, body
from .routes import MMDSHandler

GRANT_FIELDS = {"role": TEXT, "project": TEXT, "user": TEXT, "group": TEXT}


def grants(registry: RegistryService, project: str | None) -> dict[str, Any]:
    return {"items": [g.to_dict() for g in registry.grants(project or None)]}


def grant(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = registry.grant(**body(raw, GRANT_FIELDS, ("role",))).to_dict()
    return result


def revoke(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = registry.revoke(**body(raw, GRANT_FIELDS, ("role",))).to_dict()
    return result


class GrantsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        project = self.get_query_argument("project", None)
        self.reply(await self.run(grants, self.registry, project))

    @tornado.web.authenticated
    async def post(self) -> None:
        made = await self.run(grant, self.registry, self.request.body)
        self.set_status(201)
        self.reply(made)


class RevokeHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(revoke, self.registry, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    ("grants/revoke", RevokeHandler),
    ("grants", GrantsHandler),
]
