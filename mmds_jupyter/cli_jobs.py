"""The ``mmds jobs``, ``mmds runs`` and ``mmds scheduler`` sub-commands."""

from __future__ import annotations

import argparse
import logging
import signal
from typing import Any

import pandas as pd

JOB_COLUMNS = [
    "name",
    "schedule",
    "paused",
    "next_run_at",
    "last_status",
    "notebook",
    "spark_master",
]
RUN_COLUMNS = [
    "id",
    "job",
    "status",
    "trigger",
    "attempt",
    "scheduled_for",
    "started_at",
    "duration_s",
    "error",
]


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


def _scheduler(args: argparse.Namespace, root_dir: str | None = None) -> Any:
    from .scheduler import MMDSScheduler, Scheduler

    registry = _cli()._registry(args)
    if not hasattr(registry, "job_store"):  # a server's jobs: its scheduler config applies
        return registry.jobs
    config = MMDSScheduler(root_dir=root_dir) if root_dir else MMDSScheduler()
    return Scheduler(registry, config)


def _show_jobs(jobs: list[Any], as_json: bool) -> None:
    rows = [j.to_dict() for j in jobs]
    if as_json:
        _cli()._print_json(rows)
    else:
        _cli()._print_frame(pd.DataFrame(rows), JOB_COLUMNS)


def _run_rows(runs: list[Any]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in runs]


def _short_error(error: dict[str, Any] | None) -> str:
    if not error:
        return ""
    text = f"{error.get('ename')}: {error.get('evalue')}"
    return text if len(text) < 60 else text[:57] + "..."


def cmd_jobs_create(args: argparse.Namespace) -> None:
    from .scheduler.spec import from_arguments

    job = _scheduler(args, args.root_dir).create(**from_arguments(args), parameters_as_text=True)
    if args.json:
        _cli()._print_json(job.to_dict())
        return
    when = f"next run {job.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if job.next_run_at else "on demand"
    print(f"Created job {job.name}: {job.notebook} ({job.schedule or 'no schedule'}; {when}).")


def cmd_jobs_edit(args: argparse.Namespace) -> None:
    from .scheduler.spec import from_arguments

    changes = from_arguments(args)
    name = changes.pop("name")
    job = _scheduler(args, args.root_dir).update(name, **changes, parameters_as_text=True)
    if args.json:
        _cli()._print_json(job.to_dict())
        return
    when = f"next run {job.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if job.next_run_at else "on demand"
    if job.paused:
        when = "paused"
    print(f"Changed job {job.name}: {job.notebook} ({job.schedule or 'no schedule'}; {when}).")


def cmd_jobs_list(args: argparse.Namespace) -> None:
    from .scheduler.service import scheduler_status

    scheduler = _scheduler(args)
    _show_jobs(scheduler.list(), args.json)
    if not args.json:
        print(scheduler_status(scheduler.schedulers()))


def cmd_jobs_show(args: argparse.Namespace) -> None:
    job = _scheduler(args).get(args.name)
    if args.json:
        _cli()._print_json(job.to_dict())
        return
    for key, value in job.to_dict().items():
        print(f"{key:>15}  {value}")


def cmd_jobs_run(args: argparse.Namespace) -> None:
    from .scheduler.service import scheduler_status

    scheduler = _scheduler(args)
    run = scheduler.run(args.name)
    if args.json:
        _cli()._print_json(run.to_dict())
    else:
        print(f"Queued run {run.id} of {run.job}. {scheduler_status(scheduler.schedulers())}")


def cmd_jobs_pause(args: argparse.Namespace) -> None:
    _scheduler(args).pause(args.name)
    print(f"Paused {args.name}: no new occurrences until `mmds jobs resume {args.name}`.")


def cmd_jobs_resume(args: argparse.Namespace) -> None:
    job = _scheduler(args).resume(args.name)
    nxt = f"; next run {job.next_run_at:%Y-%m-%d %H:%M:%S} UTC" if job.next_run_at else ""
    print(f"Resumed {args.name}{nxt}.")


def cmd_jobs_delete(args: argparse.Namespace) -> None:
    _scheduler(args).delete(args.name)
    print(f"Deleted {args.name}; its past runs stay in `mmds runs list`.")


def cmd_runs_list(args: argparse.Namespace) -> None:
    runs = _scheduler(args).runs(job=args.job, status=args.status, limit=args.limit)
    rows = _run_rows(runs)
    if args.json:
        _cli()._print_json(rows)
        return
    for row in rows:
        row["error"] = _short_error(row["error"])
    _cli()._print_frame(pd.DataFrame(rows, columns=RUN_COLUMNS), RUN_COLUMNS)


def cmd_runs_show(args: argparse.Namespace) -> None:
    sched = _scheduler(args)
    data = sched.get_run(args.id).to_dict()
    data["score_sets"] = sched.score_sets(args.id)
    if args.json:
        _cli()._print_json(data)
        return
    error = data.pop("error")
    for key in ("history", "score_sets"):
        data[key] = len(data[key])
    for key, value in data.items():
        print(f"{key:>16}  {value}")
    if error:
        print(f"\nFailed: {error.get('ename')}: {error.get('evalue')}")
        if error.get("cell_index") is not None:
            print(f"in cell {error['cell_index']}:\n{error.get('cell_source', '')}")


def cmd_runs_cancel(args: argparse.Namespace) -> None:
    run = _scheduler(args).cancel_run(args.id)
    if run.status == "cancelled":
        print(f"Cancelled run {run.id} before it started.")
    else:
        print(f"Asked the scheduler to stop run {run.id}; its kernel is stopped within seconds.")


def cmd_scheduler(args: argparse.Namespace) -> None:
    from .scheduler import MMDSScheduler
    from .scheduler.dispatcher import Dispatcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = {
        "poll_interval": args.poll,
        "lease": args.lease,
        "misfire_grace": args.grace,
        "max_workers": args.max_workers,
        "executor": args.executor,
        "kernel_name": args.kernel,
        "server_url": args.server_url,
    }
    config = MMDSScheduler(**{k: v for k, v in settings.items() if v is not None})
    dispatcher = Dispatcher(_cli()._registry(args), config)
    if args.once:
        dispatcher.tick()
        dispatcher.drain()
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: dispatcher.stop())
    dispatcher.serve()


def add_commands(sub: Any) -> None:
    """Add ``jobs``, ``runs`` and ``scheduler`` to the ``mmds`` sub-command parsers."""
    from .scheduler.spec import SCHEDULE_FIELDS, job_arguments

    jobs = sub.add_parser("jobs", help="Scheduled notebooks.")
    jsub = jobs.add_subparsers(dest="jobs_command", required=True)

    cr = jsub.add_parser("create", help="Schedule a parameterised notebook.")
    when = cr.add_mutually_exclusive_group()
    for flags, options in job_arguments():
        (when if options["dest"] in SCHEDULE_FIELDS else cr).add_argument(*flags, **options)
    cr.add_argument("--root-dir", help="Allowed notebook folder (default $MMDS_ROOT_DIR or .).")
    cr.add_argument("--json", action="store_true")
    cr.set_defaults(func=cmd_jobs_create)

    ed = jsub.add_parser(
        "edit",
        help="Change the fields of a job that are given (e.g. --cron '0 3 * * *'); the others "
        "keep their values. -p gives the job's parameters anew.",
    )
    when = ed.add_mutually_exclusive_group()
    for flags, options in job_arguments(positional=("name",), editing=True):
        (when if options.get("dest") in SCHEDULE_FIELDS else ed).add_argument(*flags, **options)
    ed.add_argument("--root-dir", help="Allowed notebook folder (default $MMDS_ROOT_DIR or .).")
    ed.add_argument("--json", action="store_true")
    ed.set_defaults(func=cmd_jobs_edit)

    ls = jsub.add_parser("list", help="List jobs.")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_jobs_list)
    for name, func, text in (
        ("show", cmd_jobs_show, "Show one job."),
        ("run", cmd_jobs_run, "Queue a run now."),
        ("pause", cmd_jobs_pause, "Stop scheduling a job."),
        ("resume", cmd_jobs_resume, "Schedule a paused job again."),
        ("delete", cmd_jobs_delete, "Delete a job with no run queued or running."),
    ):
        p = jsub.add_parser(name, help=text)
        p.add_argument("name")
        if name in ("show", "run"):
            p.add_argument("--json", action="store_true")
        p.set_defaults(func=func)

    runs = sub.add_parser("runs", help="Runs of scheduled notebooks.")
    rsub = runs.add_subparsers(dest="runs_command", required=True)
    rl = rsub.add_parser("list", help="List runs, newest first.")
    rl.add_argument("--job")
    rl.add_argument("--status", choices=["queued", "running", "succeeded", "failed", "cancelled"])
    rl.add_argument("--limit", type=int, default=50)
    rl.add_argument("--json", action="store_true")
    rl.set_defaults(func=cmd_runs_list)
    rs = rsub.add_parser("show", help="One run: parameters, output, error, score sets.")
    rs.add_argument("id", type=int)
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=cmd_runs_show)
    rc = rsub.add_parser("cancel", help="Cancel a queued or running run.")
    rc.add_argument("id", type=int)
    rc.set_defaults(func=cmd_runs_cancel)

    sc = sub.add_parser("scheduler", help="Run the scheduler process (until stopped).")
    # SUPPRESS keeps a --url given before `scheduler` from being reset by this parser.
    sc.add_argument("--url", default=argparse.SUPPRESS, help="Registry database URL.")
    sc.add_argument("--home", default=argparse.SUPPRESS, help="Artifact root.")
    sc.add_argument("--poll", type=float, help="Seconds between looks at the database (10).")
    sc.add_argument("--lease", type=float, help="Seconds without heartbeat = orphaned (60).")
    sc.add_argument("--grace", type=float, help="Seconds late before an occurrence is missed.")
    sc.add_argument("--max-workers", type=int, help="Runs at once in this scheduler (4).")
    sc.add_argument("--executor", help="local (default) or dask://HOST:PORT.")
    sc.add_argument("--kernel", help="Kernel name (default: the notebook's own).")
    sc.add_argument(
        "--server-url",
        help="Team mode: the `mmds server` URL; runs act through it as their job's owner, with "
        "a token limited to the job's projects (default $MMDS_SCHEDULER_SERVER_URL).",
    )
    sc.add_argument("--once", action="store_true", help="One pass, then exit.")
    sc.set_defaults(func=cmd_scheduler)
