"""REST handlers that change versions, score, and read scoring's records; the work lives in
:mod:`.actions`. Every write is a POST with a JSON body, behind Jupyter's XSRF check."""

from __future__ import annotations

import re

import tornado.web

from . import actions
from .artifact_routes import ROUTES as ARTIFACT_ROUTES
from .artifact_routes import ModelFileHandler
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"


class TrackHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        key = self.request.headers.get("Idempotency-Key")
        version = await self.run(actions.track, self.registry, self.request.body, key)
        self.set_status(201)
        self.reply(version)


class StageHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(actions.set_stage, self.registry, ref, self.request.body))


class AliasHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(actions.alias, self.registry, ref, self.request.body))


class ContractHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        self.reply(await self.run(actions.contract, self.registry, ref, None))

    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(actions.contract, self.registry, ref, self.request.body))


class ScoreHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(actions.score, self.registry, ref, self.request.body))


class ScoreSetsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("ref", "run_id", "limit")
        self.reply(await self.run(actions.score_sets, self.registry, args))


class ScoreSetHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, score_set_id: str) -> None:
        self.reply(await self.run(actions.score_set, self.registry, score_set_id))


class ActualsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        result = await self.run(actions.actuals, self.registry, ref, self.request.body)
        self.set_status(201)
        self.reply(result)


class PerformanceHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        args = self.args("window", "slice")
        self.reply(await self.run(actions.performance, self.registry, ref, args))


class BaselineHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        self.reply(await self.run(actions.baseline, self.registry, ref))


class PermissionsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        self.reply(await self.run(actions.permissions, self.registry, ref))


class DriftHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        args = self.args("score_set", "min_rows")
        self.reply(await self.run(actions.drift, self.registry, ref, args))


class ScoringTestsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        limit = self.get_query_argument("limit", None)
        self.reply(await self.run(actions.scoring_test_results, self.registry, ref, limit))

    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        test = await self.run(actions.create_scoring_test, self.registry, ref, self.request.body)
        self.set_status(201)
        self.reply(test)


class ScoringTestsRunHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        body = self.request.body
        self.reply(await self.run(actions.run_scoring_tests, self.registry, ref, body))


def file_name(ref: str, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", ref) + suffix


class PMMLExportHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        data = await self.run(actions.export_pmml, self.registry, ref)
        self.set_header("Content-Disposition", f'attachment; filename="{file_name(ref, ".pmml")}"')
        self.finish(data, set_content_type="application/xml")


class VerifyEventsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(actions.verify_events, self.registry))


class GCHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        self.reply(await self.run(actions.gc, self.registry, self.request.body))


# Before the routes of routes.ROUTES: 'versions/REF/score' must not be read as a reference.
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/stage", StageHandler),
    (rf"versions/{_REF}/alias", AliasHandler),
    (rf"versions/{_REF}/contract", ContractHandler),
    (rf"versions/{_REF}/score", ScoreHandler),
    (rf"versions/{_REF}/actuals", ActualsHandler),
    (rf"versions/{_REF}/performance", PerformanceHandler),
    (rf"versions/{_REF}/baseline", BaselineHandler),
    (rf"versions/{_REF}/drift", DriftHandler),
    (rf"versions/{_REF}/permissions", PermissionsHandler),
    (rf"versions/{_REF}/scoring-tests/run", ScoringTestsRunHandler),
    (rf"versions/{_REF}/scoring-tests", ScoringTestsHandler),
    (rf"versions/{_REF}/pmml", PMMLExportHandler),
    (rf"versions/{_REF}/file", ModelFileHandler),
    ("track", TrackHandler),
    ("score-sets", ScoreSetsHandler),
    (r"score-sets/(?P<score_set_id>[0-9]+)", ScoreSetHandler),
    ("events/verify", VerifyEventsHandler),
    ("gc", GCHandler),
    *ARTIFACT_ROUTES,
]
