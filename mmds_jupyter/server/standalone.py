"""`mmds server`: the central MMDS server of a team, a jupyter-server that serves MMDS alone.

It alone holds the database URL (PostgreSQL for a team) and the artifact root. Users
authenticate with their own tokens (``mmds tokens create``), resolved on every request; the
authenticated user is the actor of every event written through it (MMDS_USER is ignored).
Jupyter's own APIs (kernels, contents, terminals, ...) are refused: on a shared server they would
let any user run code with the server's credentials. ``GET /mmds/api/health`` answers without
a token. SIGTERM or SIGINT stops it cleanly (requests finish, the registry is closed, exit code 0).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.serverapp import ServerApp
from tornado.netutil import bind_sockets
from traitlets import Bool, Dict, Int, default, validate

from ..auth.guard import GuardedRegistry
from ..auth.permissions import Principal
from ..config import MMDS
from ..errors import InvalidInput
from ..remote import is_server_url
from ..scheduler import MMDSScheduler
from .app import MMDSExtension
from .routes import API_PREFIX, MMDSHandler
from .team_auth import MMDSOnlyAuthorizer, MMDSTokenIdentityProvider

EXTENSION = "mmds_jupyter.server.standalone"


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    return [{"module": EXTENSION, "app": MMDSTeamExtension}]


class TeamMode:
    """Per request of `mmds server`: the registry and scheduler acting as the request's user."""

    def __init__(self, registry: Any, scheduler_config: MMDSScheduler, log: Any):
        self.registry = registry
        self.scheduler_config = scheduler_config
        self.log = log

    def registry_for(self, user: Any) -> Any:
        """The registry acting as the request's user, guarded by their roles (see
        auth/permissions.py). The user's groups are those MMDS keeps (`mmds groups add`) plus
        any an identity provider put on the jupyter_server User as ``groups`` (JupyterHub's, see
        hub_auth.HubUser). Only an `admin` grant makes a server admin (not a Hub admin)."""
        if user is None:  # only the health route runs without a user, and it writes nothing
            return self.registry
        limit = getattr(user, "projects", None)  # a run's token (team_auth.TokenUser)
        principal = Principal(
            name=user.username,
            groups=frozenset(getattr(user, "groups", None) or ()),
            projects=frozenset(limit) if limit is not None else None,
        )
        inner = self.registry.acting_as(user.username)
        return GuardedRegistry(inner, principal, self.scheduler_config)

    def log_write(self, handler: MMDSHandler) -> None:
        """One line per write that went through: who, what, on which reference."""
        request = handler.request
        if request.method in ("GET", "HEAD", "OPTIONS") or handler.get_status() >= 400:
            return
        user = handler.current_user
        who = user.username if user is not None else "-"
        path = request.path.split(f"/{API_PREFIX}/", 1)[-1]
        ref = getattr(handler, "mmds_ref", None)
        groups = ",".join(getattr(user, "groups", ()))  # a Hub user's groups (hub_auth.HubUser)
        self.log.info(
            "MMDS write: actor=%s action=%s %s ref=%s status=%d%s",
            who,
            request.method,
            path,
            ref or "-",
            handler.get_status(),
            f" groups={groups}" if groups else "",
        )


class HealthHandler(MMDSHandler):
    """Whether the server runs and its database answers; no token needed, nothing secret."""

    @allow_unauthenticated
    async def get(self) -> None:
        registry = self.settings["mmds_registry"]
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.settings["mmds_executor"], registry.latest_event_id)
            database = True
        except Exception:  # noqa: BLE001 - any failure means "the database does not answer"
            self.log.exception("MMDS health: the database does not answer")
            database = False
        self.set_status(200 if database else 503)
        self.reply({"ok": database, "database": database})


class MMDSTeamExtension(MMDSExtension):
    """The MMDS extension in team mode: actors from tokens, a health route, write logs."""

    load_other_extensions = False

    def initialize_settings(self) -> None:
        url = MMDS(parent=self).url
        if is_server_url(url):
            raise InvalidInput(
                f"mmds server keeps the registry itself: --db-url must name a database (e.g. "
                f"postgresql+psycopg://mmds@db/mmds), not another MMDS server ({url})."
            )
        super().initialize_settings()
        team = TeamMode(self.registry, self._scheduler_config(), self.log)
        self.settings["mmds_team"] = team

    def initialize_handlers(self) -> None:
        # Before the extension's catch-all 404 route.
        self.handlers.append((rf"/{API_PREFIX}/health/?", HealthHandler))
        super().initialize_handlers()

    async def stop_extension(self) -> None:
        self.log.info("MMDS server shutting down: closing the registry.")
        await super().stop_extension()


_ALIASES = {
    "ip": ("ServerApp.ip", "The address to listen on (default localhost)."),
    "port": ("ServerApp.port", "The port to listen on (default 8888)."),
    "base-url": ("ServerApp.base_url", "The URL prefix, e.g. /mmds-team/ behind a proxy."),
    "certfile": ("ServerApp.certfile", "TLS certificate file (PEM): serve https."),
    "keyfile": ("ServerApp.keyfile", "TLS private key file (PEM) of --certfile."),
    "client-ca": ("ServerApp.client_ca", "CA certificates that client certificates must match."),
    "db-url": (
        "MMDS.url",
        "SQLAlchemy URL of the registry database, e.g. postgresql+psycopg://mmds@db/mmds.",
    ),
    "artifact-root": ("MMDS.home", "Folder of the model files and other artifacts."),
    "notebook-dir": ("MMDSScheduler.root_dir", "Folder that scheduled jobs' notebooks live in."),
    "processes": (
        "MMDSServerApp.processes",
        "Worker processes serving the address (default 1); more use more cores.",
    ),
    "config": ("ServerApp.config_file", "A config file (.py or .json) of these traitlets."),
    "log-level": ("Application.log_level", "DEBUG, INFO, WARN, ERROR or CRITICAL."),
}
_FLAGS = {
    "debug": ({"Application": {"log_level": "DEBUG"}}, "Log at DEBUG level."),
    "allow-root": ({"ServerApp": {"allow_root": True}}, "Allow running as root."),
    "hub": (
        {"MMDSServerApp": {"hub": True}},
        "Run as a JupyterHub service: accept Hub users' tokens (and MMDS tokens).",
    ),
}


class MMDSServerApp(ServerApp):
    """The `mmds server` application."""

    name = "mmds-server"
    description = """The central MMDS server of a team.

    Serves the MMDS REST API (/mmds/api/) to kernels, the command line and JupyterLab panels,
    over the registry database and artifact root that only it holds. Users authenticate with
    tokens from `mmds tokens create USER` (header `Authorization: token T`); Jupyter's own
    APIs are refused. With --hub it runs as a JupyterHub service and also accepts Hub users'
    tokens (README: "MMDS as a JupyterHub service"). Every option is a traitlet: `--help-all`
    lists them all, and a config file (--config) can set them (c.MMDS.url, c.ServerApp.port)."""
    examples = """
mmds server --db-url=postgresql+psycopg://mmds@db/mmds --artifact-root=/srv/mmds
mmds server --ip=0.0.0.0 --port=8443 --certfile=mmds.pem --keyfile=mmds.key
mmds server --db-url=postgresql+psycopg://mmds@db/mmds --processes=4
mmds --url=postgresql+psycopg://mmds@db/mmds users add alice
mmds --url=postgresql+psycopg://mmds@db/mmds tokens create alice
curl -H "Authorization: token $TOKEN" https://host:8443/mmds/api/projects
"""
    aliases = Dict(_ALIASES)
    flags = Dict(_FLAGS)
    subcommands: dict[str, Any] = {}
    classes = [*ServerApp.classes, MMDS, MMDSScheduler, MMDSExtension]

    hub = Bool(
        False,
        config=True,
        help="""Run as a JupyterHub service (c.JupyterHub.services): Hub users' tokens with the
        service's access scope are accepted beside MMDS tokens, and the address and base URL
        default to the service's url and prefix that the Hub passes in the environment.""",
    )

    processes = Int(
        1,
        config=True,
        help="""Worker processes that serve the address, each with its own database
        connections (1: this process serves). A process runs one request's Python code at a
        time, so more processes, up to about the number of cores, answer more requests at
        once. With more than one, this process supervises: it starts them, and SIGTERM or
        Ctrl-C stops them all (see mmds_jupyter/server/workers.py).""",
    )

    worker = Int(
        -1,
        config=True,
        help="""Set by the supervisor of --processes for each worker it starts (its index);
        not for operators.""",
    )

    @validate("processes")
    def _valid_processes(self, proposal: Any) -> int:
        if proposal["value"] < 1:
            raise InvalidInput(f"--processes={proposal['value']}: give 1 or more worker processes.")
        return int(proposal["value"])

    @property
    def supervising(self) -> bool:
        return self.processes > 1 and self.worker < 0

    @default("ip")
    def _default_ip(self) -> str:
        hub_url = self._hub_service_url()
        if hub_url and hub_url.hostname:
            return hub_url.hostname
        return str(super()._default_ip())

    @default("port")
    def _port_default(self) -> int:
        hub_url = self._hub_service_url()
        if hub_url and hub_url.port:
            return hub_url.port
        return int(super()._port_default())

    @default("base_url")
    def _default_hub_prefix(self) -> str:
        return os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/") if self.hub else "/"

    def _hub_service_url(self) -> SplitResult | None:
        service_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
        return urlsplit(service_url) if self.hub and service_url else None

    @default("port_retries")
    def _default_one_port(self) -> int:
        return 0  # a team's clients know one address: fail rather than move

    @default("reraise_server_extension_failures")
    def _default_fail_without_mmds(self) -> bool:
        return True  # MMDS is all this server serves: if it cannot load, stop with its error

    @default("identity_provider_class")
    def _default_identity_provider(self) -> type:
        if self.hub:
            from .hub_auth import HubIdentityProvider

            return HubIdentityProvider
        return MMDSTokenIdentityProvider

    @default("authorizer_class")
    def _default_authorizer(self) -> type:
        return MMDSOnlyAuthorizer

    @default("allow_unauthenticated_access")
    def _default_no_anonymous(self) -> bool:
        return False

    @default("default_url")
    def _default_health(self) -> str:
        return f"/{API_PREFIX}/health"

    def init_signal(self) -> None:
        super().init_signal()
        # SIGINT (Ctrl-C, and how JupyterHub stops its services) stops cleanly at once, like
        # SIGTERM: no "Shut down (y/[n])?" that a service has no one to answer, and no bare
        # KeyboardInterrupt that skips closing the registry when there is no terminal.
        signal.signal(signal.SIGINT, self._signal_stop)

    def start(self) -> None:
        from .workers import supervise, watch_parent

        if self.supervising:
            # The configuration and the port were checked in initialize(); this process
            # serves nothing itself, so it lets go of its registry before the workers start.
            if self.sock:
                raise InvalidInput(
                    "--processes serves a TCP address (--ip, --port), not a Unix socket "
                    "(--sock): give one or the other."
                )
            self._release_registry()
            self.exit(supervise(self, self.processes))
        if self.worker >= 0:
            watch_parent(self)
        super().start()

    def _release_registry(self) -> None:
        settings = self.web_app.settings
        if settings.get("mmds_executor") is not None:
            settings["mmds_executor"].shutdown(wait=False)
        if settings.get("mmds_registry") is not None:
            settings["mmds_registry"].close()

    def _find_http_port(self) -> None:
        if self.worker >= 0:
            return  # the supervisor checked the port, where the other workers now listen
        super()._find_http_port()

    def _bind_http_server_tcp(self) -> bool:
        if self.worker < 0:
            return bool(super()._bind_http_server_tcp())
        # Every worker listens on the address; the kernel spreads the connections.
        try:
            sockets = bind_sockets(self.port, self.ip or None, reuse_port=True)
        except OSError as exc:
            self.log.critical("MMDS server worker %d cannot listen: %s", self.worker, exc)
            return False
        self.http_server.add_sockets(sockets)
        return True

    def init_server_extensions(self) -> None:
        # MMDS alone, whatever extensions the Python environment enables for Jupyter.
        self.jpserver_extensions = {EXTENSION: True}
        super().init_server_extensions()


def main(argv: Sequence[str] | None = None) -> int:
    """Run `mmds server` until SIGTERM or Ctrl-C; the exit code is 0 after a clean stop."""
    MMDSServerApp.launch_instance(argv=list(sys.argv[1:] if argv is None else argv))
    return 0
