"""The ``mmds scheduler`` loop: reap orphans, claim due occurrences, start and watch runs."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from ..errors import MMDSError
from ..registry import Registry
from . import claims
from .config import SERVER_URL_ENV, MMDSScheduler
from .entities import Outcome, Started
from .executors import Execution, Executor, make_executor
from .outcomes import finish_attempt
from .paths import log_dir

log = logging.getLogger("mmds.scheduler")
# Extra time a local runner gets past the job's timeout before the dispatcher kills it itself
# (the runner's own watchdog normally stops the kernel first).
_KILL_GRACE_S = 30.0
# Team mode: how often a scheduler deletes the tokens of runs that ended (run_identity).
_PRUNE_EVERY_S = 600.0
# How often a scheduler runs the retention sweep (governance/retention.py: archive_due).
_RETENTION_EVERY_S = 3600.0


@dataclass
class Live:
    """An attempt this scheduler started and is watching."""

    started: Started
    execution: Execution
    since: float


class Dispatcher:
    """One scheduler process; several may run against one database at once."""

    def __init__(
        self,
        registry: Registry,
        config: MMDSScheduler | None = None,
        executor: Executor | None = None,
    ):
        self.registry = registry
        self.runs = registry.run_store()
        self.config = config or MMDSScheduler()
        if self.config.server_url:
            from ..remote_http import check_server_url

            self.config.server_url = check_server_url(self.config.server_url)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.executor = executor or make_executor(self.config.executor, str(log_dir(registry.home)))
        self.live: dict[int, Live] = {}
        self.stopping = threading.Event()
        self._next_prune = 0.0
        self._next_retention = 0.0
        # Each model's alerts when its retraining was last found not due (monitoring/retrain_runs).
        self._retrain_seen: dict[str, tuple[object, ...]] = {}

    @property
    def heartbeat_s(self) -> float:
        return max(min(self.config.lease / 4, 10.0), 0.2)

    def tick(self) -> None:
        """One pass; each step stands alone so a failing step does not starve the others."""
        # A retraining is queued before the start step, so that `--once` runs it too.
        for step in (
            *(self._beat, self._reap, self._retrain, self._claim, self._start, self._watch),
            *(self._prune, self._retention, self._webhooks),
        ):
            try:
                step()
            except MMDSError as exc:
                log.warning("%s: %s", step.__name__.strip("_"), exc)

    def serve(self) -> None:
        """Tick every poll interval until :meth:`stop` is called, then release running runs."""
        log.info(
            "scheduler %s polling every %gs (%s)",
            self.owner,
            self.config.poll_interval,
            self.executor.name,
        )
        try:
            while not self.stopping.is_set():
                self.tick()
                self.stopping.wait(self.config.poll_interval)
        finally:
            self.shutdown()

    def drain(self) -> None:
        """Watch the attempts started here until all have ended (for one-shot use)."""
        try:
            while self.live:
                self.stopping.wait(min(self.config.poll_interval, 1.0))
                self._watch()
        finally:
            self.executor.close()

    def stop(self) -> None:
        self.stopping.set()

    def shutdown(self) -> None:
        """Stop the attempts still running here and record them, so none waits for the lease."""
        for run_id, live in list(self.live.items()):
            live.execution.kill()
            self._finish_lost(live, "SchedulerStopped", "The scheduler running it was stopped.")
            self.live.pop(run_id, None)
        self.executor.close()
        try:
            self.runs.scheduler_stopped(self.owner)
        except MMDSError as exc:
            log.warning("could not record this scheduler's stop: %s", exc)

    # -- steps ---------------------------------------------------------------------------------

    def _beat(self) -> None:
        """Check in, so people see a scheduler is running (the Jobs tab, `mmds jobs list`)."""
        self.runs.scheduler_seen(
            self.owner,
            socket.gethostname(),
            os.getpid(),
            self.executor.name,
            self.config.poll_interval,
        )

    def _reap(self) -> None:
        lease, actor, home = self.config.lease, self.registry.actor, self.registry.home
        for run_id in claims.reap_orphans(self.runs, lease, actor, home=home):
            log.warning("run %s was orphaned (no heartbeat for %gs)", run_id, self.config.lease)

    def _prune(self) -> None:
        """Team mode: delete the tokens of runs that ended a while ago (every few minutes)."""
        if not self.config.server_url or time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + _PRUNE_EVERY_S
        from .run_identity import prune_run_tokens

        if n := prune_run_tokens(self.registry):
            log.info("deleted %d ended run token(s)", n)

    def _retention(self) -> None:
        """The retention sweep (hourly): take @champion off versions whose review expired and
        archive the retired versions their template's retention says are due."""
        if time.monotonic() < self._next_retention:
            return
        self._next_retention = time.monotonic() + _RETENTION_EVERY_S
        for row in self.registry.archive_due():
            log.info("retention: %s %s: %s", row["ref"], row["status"], row["message"])

    def _webhooks(self) -> None:
        """Deliver the webhooks due (governance/webhooks.py): new events, then retries."""
        done = self.registry.deliver_webhooks()
        if any(done.values()):
            log.info("webhooks: %s", done)

    def _retrain(self) -> None:
        """Queue the retrainings that an alert persisting long enough made due."""
        from ..monitoring.retrain_runs import queue_due

        for run_id in queue_due(self.registry, self._retrain_seen):
            log.info("queued retraining run %s", run_id)

    def _claim(self) -> None:
        for run_id in claims.claim_due(self.runs, self.config.misfire_grace, self.registry.actor):
            log.info("claimed run %s", run_id)

    def _start(self) -> None:
        free = self.config.max_workers - len(self.live)
        if free <= 0 or self.stopping.is_set():
            return
        # Look at more than the free slots: a run held back by its job's limit must not block
        # runs of other jobs behind it.
        for run_id in self.runs.queued_runs(limit=free * 4):
            if free <= 0:
                break
            started = self.runs.start_run(
                run_id, self.owner, self.executor.name, self.registry.actor
            )
            if started is None:
                continue
            env = {
                "MMDS_URL": self.registry.url,
                "MMDS_HOME": str(self.registry.home),
                "MMDS_USER": self.registry.actor,
            }
            if self.config.server_url:  # team mode: see run_identity
                env[SERVER_URL_ENV] = self.config.server_url
            try:
                execution = self.executor.submit(
                    run_id, started.attempt, env, self.heartbeat_s, self.config.kernel_name
                )
            except Exception as exc:  # noqa: BLE001 - a run that cannot start is failed, not lost
                error = {"ename": type(exc).__name__, "evalue": f"Could not start: {exc}"}
                finish_attempt(
                    self.runs,
                    run_id,
                    started.attempt,
                    Outcome("failed", error),
                    self.registry.actor,
                    home=self.registry.home,
                )
                continue
            self.live[run_id] = Live(started, execution, time.monotonic())
            free -= 1
            log.info("started run %s attempt %s", run_id, started.attempt)

    def _watch(self) -> None:
        beating = []
        for run_id, live in list(self.live.items()):
            code = live.execution.poll()
            if code is None:
                limit = live.started.timeout_s
                if limit is not None and time.monotonic() - live.since > limit + _KILL_GRACE_S:
                    live.execution.kill()
                    self._finish_lost(
                        live, "Timeout", f"The run exceeded its timeout of {limit:g}s."
                    )
                    del self.live[run_id]
                else:
                    beating.append(run_id)
                continue
            del self.live[run_id]
            # A runner records its own outcome; if the run is still running at this attempt it
            # died before it could (killed, out of memory, a crash in papermill).
            self._finish_lost(live, "RunnerExited", f"The runner process ended with code {code}.")
        if beating:
            # Covers the runner's start-up, before its own heartbeat thread is going.
            self.runs.heartbeats([(r, self.live[r].started.attempt) for r in beating])

    def _finish_lost(self, live: Live, ename: str, evalue: str) -> None:
        outcome = Outcome("failed", {"ename": ename, "evalue": evalue})
        status = finish_attempt(
            self.runs,
            live.started.run_id,
            live.started.attempt,
            outcome,
            self.registry.actor,
            home=self.registry.home,
        )
        if status is not None:
            log.warning("run %s: %s (%s)", live.started.run_id, evalue, status)
            if self.config.server_url:  # the runner could not revoke its run's token itself
                from .run_identity import revoke_run_tokens

                revoke_run_tokens(self.registry, live.started.run_id)
