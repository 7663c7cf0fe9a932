"""REST routes of alias history and moves: the history of a model's aliases, the version an
alias named at a time, rollback, and several aliases moved at once (all or none)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import records, version_dict
from ..service import RegistryService
from .actions import FLAG, NUMBER, OBJECT, TEXT, body
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"
MOVE_FIELDS = {"reason": TEXT, "force": FLAG, "request": NUMBER}


def history(registry: RegistryService, ref: str, alias: str | None) -> dict[str, Any]:
    return {"items": records(registry.alias_history(ref, alias or None))}


def held_at(registry: RegistryService, ref: str, at: str | None) -> dict[str, Any]:
    from ..errors import InvalidInput

    if not at:
        raise InvalidInput("Give the time: ?at=2026-03-01 (a date means the end of that day).")
    move = registry.alias_at(ref, at)
    return {"move": None if move is None else move.to_dict()}


def rollback(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    return version_dict(registry.rollback(ref, **body(raw, MOVE_FIELDS)))


def set_aliases(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"moves": OBJECT, **MOVE_FIELDS}, required=("moves",))
    return {"items": [version_dict(v) for v in registry.set_aliases(**b)]}


class AliasHistoryHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        alias = self.get_query_argument("alias", None)
        self.reply(await self.run(history, self.registry, ref, alias))


class AliasAtHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        at = self.get_query_argument("at", None)
        self.reply(await self.run(held_at, self.registry, ref, at))


class RollbackHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(rollback, self.registry, ref, self.request.body))


class SetAliasesHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(set_aliases, self.registry, self.request.body))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"aliases/{_REF}/at", AliasAtHandler),
    (rf"aliases/{_REF}/rollback", RollbackHandler),
    (rf"aliases/{_REF}", AliasHistoryHandler),
    ("aliases", SetAliasesHandler),
]
