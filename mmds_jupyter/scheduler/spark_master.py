"""The Spark master a job's notebook runs against: checked once when the job is created, and
handed to the notebook's kernel when it runs.

The kernel gets it in Spark's own ``MASTER`` environment variable, which ``spark-submit`` (what
pyspark starts its JVM with) reads when the session sets no master itself, so
``SparkSession.builder.getOrCreate()`` in the notebook connects to it without a code change. A
notebook that declares ``spark_master`` in its parameters cell also gets it as that parameter
(for ``SparkSession.builder.master(spark_master)``).
"""

from __future__ import annotations

import os
import re

from .errors import JobRefused

# The environment variable spark-submit reads for the master when none is configured.
MASTER_ENV = "MASTER"
# The notebook parameter that receives it when the notebook declares one.
PARAMETER = "spark_master"

_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
_N = r"[1-9][0-9]{0,5}"
_FORMS = (
    rf"local(?:\[(?:\*|{_N})(?:,{_N})?\])?",
    rf"local-cluster\[{_N},{_N},{_N}\]",
    rf"spark://{_HOST}:[0-9]{{1,5}}(?:,{_HOST}:[0-9]{{1,5}})*",
    r"yarn",
    rf"k8s://(?:https?://)?{_HOST}(?::[0-9]{{1,5}})?",
)
_MASTER = re.compile("|".join(f"(?:{form})" for form in _FORMS))
_PORTS = re.compile(r":([0-9]{1,5})(?=,|$)")
FORMS_TEXT = (
    "local, local[N], local[*], local[N,F], local-cluster[N,C,M], spark://HOST:PORT "
    "(or spark://H1:P1,H2:P2), yarn, k8s://https://HOST:PORT"
)


def check_spark_master(master: str | None) -> None:
    """Refuse a master URL that Spark would not accept, naming the forms it does."""
    if master is None:
        return
    ok = _MASTER.fullmatch(master) is not None
    if ok and master.startswith(("spark://", "k8s://")):
        ok = all(0 < int(port) < 65536 for port in _PORTS.findall(master))
    if not ok:
        raise JobRefused(
            f"spark_master {master!r:.200} is not a Spark master URL. Give one of: {FORMS_TEXT}."
        )


def spark_environment(master: str | None) -> None:
    """Point the Spark sessions that this process's kernels start at ``master`` (if any)."""
    if master:
        os.environ[MASTER_ENV] = master
