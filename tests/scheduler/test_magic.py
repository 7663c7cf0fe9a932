"""``%mmds schedule`` and ``mmds.jobs`` in a real IPython shell, as a notebook user types them."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import mmds_jupyter

from .conftest import fit_model


@pytest.fixture
def ip(tmp_path, root, monkeypatch):
    monkeypatch.setenv("MMDS_ROOT_DIR", str(root))
    mmds_jupyter.connect(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path), actor="sam")
    mmds_jupyter.track(fit_model(0), name="churn")
    mmds_jupyter.set_stage("churn:1", "production")
    mmds_jupyter.alias("churn:1", "champion")
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "mmds_jupyter")
    yield shell
    shell.reset()
    mmds_jupyter.default_registry().close()


def test_schedule_magic_creates_a_job(ip, capsys):
    job = ip.run_line_magic(
        "mmds", "schedule nightly score.ipynb --cron '0 2 * * *' -p model_ref=churn@champion "
        "-p sleep_s=2 --retries 1"
    )  # fmt: skip
    assert "Scheduled nightly" in capsys.readouterr().out
    assert job.parameters == {"model_ref": "churn@champion", "sleep_s": 2.0}
    assert [j.name for j in mmds_jupyter.jobs.list()] == ["nightly"]
    run = mmds_jupyter.jobs.run("nightly")
    assert [r.id for r in mmds_jupyter.jobs.runs(job="nightly")] == [run.id]


def test_delete_a_job_from_python_and_the_cli(ip, tmp_path, capsys):
    from mmds_jupyter import cli

    ip.run_line_magic("mmds", "schedule nightly score.ipynb --every 1d")
    ip.run_line_magic("mmds", "schedule weekly score.ipynb --every 7d")
    assert mmds_jupyter.jobs.delete("nightly").name == "nightly"
    where = ["--url", f"sqlite:///{tmp_path / 'mmds.db'}", "--home", str(tmp_path)]
    capsys.readouterr()
    assert cli.main([*where, "jobs", "delete", "weekly"]) == 0
    assert "Deleted weekly; its past runs stay" in capsys.readouterr().out
    assert mmds_jupyter.jobs.list() == []
    assert cli.main([*where, "jobs", "delete", "weekly"]) == 1
    assert "no job named 'weekly'" in capsys.readouterr().err


def test_schedule_help_and_the_jobs_api_name_the_same_actions(ip, capsys):
    assert ip.run_line_magic("mmds", "schedule --help") is None
    assert "%mmds schedule [--cron CRON]" in capsys.readouterr().out
    ip.run_line_magic("mmds", "help")
    assert "  schedule NAME NOTEBOOK" in capsys.readouterr().out
    # mmds jobs run NAME (CLI), POST jobs/NAME/run (REST) and mmds.jobs.run(NAME) (Python).
    ip.run_line_magic("mmds", "schedule nightly score.ipynb --every 1h")
    run = mmds_jupyter.jobs.run("nightly")
    assert run.trigger == "manual"
    assert mmds_jupyter.events(action="job.run")["object_ref"].tolist() == ["job:nightly"]


@pytest.mark.parametrize(
    "line, match",
    [
        ("schedule x score.ipynb --cron 'every day'", "not a valid cron"),
        ("schedule x score.ipynb --every 1h -p nope=1", "does not declare"),
        ("schedule x score.ipynb --every 1h -p model_ref=churn@gold", "no alias 'gold'"),
        ("schedule x ../elsewhere.ipynb --every 1h", "outside the allowed folder"),
        ("schedule x no_parameters.ipynb --every 1h", "tagged 'parameters'"),
    ],
)
def test_schedule_magic_refusals_are_usage_errors(ip, line, match):
    with pytest.raises(UsageError, match=match):
        ip.run_line_magic("mmds", line)
    assert mmds_jupyter.jobs.list() == []


def test_schedule_magic_takes_every_field_of_a_job(ip, capsys):
    """The magic's arguments are the job's fields: retry delay, description and paused too."""
    job = ip.run_line_magic(
        "mmds", "schedule weekly score.ipynb --every 7d --retry-delay 5 --paused "
        "--description 'Scores churn weekly'"
    )  # fmt: skip
    assert (job.retry_delay_s, job.paused, job.description) == (5.0, True, "Scores churn weekly")


@pytest.mark.parametrize("pair", ["=1", "model_ref"])
def test_schedule_magic_reads_parameters_as_the_cli_does(ip, pair):
    from mmds_jupyter import cli

    with pytest.raises(UsageError, match=r"-p takes KEY=VALUE \(e\.g\. -p model_ref="):
        ip.run_line_magic("mmds", f"schedule x score.ipynb --every 1h -p {pair}")
    args = ["jobs", "create", "--name", "x", "--notebook", "score.ipynb", "-p", pair]
    assert cli.main(args) == 1
    assert mmds_jupyter.jobs.list() == []
