"""One attempt of one run, in its own process: a template method around papermill.

``python -m mmds_jupyter.scheduler.runner RUN_ID ATTEMPT`` is what every executor starts; the
registry comes from MMDS_URL / MMDS_HOME in the environment (never the command line, which other
users can read).
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import MMDSError, error_named
from ..registry import Registry
from . import run_identity, spark_master
from .config import SERVER_URL_ENV, MMDSScheduler
from .entities import Job
from .errors import NotebookRefused
from .notebooks import notebook_parameters
from .outcomes import Outcome, finish_attempt
from .paths import output_dir
from .watchdog import Watchdog

log = logging.getLogger("mmds.runner")
# papermill marks the cells it adds; they are not the user's cells.
_INJECTED_TAG = "injected-parameters"
_ERROR_TAG = "papermill-error-cell-tag"


class LeaseLost(Exception):
    """This attempt is no longer the run's current one (reaped, retried or cancelled)."""


class RunExecution:
    """Run one attempt: before_start, execute, then on_complete or on_failure.

    Subclasses may override a step (e.g. to stage data before the notebook runs); ``process``
    fixes the order and guarantees that exactly one outcome is recorded.
    """

    def __init__(
        self,
        registry: Registry,
        run_id: int,
        attempt: int,
        *,
        config: MMDSScheduler | None = None,
        heartbeat_s: float = 5.0,
        watch_parent: bool = False,
    ):
        self.registry = registry
        self.runs = registry.run_store()
        self.run_id, self.attempt = run_id, attempt
        self.config = config or MMDSScheduler()
        self.heartbeat_s, self.watch_parent = heartbeat_s, watch_parent
        self.watchdog: Watchdog | None = None
        self.job: Job | None = None
        self.parameters: dict[str, Any] = {}
        self.output = self.partial = Path()
        # Team mode: the projects the run's token is limited to, and the token's id.
        self.projects: frozenset[str] | None = None
        self.token_id: int | None = None

    def process(self) -> int:
        """Run the steps; returns the process exit code (0 when the notebook succeeded)."""
        try:
            try:
                self.before_start()
                self.execute()
            except LeaseLost:
                return 3
            except Exception as exc:  # noqa: BLE001 - every failure is recorded on the run
                self.on_failure(exc)
                return 1
            finally:
                if self.watchdog is not None:
                    self.watchdog.stop()
            self.on_complete()
            return 0
        finally:
            self.release_token()

    # -- steps ---------------------------------------------------------------------------------

    def before_start(self) -> None:
        """Check the run is still ours, pin model references, prepare the kernel's environment."""
        job = self.job = self.runs.attempt_job(self.run_id, self.attempt)
        if job is None:
            raise LeaseLost()
        self.watchdog = Watchdog(
            self.runs, self.run_id, self.attempt, self.heartbeat_s, job.timeout_s, self.watch_parent
        )
        self.watchdog.start()
        if str(Path(job.notebook).resolve()) != job.notebook or not Path(job.notebook).is_file():
            raise NotebookRefused(
                f"The job's notebook {job.notebook} is missing or is now a link to somewhere "
                "else; restore it or create the job again."
            )
        if self.config.server_url:
            # Team mode: the owner must still be allowed to run the job (else a clear error).
            self.projects = run_identity.check_owner(
                self.registry, job, list(self.config.model_ref_parameters)
            )
        params = dict(job.parameters or {})
        resolved: dict[str, Any] = {}
        for key in self.config.model_ref_parameters:
            if key in params:
                # The alias is read now, so promoting a new champion needs no change to the job,
                # and the notebook gets the exact version that this run records.
                version = self.registry.get(str(params[key]))
                resolved[key] = {"requested": params[key], "resolved": version.ref}
                params[key] = version.ref
        if job.spark_master and spark_master.PARAMETER in notebook_parameters(Path(job.notebook)):
            params[spark_master.PARAMETER] = job.spark_master
        self.parameters = params
        folder = output_dir(self.registry.home, job.name)
        folder.mkdir(parents=True, exist_ok=True)
        self.output = folder / f"{self.run_id}.ipynb"
        self.partial = folder / f".{self.run_id}.{self.attempt}.ipynb.partial"
        host, pid = socket.gethostname(), os.getpid()
        if not self.runs.record_start(self.run_id, self.attempt, params, resolved, host, pid):
            raise LeaseLost()
        os.environ.update(
            MMDS_RUN_ID=str(self.run_id),
            MMDS_JOB=job.name,
            MMDS_URL=self.registry.url,
            MMDS_HOME=str(self.registry.home),
            MMDS_NOTEBOOK=job.notebook,
        )
        spark_master.spark_environment(job.spark_master)
        if self.config.server_url:
            self._team_environment(job)

    def _team_environment(self, job: Job) -> None:
        """The kernel's MMDS settings in team mode: the server and a token of the job's owner
        for this run (in the environment only, never on a command line), and none of the
        scheduler's own (database URL, artifact root, token)."""
        for name in ("MMDS_HOME", "MMDS_USER", "MMDS_TOKEN_FILE", SERVER_URL_ENV):
            os.environ.pop(name, None)
        self.token_id, secret = run_identity.mint_token(
            self.registry, job, self.run_id, self.projects
        )
        os.environ.update(MMDS_URL=self.config.server_url, MMDS_TOKEN=secret)

    def release_token(self) -> None:
        """Revoke the run's token (team mode) once the run has ended."""
        if self.token_id is None:
            return
        os.environ.pop("MMDS_TOKEN", None)
        try:
            run_identity.revoke_token(self.registry, self.token_id)
        except Exception:  # noqa: BLE001 - it expires soon anyway; say so, do not mask the run
            log.exception("could not revoke the token of run %s (it expires)", self.run_id)
        self.token_id = None

    def execute(self) -> None:
        """Run the notebook with papermill (which injects the parameters as quoted literals)."""
        import papermill

        assert self.job is not None
        papermill.execute_notebook(
            self.job.notebook,
            str(self.partial),
            parameters=self.parameters,
            kernel_name=self.config.kernel_name or None,
            progress_bar=False,
            log_output=True,
            cwd=str(Path(self.job.notebook).parent),
        )

    def on_complete(self) -> None:
        """Publish the executed notebook and record success."""
        self._publish()
        outcome = Outcome("succeeded", output_path=str(self.output))
        self._finish(outcome)

    def on_failure(self, exc: BaseException) -> None:
        """Publish what ran, and record the failing cell and error (or the cancel / timeout)."""
        reason = self.watchdog.reason if self.watchdog else None
        if reason == "lost":
            return
        published = self._publish()
        output = str(self.output) if published else None
        if reason == "cancelled":
            error = {"ename": "Cancelled", "evalue": "The run was cancelled on request."}
            outcome = Outcome("cancelled", error, output, retry=False)
        elif reason == "timeout":
            assert self.job is not None
            error = {
                "ename": "Timeout",
                "evalue": f"The run exceeded the job's timeout of {self.job.timeout_s:g}s; "
                "its kernel was stopped.",
            }
            outcome = Outcome("failed", error, output)
        else:
            error = error_of(exc, self.output if published else None)
            outcome = Outcome("failed", error, output, retry=retryable(exc))
        self._finish(outcome)

    def _finish(self, outcome: Outcome) -> None:
        finish_attempt(
            self.runs,
            self.run_id,
            self.attempt,
            outcome,
            self.registry.actor,
            home=self.registry.home,
        )

    def _publish(self) -> bool:
        """Move the executed notebook into place atomically (fsync, then rename)."""
        if not self.partial.name or not self.partial.is_file():
            return False
        with open(self.partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.partial, self.output)
        dir_fd = os.open(self.output.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return True


def retryable(exc: BaseException) -> bool:
    """Whether a failed attempt is worth another: not when MMDS refused the input (a contract
    violation, a bad reference or parameter), which fails the same way every time."""
    from papermill.exceptions import PapermillExecutionError

    # The errors a notebook's MMDS calls raise; their modules are imported so that the
    # kernel's error, reported by class name, maps back to its class.
    from ..scoring import promotion, score  # noqa: F401

    if isinstance(exc, PapermillExecutionError):
        cls = error_named(exc.ename)
        return cls is None or cls.retryable
    return not isinstance(exc, MMDSError) or exc.retryable


def error_of(exc: BaseException, output: Path | None) -> dict[str, Any]:
    """The error to record: for a failing cell, its index in the job's notebook and its source."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(exc, PapermillExecutionError):
        return {"ename": type(exc).__name__, "evalue": str(exc)}
    index = exc.cell_index
    if output is not None:
        index = _source_index(output, exc.cell_index)
    return {
        "ename": exc.ename,
        "evalue": exc.evalue,
        "cell_index": index,
        "execution_count": exc.exec_count,
        "cell_source": exc.source,
        "traceback": list(exc.traceback or []),
    }


def _source_index(output: Path, executed_index: int) -> int:
    """Map a cell index in the executed notebook to the job's notebook (minus papermill's cells)."""
    import nbformat

    try:
        cells = nbformat.read(output, as_version=4).cells
    except Exception:  # noqa: BLE001 - the index from papermill is still worth recording
        return executed_index
    # papermill's index counts its injected-parameters cell but not the error-marker cells it
    # adds to the published file afterwards.
    executed = [c for c in cells if _ERROR_TAG not in c.metadata.get("tags", [])]
    injected = [i for i, c in enumerate(executed) if _INJECTED_TAG in c.metadata.get("tags", [])]
    return executed_index - sum(1 for i in injected if i < executed_index)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the runner process."""
    p = argparse.ArgumentParser(prog="mmds-runner", description=__doc__)
    p.add_argument("run_id", type=int)
    p.add_argument("attempt", type=int)
    p.add_argument("--heartbeat", type=float, default=5.0)
    p.add_argument("--watch-parent", action="store_true")
    p.add_argument("--kernel", default="")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    config = MMDSScheduler(kernel_name=args.kernel)
    registry = Registry()
    try:
        execution = RunExecution(
            registry,
            args.run_id,
            args.attempt,
            config=config,
            heartbeat_s=args.heartbeat,
            watch_parent=args.watch_parent,
        )
        return execution.process()
    finally:
        registry.close()


if __name__ == "__main__":
    sys.exit(main())
