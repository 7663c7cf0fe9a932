"""``%mmds schedule NAME NOTEBOOK --cron C | --every E [-p KEY=VALUE ...]``: create a job."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("name", help="Job name, e.g. nightly-churn.")
@argument("notebook", help="Notebook path under the allowed root folder.")
@argument("--cron", help="Cron expression, e.g. '0 2 * * *' (a 6th field means seconds).")
@argument("--every", help="Interval instead of cron, e.g. 30s, 5m, 1h.")
@argument(
    "-p",
    "--param",
    action="extend",
    nargs="+",
    default=None,
    metavar="KEY=VALUE",
    help="Notebook parameters, e.g. -p model_ref=churn@champion sleep_s=2 (or repeat -p).",
)
@argument("--tz", default="UTC", help="Time zone of the cron expression (default UTC).")
@argument("--timeout", type=float, help="Seconds before the kernel is stopped.")
@argument("--retries", type=int, default=0, help="Retries after a failure (default 0).")
@argument("--max-concurrent", type=int, default=1, help="Runs of this job at once (default 1).")
@argument("--catchup", choices=["once", "skip"], default="once", help="Missed occurrences.")
@argument("--keep-outputs", type=int, help="Keep only the newest N output notebooks.")
def spec(line: str) -> None:
    """Schedule a notebook with parameters; `mmds scheduler` runs it."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    from mmds_jupyter.errors import InvalidInput
    from mmds_jupyter.scheduler import Scheduler

    a = parse(spec, line)
    params: dict[str, str] = {}
    for pair in a.param or []:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput(f"-p takes KEY=VALUE, not {pair!r}.")
        params[key.strip()] = value
    job = Scheduler(default_registry()).create(
        a.name,
        a.notebook,
        cron=a.cron,
        every=a.every,
        parameters=params,
        timezone=a.tz,
        timeout=a.timeout,
        retries=a.retries,
        max_concurrent=a.max_concurrent,
        catchup=a.catchup,
        keep_outputs=a.keep_outputs,
        parameters_as_text=True,
    )
    when = f"next run {job.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if job.next_run_at else "on demand"
    print(f"Scheduled {job.name}: {job.notebook} ({job.schedule or 'no schedule'}; {when}).")
    return job
