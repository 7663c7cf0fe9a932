"""Thin REST handlers under ``<base_url>/mmds/api/``; the work lives in :mod:`.views`."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from ..encode import dumps
from ..errors import MMDSError
from . import actions, jobs, views

OPENAPI = Path(__file__).with_name("openapi.json")


class MMDSHandler(ExtensionHandlerMixin, APIHandler):
    """Base of every MMDS route: runs registry calls off the event loop, maps errors to HTTP."""

    @property
    def registry(self) -> Any:
        # `mmds server` (team mode): the authenticated user is the actor of every write.
        team = self.settings.get("mmds_team")
        if team is None:
            return self.settings["mmds_registry"]
        # One view per request, so that the caller's roles are read once, not once per use.
        if self._mmds_view is None:
            self._mmds_view = team.registry_for(self.current_user)
        return self._mmds_view

    _mmds_view: Any = None

    async def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a blocking registry call in the extension's thread pool.

        The one place where domain errors become HTTP statuses: each :class:`MMDSError` carries
        its own ``http_status``; the JSON body says what went wrong and what to do.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self.settings["mmds_executor"], functools.partial(fn, *args, **kwargs)
            )
        except MMDSError as exc:
            status = exc.http_status
            if status >= 500:
                self.log.error("MMDS: %s", exc)
            self.set_status(status)
            self.finish(dumps({"error": type(exc).__name__, "message": str(exc)}))
            raise tornado.web.Finish() from None

    @property
    def scheduler(self) -> Any:
        team = self.settings.get("mmds_team")
        return self.registry.jobs if team else self.settings["mmds_scheduler"]

    def args(self, *names: str) -> dict[str, str | None]:
        return {n: self.get_query_argument(n, None) for n in names}

    def reply(self, payload: Any) -> None:
        self.mmds_ref = payload.get("ref") if isinstance(payload, dict) else None
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(dumps(payload))

    def on_finish(self) -> None:
        team = self.settings.get("mmds_team")
        if team is not None:
            team.log_write(self)
        super().on_finish()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Errors outside the registry (404 route, 403, 405) in the same JSON shape."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or self._reason
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps({"error": self._reason, "message": message}))


class ServerInfoHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(views.server_info, self.registry))


class ProjectsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(views.projects, self.registry))


class ModelsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        project = self.get_query_argument("project", None)
        self.reply(await self.run(views.models, self.registry, project))


class VersionsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        get = self.get_query_arguments
        self.reply(await self.run(views.list_versions, self.registry, get))


class VocabularyHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        get = self.get_query_arguments
        self.reply(await self.run(views.vocabulary, self.registry, get))


class VersionHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        root = self.settings.get("server_root_dir")
        self.reply(await self.run(views.version_detail, self.registry, ref, root))


class LineageHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        depth = self.get_query_argument("depth", None)
        self.reply(await self.run(views.lineage, self.registry, ref, depth))


class VersionEventsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        args = {**self.args("limit"), "ref": ref}
        self.reply(await self.run(views.events, self.registry, args))


class VersionTagHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(views.tag_version, self.registry, ref, self.request.body))


class VersionUntagHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(views.untag_version, self.registry, ref, self.request.body))


class VersionDescribeHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(views.describe_version, self.registry, ref, self.request.body))


class PMMLImportHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self) -> None:
        version = await self.run(actions.import_pmml, self.registry, self.request.body)
        self.set_status(201)
        self.reply(version)


class DatasetHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, content_hash: str) -> None:
        self.reply(await self.run(views.dataset, self.registry, content_hash))


class CompareHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        refs = self.get_query_arguments("refs")
        self.reply(await self.run(views.compare, self.registry, refs))


class EventsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("ref", "actor", "action", "since", "limit")
        self.reply(await self.run(views.events, self.registry, args))


class ChangesHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(views.changes, self.registry))


class JobsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(jobs.list_jobs, self.scheduler))

    @tornado.web.authenticated
    async def post(self) -> None:
        job = await self.run(jobs.create_job, self.scheduler, self.request.body)
        self.set_status(201)
        self.reply(job)


class NotebooksHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(await self.run(jobs.list_notebooks, self.scheduler))


class JobHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, name: str) -> None:
        limit = self.get_query_argument("limit", None)
        self.reply(await self.run(jobs.job_detail, self.scheduler, name, limit))

    @tornado.web.authenticated
    async def put(self, name: str) -> None:
        self.reply(await self.run(jobs.replace_job, self.scheduler, name, self.request.body))

    @tornado.web.authenticated
    async def patch(self, name: str) -> None:
        self.reply(await self.run(jobs.update_job, self.scheduler, name, self.request.body))

    @tornado.web.authenticated
    async def delete(self, name: str) -> None:
        self.reply(await self.run(jobs.delete_job, self.scheduler, name))


class JobRunHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        run = await self.run(jobs.run_job, self.scheduler, name)
        self.set_status(201)
        self.reply(run)


class JobPauseHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.run(jobs.pause_job, self.scheduler, name))


class JobResumeHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.run(jobs.resume_job, self.scheduler, name))


class RunsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("job", "limit")
        self.reply(await self.run(jobs.list_runs, self.scheduler, args["job"], args["limit"]))


class RunHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.run(jobs.run_detail, self.scheduler, run_id))


class RunCancelHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, run_id: str) -> None:
        run = await self.run(jobs.cancel_run, self.scheduler, run_id)
        # 202: a running run is only asked to stop; its scheduler ends it within seconds.
        self.set_status(200 if run["status"] == "cancelled" else 202)
        self.reply(run)


class RunNotebookHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        self.reply(await self.run(jobs.run_notebook, self.scheduler, run_id))


class OpenAPIHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(OPENAPI.read_bytes())


class NotFoundHandler(MMDSHandler):
    """Any other path under the API answers 404 in JSON (after authentication)."""

    @tornado.web.authenticated
    async def get(self, path: str) -> None:
        raise tornado.web.HTTPError(404, f"There is no MMDS API route {path!r}.")

    @tornado.web.authenticated
    async def post(self, path: str) -> None:
        raise tornado.web.HTTPError(404, f"There is no MMDS API route {path!r}.")

    put = post


# A reference holds a '/' between project and model; clients URL-encode it (%2F), but a raw
# slash works too. Sub-resource routes come first so that '.../lineage' is not read as a ref.
_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    ("", ServerInfoHandler),
    ("openapi.json", OpenAPIHandler),
    ("projects", ProjectsHandler),
    ("models", ModelsHandler),
    ("versions", VersionsHandler),
    ("vocabulary", VocabularyHandler),
    (rf"versions/{_REF}/lineage", LineageHandler),
    (rf"versions/{_REF}/events", VersionEventsHandler),
    (rf"versions/{_REF}/tag", VersionTagHandler),
    (rf"versions/{_REF}/untag", VersionUntagHandler),
    (rf"versions/{_REF}/describe", VersionDescribeHandler),
    (rf"versions/{_REF}", VersionHandler),
    (r"datasets/(?P<content_hash>[^/]+)", DatasetHandler),
    ("pmml/import", PMMLImportHandler),
    ("compare", CompareHandler),
    ("events", EventsHandler),
    ("changes", ChangesHandler),
    ("jobs", JobsHandler),
    ("notebooks", NotebooksHandler),
    (r"jobs/(?P<name>[^/]+)/run", JobRunHandler),
    (r"jobs/(?P<name>[^/]+)/pause", JobPauseHandler),
    (r"jobs/(?P<name>[^/]+)/resume", JobResumeHandler),
    (r"jobs/(?P<name>[^/]+)", JobHandler),
    ("runs", RunsHandler),
    (r"runs/(?P<run_id>[0-9]+)/notebook", RunNotebookHandler),
    (r"runs/(?P<run_id>[0-9]+)/cancel", RunCancelHandler),
    (r"runs/(?P<run_id>[0-9]+)", RunHandler),
    (r"(?P<path>.+)", NotFoundHandler),
]
API_PREFIX = "mmds/api"


def handlers() -> list[tuple[str, type[MMDSHandler]]]:
    """Routes relative to the server's base URL (ExtensionApp prefixes the base URL)."""
    from .action_routes import ROUTES as ACTIONS
    from .alias_routes import ROUTES as ALIASES
    from .audit_routes import ROUTES as AUDIT
    from .consumer_routes import ROUTES as CONSUMERS
    from .governance_routes import ROUTES as GOVERNANCE
    from .grant_routes import ROUTES as GRANTS
    from .import_routes import ROUTES as IMPORTS
    from .monitor_routes import ROUTES as MONITORS
    from .report_routes import ROUTES as REPORTS
    from .retention_routes import ROUTES as RETENTION
    from .retrain_routes import ROUTES as RETRAIN
    from .task_routes import ROUTES as TASKS
    from .webhook_routes import ROUTES as WEBHOOKS

    return [
        (rf"/{API_PREFIX}/{path}/?" if path else rf"/{API_PREFIX}/?", cls)
        for path, cls in [
            *ACTIONS,
            *ALIASES,
            *AUDIT,
            *CONSUMERS,
            *GOVERNANCE,
            *GRANTS,
            *IMPORTS,
            *MONITORS,
            *REPORTS,
            *RETENTION,
            *RETRAIN,
            *TASKS,
            *WEBHOOKS,
            *ROUTES,
        ]
    ]
