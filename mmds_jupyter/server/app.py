"""The MMDS jupyter-server extension: REST API under ``<base_url>/mmds/api/``."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from jupyter_server.extension.application import ExtensionApp
from traitlets import Int, Type

from ..config import MMDS
from ..registry import Registry
from ..scheduler import MMDSScheduler, Scheduler
from .routes import handlers


class MMDSExtension(ExtensionApp):
    """Serves the registry to the JupyterLab panel.

    Where the registry lives is read from ``c.MMDS.url`` / ``c.MMDS.home`` / ``c.MMDS.actor``
    (or MMDS_URL / MMDS_HOME / MMDS_USER); the traits here are for operators.
    """

    name = "mmds"
    extension_url = "/mmds/api/"
    load_other_extensions = True

    registry_class = Type(
        default_value=Registry,
        klass=Registry,
        help="The registry service class; a REST-backed registry can stand in for teams.",
    ).tag(config=True)

    workers = Int(
        4,
        help="Threads that run registry calls, which block on the database, off the event loop.",
    ).tag(config=True)

    def initialize_settings(self) -> None:
        settings = MMDS(parent=self)
        self.registry: Registry = self.registry_class(config=settings)
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mmds-api")
        scheduler = Scheduler(self.registry, self._scheduler_config())
        self.settings.update(
            {
                "mmds_registry": self.registry,
                "mmds_scheduler": scheduler,
                "mmds_executor": self.executor,
            }
        )
        self.log.info("MMDS registry at %s", self.registry.db.engine.url.render_as_string())

    def _scheduler_config(self) -> MMDSScheduler:
        config = MMDSScheduler(parent=self)
        # Jobs created from JupyterLab name their notebook as the file browser shows it, so
        # notebooks must lie under the server's root unless the operator chose another folder.
        chosen = "root_dir" in self.config.MMDSScheduler or os.environ.get("MMDS_ROOT_DIR")
        if not chosen and self.serverapp is not None:
            config.root_dir = self.serverapp.root_dir
        return config

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())

    async def stop_extension(self) -> None:
        executor = getattr(self, "executor", None)
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        registry = getattr(self, "registry", None)
        if registry is not None:
            registry.close()
