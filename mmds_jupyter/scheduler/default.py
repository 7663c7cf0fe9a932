"""``mmds.jobs``: the jobs service bound to the process-wide registry, created on each use."""

from __future__ import annotations

from typing import Any

from .service import Scheduler


class DefaultJobs:
    """``mmds.jobs.create(...)``, ``.list()``, ``.run(name)``, ``.runs(job=...)``, ...

    Each call uses :func:`mmds_jupyter.default_registry`, so :func:`mmds_jupyter.connect`
    redirects it too; see :class:`Scheduler` for the methods.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from .. import default_registry

        return getattr(default_registry().jobs, name)

    def __dir__(self) -> list[str]:
        return [n for n in dir(Scheduler) if not n.startswith("_")]
