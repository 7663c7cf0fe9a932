"""A job names the Spark master its notebook runs against: stored with the job, checked when
it is created, shown with it, and the master that a real scheduler run's Spark session uses."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from mmds_jupyter import cli
from mmds_jupyter.registry import Registry
from mmds_jupyter.scheduler import JobRefused, MMDSScheduler, Scheduler
from mmds_jupyter.scheduler.errors import ParameterRefused

from .processes import env_for, mmds

PARAMETERS = 'spark_master = ""\nout = "spark.json"\n'
SESSION = """\
import json
import os

from pyspark.sql import SparkSession

# No master here: the job's (MASTER in this kernel's environment) decides.
spark = SparkSession.builder.config("spark.ui.enabled", "false").getOrCreate()
seen = {
    "master": spark.sparkContext.master,
    "environment": os.environ.get("MASTER"),
    "parameter": spark_master,
    "rows": spark.range(5).count(),
}
spark.stop()
with open(out, "w") as fh:
    json.dump(seen, fh)
"""


def write_notebook(folder: Path, declares_master: bool = True) -> Path:
    params = new_code_cell(PARAMETERS if declares_master else 'out = "spark.json"\n')
    params.metadata["tags"] = ["parameters"]
    source = SESSION if declares_master else SESSION.replace("spark_master", "None")
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = new_notebook(cells=[params, new_code_cell(source)], metadata={"kernelspec": kernelspec})
    path = folder / ("spark.ipynb" if declares_master else "spark_plain.ipynb")
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "master",
    ["local", "local[4]", "local[*]", "local[2,3]", "local-cluster[2,1,1024]", "yarn",
     "spark://node-1.example.com:7077", "spark://h1:7077,h2:7077",
     "k8s://https://10.0.0.1:6443"],
)  # fmt: skip
def test_spark_master_is_stored_and_shown(
    sched: Scheduler, root: Path, champion_reg: Registry, master: str, capsys
) -> None:
    write_notebook(root)
    job = sched.create("nightly", "spark.ipynb", spark_master=master)
    assert job.spark_master == master and sched.get("nightly").spark_master == master
    assert sched.list()[0].to_dict()["spark_master"] == master


@pytest.mark.parametrize(
    "master",
    ["local[0]", "local[two]", "spark://host", "spark://host:99999", "mesos//host:5050",
     "http://host:7077", "yarn ", "", "sc://host:15002"],
)  # fmt: skip
def test_a_malformed_master_is_refused_and_nothing_stored(
    sched: Scheduler, root: Path, master: str
) -> None:
    write_notebook(root)
    with pytest.raises(JobRefused, match="is not a Spark master URL. Give one of: local,"):
        sched.create("nightly", "spark.ipynb", spark_master=master)
    assert sched.list() == []


def test_the_master_is_given_once(sched: Scheduler, root: Path) -> None:
    write_notebook(root)
    with pytest.raises(ParameterRefused, match="Give the Spark master once"):
        sched.create(
            "nightly", "spark.ipynb", spark_master="yarn", parameters={"spark_master": "yarn"}
        )


@pytest.mark.slow
def test_a_scheduled_run_uses_the_jobs_master(tmp_path: Path, capsys) -> None:
    """Real processes: ``mmds jobs create --spark-master``, ``mmds jobs run`` and one pass
    of ``mmds scheduler``; the notebook's own SparkSession runs on the job's master."""
    root = tmp_path / "notebooks"
    root.mkdir()
    write_notebook(root)
    write_notebook(root, declares_master=False)
    reg = Registry(url=f"sqlite:///{tmp_path / 'mmds.db'}", home=str(tmp_path / "home"))
    env = env_for(reg.url, str(reg.home), root)
    out, plain_out = tmp_path / "seen.json", tmp_path / "plain.json"
    for name, notebook, path in (
        ("spark", "spark.ipynb", out),
        ("plain", "spark_plain.ipynb", plain_out),
    ):
        mmds(
            env, "jobs", "create", "--name", name, "--notebook", notebook,
            "--spark-master", "local[1]", "-p", f"out={path}",
        )  # fmt: skip
        mmds(env, "jobs", "run", name)
    shown = json.loads(mmds(env, "jobs", "show", "spark", "--json").stdout)
    assert shown["spark_master"] == "local[1]"
    bad = mmds(
        env, "jobs", "create", "--name", "bad", "--notebook", "spark.ipynb",
        "--spark-master", "spark://nowhere", ok=False,
    )  # fmt: skip
    assert bad.returncode != 0 and "is not a Spark master URL" in bad.stderr

    mmds(env, "scheduler", "--once")

    sched = Scheduler(reg, MMDSScheduler(root_dir=str(root)))
    for name in ("spark", "plain"):
        [run] = sched.runs(job=name)
        assert run.status == "succeeded", run.error
    seen = json.loads(out.read_text())
    assert seen == {"master": "local[1]", "environment": "local[1]", "parameter": "local[1]",
                    "rows": 5}  # fmt: skip
    [run] = sched.runs(job="spark")
    assert run.parameters["spark_master"] == "local[1]"
    # A notebook without the parameter still runs on the job's master.
    assert json.loads(plain_out.read_text())["master"] == "local[1]"
    assert "spark_master" not in sched.runs(job="plain")[0].parameters
    # the CLI shows it with the job
    cli.main(["--url", reg.url, "--home", str(reg.home), "jobs", "list"])
    assert "local[1]" in capsys.readouterr().out
    reg.close()
