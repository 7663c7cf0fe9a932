"""REST routes of governance: life-cycle templates, promotion requests, approvals and
evidence. Thin: each calls one registry service operation (``mmds server`` checks roles in
auth/guard.py; the gates themselves are the template's, in governance/)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..errors import InvalidInput, NotFound
from ..service import RegistryService
from .actions import TEXT, body
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"
_ID = r"(?P<request_id>[0-9]+)"


def _request(found: Any) -> dict[str, Any]:
    result: dict[str, Any] = found.to_dict()
    return result


def request(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"stage": TEXT, "comment": TEXT}, required=("stage",))
    return _request(registry.request(ref, **b))


def decide(registry: RegistryService, verdict: str, request_id: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"comment": TEXT})
    operation = registry.approve if verdict == "approve" else registry.reject
    if len(request_id) > 18:  # no id is this long (and int() of thousands of digits fails)
        raise NotFound(f"There is no request {request_id[:20]}...; GET requests lists them.")
    return _request(operation(int(request_id), **b))


def requests(registry: RegistryService, args: dict[str, str | None]) -> dict[str, Any]:
    mine = args.get("mine")
    if mine not in (None, "true", "false"):
        raise InvalidInput(f"mine is true or false, not {mine!r}.")
    status = args.get("status")
    if status not in (None, "open", "done", "rejected", "any"):
        raise InvalidInput(f"status is open, done, rejected or any, not {status!r}.")
    found = registry.requests(
        args.get("ref") or None,
        status=None if status == "any" else status or "open",
        waiting_for_me=mine == "true",
    )
    return {"items": [_request(r) for r in found]}


def attach(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"kind": TEXT, "text": TEXT, "name": TEXT}, required=("kind", "text"))
    return registry.attach(ref, **b)


def evidence_file(registry: RegistryService, ref: str, evidence_id: str) -> dict[str, Any]:
    if len(evidence_id) > 18:  # no id is this long
        raise NotFound(f"There is no evidence {evidence_id[:20]}...; a request's gates name them.")
    return registry.evidence_file(ref, int(evidence_id))


def templates(registry: RegistryService) -> dict[str, Any]:
    return {"items": registry.templates()}


def save_template(registry: RegistryService, raw: bytes) -> dict[str, Any]:
    return registry.save_template(**body(raw, {"source": TEXT}, required=("source",)))


def bind_template(registry: RegistryService, project: str, raw: bytes) -> dict[str, Any]:
    return registry.bind_template(project, **body(raw, {"template": TEXT}))


class RequestHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        made = await self.run(request, self.registry, ref, self.request.body)
        self.reply(made)


class ApproveHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, request_id: str) -> None:
        self.reply(await self.run(decide, self.registry, "approve", request_id, self.request.body))


class RejectHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, request_id: str) -> None:
        self.reply(await self.run(decide, self.registry, "reject", request_id, self.request.body))


class RequestsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("ref", "status", "mine")
        self.reply(await self.run(requests, self.registry, args))


class EvidenceHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        made = await self.run(attach, self.registry, ref, self.request.body)
        self.set_status(201)
        self.reply(made)


class EvidenceFileHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str, evidence_id: str) -> None:
        self.reply(await self.run(evidence_file, self.registry, ref, evidence_id))


class TemplatesHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(templates, self.registry))

    @tornado.web.authenticated
    async def post(self) -> None:
        made = await self.run(save_template, self.registry, self.request.body)
        self.set_status(201)
        self.reply(made)


class BindTemplateHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, project: str) -> None:
        self.reply(await self.run(bind_template, self.registry, project, self.request.body))


# Before routes.ROUTES: 'versions/REF/request' must not be read as a reference.
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/request", RequestHandler),
    (rf"versions/{_REF}/evidence", EvidenceHandler),
    (rf"versions/{_REF}/evidence/(?P<evidence_id>[0-9]+)", EvidenceFileHandler),
    ("requests", RequestsHandler),
    (rf"requests/{_ID}/approve", ApproveHandler),
    (rf"requests/{_ID}/reject", RejectHandler),
    ("templates", TemplatesHandler),
    (r"projects/(?P<project>[^/]+)/template", BindTemplateHandler),
]
