"""REST routes of archive and retention: archive, restore, legal hold and release, purge, and
the retention sweep. Thin: each calls one registry service operation (rules in
governance/retention.py; roles in auth/guard.py)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import version_dict
from ..service import RegistryService
from .actions import FLAG, TEXT, body
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in d.items()}


def archive(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    return version_dict(registry.archive(ref, **body(raw, {"reason": TEXT, "force": FLAG})))


def restore(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    return version_dict(registry.restore(ref, **body(raw, {"reason": TEXT})))


def hold(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"reason": TEXT}, required=("reason",))
    return _jsonable(registry.hold(ref, **b))


def release(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    done = registry.release(ref, **body(raw, {"reason": TEXT}))
    return _jsonable({**done, "held": _jsonable(done.get("held") or {})})


def purge(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"reason": TEXT}, required=("reason",))
    return _jsonable(registry.purge(ref, **b))


def archive_due(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    body(raw, {})
    return {"items": [_jsonable(r) for r in registry.archive_due()]}


def _handler(operation: Any) -> type[MMDSHandler]:
    class Handler(MMDSHandler):
        @tornado.web.authenticated
        async def post(self, ref: str) -> None:
            self.reply(await self.run(operation, self.registry, ref, self.request.body))

    Handler.__name__ = f"{operation.__name__.title()}Handler"
    return Handler


class ArchiveDueHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(archive_due, self.registry, self.request.body))


# Before routes.ROUTES: 'versions/REF/archive' must not be read as a reference.
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    *[(rf"versions/{_REF}/{op.__name__}", _handler(op)) for op in (archive, restore, hold)],
    *[(rf"versions/{_REF}/{op.__name__}", _handler(op)) for op in (release, purge)],
    ("archive/due", ArchiveDueHandler),
]
