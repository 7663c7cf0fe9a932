"""Scheduler settings as traitlets (``c.MMDSScheduler.*``), defaulting to environment variables."""

from __future__ import annotations

import os

from traitlets import Float, Int, List, Unicode, default
from traitlets.config import Configurable

# How the scheduler hands its server URL to each run's runner process.
SERVER_URL_ENV = "MMDS_SCHEDULER_SERVER_URL"


class MMDSScheduler(Configurable):
    """Where job notebooks may live and how the ``mmds scheduler`` process claims and runs them."""

    root_dir = Unicode(
        help="Job notebooks must lie under this folder (symlinks resolved, no '..' escapes). "
        "Defaults to $MMDS_ROOT_DIR, then (in the Jupyter server) the server's root_dir, then "
        "the current directory.",
    ).tag(config=True)

    poll_interval = Float(
        10.0, help="Seconds between two looks at the database for due and queued runs."
    ).tag(config=True)

    lease = Float(
        60.0,
        help="Seconds without a heartbeat after which a running run counts as orphaned (its "
        "scheduler or machine died) and is failed or retried by any scheduler.",
    ).tag(config=True)

    misfire_grace = Float(
        60.0,
        help="An occurrence found due later than this many seconds after its time counts as "
        "missed (the scheduler was down); the job's catchup policy decides whether it runs.",
    ).tag(config=True)

    max_workers = Int(4, help="At most this many runs executing at once per scheduler.").tag(
        config=True
    )

    executor = Unicode(
        "local",
        help="'local' (a subprocess per run) or 'dask://HOST:PORT' (a Dask distributed cluster).",
    ).tag(config=True)

    kernel_name = Unicode(
        "", help="Kernel to run notebooks with; empty means the notebook's own kernelspec."
    ).tag(config=True)

    model_ref_parameters = List(
        Unicode(),
        ["model_ref"],
        help="Notebook parameters that hold a model reference: checked when a job is created, "
        "resolved (an alias pinned to its version) when each run starts.",
    ).tag(config=True)

    server_url = Unicode(
        help="Team mode: the URL of the team's `mmds server` (https://host:port/). Each run's "
        "notebook then acts through that server as the job's owner, with a token limited to "
        "the job's projects and revoked when the run ends, and never sees the database URL; "
        "a run whose owner is disabled or lost the `jobs` permission fails at once. Empty "
        "(the default, a laptop): notebooks use the registry directly. Defaults to "
        "$MMDS_SCHEDULER_SERVER_URL.",
    ).tag(config=True)

    @default("server_url")
    def _default_server_url(self) -> str:
        return os.environ.get(SERVER_URL_ENV, "")

    @default("root_dir")
    def _default_root_dir(self) -> str:
        return os.environ.get("MMDS_ROOT_DIR") or os.getcwd()
