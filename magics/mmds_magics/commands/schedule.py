"""``%mmds schedule NAME NOTEBOOK --cron C | --every E [-p KEY=VALUE ...]``: create a job."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.scheduler.spec import from_arguments, job_arguments

from .parsing import parse


def spec(line: str) -> None:
    """Schedule a notebook with parameters; `mmds scheduler` runs it."""


# The arguments are the job's fields (mmds_jupyter.scheduler.spec), name and notebook first.
# magic_arguments builds its parser from the decorators last applied first, hence reversed.
for _flags, _options in reversed(job_arguments(positional=("name", "notebook"))):
    spec = argument(*_flags, **_options)(spec)
spec = magic_arguments()(spec)


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    job = default_registry().jobs.create(**from_arguments(a), parameters_as_text=True)
    when = f"next run {job.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if job.next_run_at else "on demand"
    print(f"Scheduled {job.name}: {job.notebook} ({job.schedule or 'no schedule'}; {when}).")
    return job
