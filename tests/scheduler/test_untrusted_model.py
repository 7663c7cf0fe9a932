"""A scheduled scoring notebook refuses an attacker's model file instead of running it."""

from __future__ import annotations

from pathlib import Path

import pytest
from gadgets import gadgets

from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import MMDSScheduler, Scheduler

from .processes import Daemon, env_for, read_lines, wait_for

pytestmark = pytest.mark.slow


def test_scheduled_scoring_refuses_a_model_that_runs_code(
    champion_reg: Registry, root: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    model, dangerous = gadgets(marker)["exec"]
    champion_reg.track(model, name="churn")  # the attacker's churn:2 becomes the champion
    champion_reg.set_stage("churn:2", "production")
    champion_reg.alias("churn:2", "champion")
    sched = Scheduler(champion_reg, MMDSScheduler(root_dir=str(root)))
    out = tmp_path / "out"
    out.mkdir()
    sched.create("nightly", "score.ipynb", parameters={"out_dir": str(out)}, retries=0)
    daemon = Daemon(env_for(champion_reg.url, str(champion_reg.home), root), tmp_path / "s.log")
    try:
        run = sched.run("nightly")
        done = wait_for(
            "the run to end",
            lambda: (r := sched.get_run(run.id)).status in ("succeeded", "failed") and r,
            [daemon],
        )
    finally:
        assert daemon.stop() == 0, daemon.output()
    assert done.status == "failed" and done.error["ename"] == "UntrustedArtifact", done.error
    for type_name in dangerous:
        assert type_name in done.error["evalue"]
    assert not marker.exists()
    assert read_lines(out / "scored.jsonl") == [] and champion_reg.scores().empty
