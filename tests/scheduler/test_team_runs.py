"""Team mode of the scheduler without a server: the owner check before a run, and the run's
token revoked by the scheduler when the runner dies before it could revoke it itself."""

from __future__ import annotations

from typing import Any

import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler, run_identity
from mmds_jupyter.scheduler.config import SERVER_URL_ENV
from mmds_jupyter.scheduler.dispatcher import Dispatcher
from mmds_jupyter.scheduler.errors import JobOwnerRefused
from mmds_jupyter.scheduler.executors import Execution, Executor

PARAMS = {"model_ref": "churn@champion"}


class DeadExecution(Execution):
    def poll(self) -> int | None:
        return -9  # killed before it recorded anything (or revoked its token)

    def kill(self) -> None:
        pass


class MintThenDie(Executor):
    """Mints the run's token as the runner would, then the 'runner' dies at once."""

    name = "dead"

    def __init__(self, registry: Registry):
        self.registry = registry
        self.env: dict[str, str] = {}

    def submit(
        self, run_id: int, attempt: int, env: dict[str, str], heartbeat_s: float, kernel: str
    ) -> Execution:
        self.env = env
        job = Scheduler(self.registry).get("nightly")
        run_identity.mint_token(self.registry, job, run_id, frozenset({"default"}))
        return DeadExecution()


def test_the_owner_is_checked_and_a_dead_runners_token_is_revoked(
    sched: Scheduler, champion_reg: Registry
) -> None:
    job = sched.create("nightly", "score.ipynb", parameters=PARAMS, timeout=60)
    keys = ["model_ref"]
    # The job's owner (sam) must be a user of the server, enabled, with `jobs` in the project.
    with pytest.raises(JobOwnerRefused, match="owner sam is not a user of mmds server"):
        run_identity.check_owner(champion_reg, job, keys)
    identities = champion_reg.identities()
    identities.add_user("sam")
    with pytest.raises(JobOwnerRefused, match="may no longer run jobs in project default"):
        run_identity.check_owner(champion_reg, job, keys)
    identities.grant("modeller", "default", user="sam")
    assert run_identity.check_owner(champion_reg, job, keys) == frozenset({"default"})
    identities.disable_user("sam")
    with pytest.raises(JobOwnerRefused, match="owner sam is disabled"):
        run_identity.check_owner(champion_reg, job, keys)

    run = sched.run("nightly")
    config = MMDSScheduler(server_url="http://127.0.0.1:9/", poll_interval=0.1)
    executor = MintThenDie(champion_reg)
    dispatcher = Dispatcher(champion_reg, config, executor)
    dispatcher.tick()
    dispatcher.drain()
    # The runner learns the server's URL from its environment (a URL, not a secret).
    assert executor.env[SERVER_URL_ENV] == "http://127.0.0.1:9/"
    assert sched.get_run(run.id).error["ename"] == "RunnerExited"
    tokens: list[Any] = identities.tokens("sam")
    assert [(t.name, t.revoked_at is not None) for t in tokens] == [
        (f"run {run.id} of job nightly", True)
    ]
