"""The MMDS jupyter-server extension: REST API under ``<base_url>/mmds/api/``."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Int, Type

from ..config import MMDS
from ..registry import Registry
from ..remote import open_registry
from ..scheduler import MMDSScheduler, Scheduler
from ..service import RegistryService
from .artifact_routes import DEFAULT_MAX_UPLOAD
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
        klass=object,
        help="The registry service class (it implements mmds_jupyter.service.RegistryService "
        "and is built with config=MMDS(...)); a REST-backed registry can stand in for teams.",
    ).tag(config=True)

    workers = Int(
        4,
        help="Threads that run registry calls, which block on the database, off the event loop.",
    ).tag(config=True)

    max_upload_bytes = Int(
        DEFAULT_MAX_UPLOAD,
        help="The largest model file (bytes) a client may upload; a larger one gets a 413.",
    ).tag(config=True)

    def initialize_settings(self) -> None:
        settings = MMDS(parent=self)
        registry: Any
        if self.registry_class is Registry:
            # MMDS_URL may name a team's central `mmds server`: this (single-user) Jupyter server
            # then forwards the panel's calls to it with its user's token, so the panel shows
            # what that user may see and the browser never holds a token of its own.
            registry = open_registry(config=settings)
        else:
            registry = self.registry_class(config=settings)  # type: ignore[call-arg]
        if not isinstance(registry, RegistryService):
            raise TypeError(
                f"MMDSExtension.registry_class {self.registry_class.__name__} does not implement "
                "mmds_jupyter.service.RegistryService; give a class that does."
            )
        self.registry: RegistryService = registry
        self.executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mmds-api")
        # A local registry's jobs obey this server's notebook folders; a remote one's, its server's.
        scheduler = (
            Scheduler(registry, self._scheduler_config())
            if isinstance(registry, Registry)
            else registry.jobs
        )
        if isinstance(registry, Registry):  # what the registry does with jobs (a retraining's)
            registry._jobs = scheduler
        self.settings.update(
            {
                "mmds_registry": self.registry,
                "mmds_scheduler": scheduler,
                "mmds_executor": self.executor,
                "mmds_max_upload": self.max_upload_bytes,
            }
        )
        self.log.info("MMDS registry at %s", self.registry.location)

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
