"""Where a model came from (notebook, cell, kernel, user, git) and what it ran on."""

from __future__ import annotations

import copy
import functools
import os
import platform
import socket
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("scikit-learn", "numpy", "pandas", "scipy", "skops", "joblib", "mmds-jupyter")


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return None
    return get_ipython()


def notebook_path(shell: Any = None) -> str | None:
    """The notebook (or script) this code runs from; see :func:`notebook_source`."""
    return notebook_source(shell)[0]


def notebook_source(shell: Any = None) -> tuple[str | None, str | None]:
    """The notebook or script this code runs from, and how that was learnt.

    In order: ``$MMDS_NOTEBOOK`` (the scheduler sets it; anyone may); what Jupyter tells its
    kernels (``__session__`` / ``$JPY_SESSION_NAME``); papermill's ``PM_INPUT_PATH`` (with
    ``--inject-paths``); the notebook on the command line of the papermill or nbconvert process
    that started this kernel; for a plain Python process, the script it runs (``__file__``).
    """
    explicit = os.environ.get("MMDS_NOTEBOOK")
    if explicit:
        return str(Path(explicit).resolve()), "MMDS_NOTEBOOK"
    shell = shell or _shell()
    if shell is None:
        script = _script()
        return script, "script" if script else None
    session = shell.user_ns.get("__session__") or os.environ.get("JPY_SESSION_NAME")
    if isinstance(session, str) and session:
        return session, "jupyter"
    injected = shell.user_ns.get("PM_INPUT_PATH")
    if isinstance(injected, str) and injected:
        return _local(injected, os.getcwd()), "papermill"
    launched = _launcher(os.getppid())
    return launched if launched else (None, None)


def _local(path: str, cwd: str) -> str:
    """An absolute path for a local file; URLs (s3://...) as they are."""
    return path if "://" in path else str((Path(cwd) / path).resolve())


def _script() -> str | None:
    """The file of ``python script.py`` (not of ``python -m module`` or a console script)."""
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if not isinstance(file, str) or getattr(main, "__spec__", None) is not None:
        return None
    return str(Path(file).resolve()) if file.endswith(".py") else None


@functools.lru_cache(maxsize=4)
def _launcher(ppid: int) -> tuple[str, str] | None:
    """The notebook that the parent process (papermill or nbconvert) was told to execute.

    Neither tells the kernel which notebook it runs, but a kernel is their child process, so
    their command line (and working directory, for a relative path) says it.
    """
    try:
        import psutil

        parent = psutil.Process(ppid)
        argv, cwd = parent.cmdline(), parent.cwd()
    except Exception:  # noqa: BLE001 - no psutil, no such process, no permission: unknown
        return None
    return launcher_notebook(argv, cwd)


def launcher_notebook(argv: list[str], cwd: str) -> tuple[str, str] | None:
    """``(path, "papermill" | "nbconvert")`` from a papermill / nbconvert command line."""
    for i, word in enumerate(argv[:4]):
        name = Path(word).name
        module = argv[i - 1] == "-m" if i else False
        args = argv[i + 1 :]
        try:
            if name == "papermill":
                from papermill.cli import papermill

                ctx = papermill.make_context("papermill", list(args), resilient_parsing=True)
                path = ctx.params.get("notebook_path")
                return (_local(path, cwd), "papermill") if path and path != "-" else None
            if name == "jupyter-nbconvert" or (module and name == "nbconvert"):
                from nbconvert.nbconvertapp import NbConvertApp

                app = NbConvertApp()
                app.parse_command_line(list(args))
                if len(app.extra_args) == 1 and "*" not in app.extra_args[0]:
                    return _local(app.extra_args[0], cwd), "nbconvert"
                return None  # several notebooks: which one this kernel runs is not known
        except Exception:  # noqa: BLE001 - a command line we cannot read names no notebook
            return None
    return None


def kernel_id() -> str | None:
    from traitlets.config.configurable import MultipleInstanceError

    try:
        from ipykernel import get_connection_file

        name = Path(get_connection_file()).stem
    except (ImportError, RuntimeError, AttributeError, MultipleInstanceError):
        # MultipleInstanceError: a shell in a process whose application is not a kernel
        # (a Jupyter server capturing over REST) has no kernel id.
        return None
    return name.removeprefix("kernel-")


def git_commit(path: str | None) -> dict[str, Any] | None:
    """The commit (and whether the tree is dirty) of the repository that holds ``path``."""
    if not path:
        return None
    folder = Path(path).parent if Path(path).suffix else Path(path)
    if not folder.is_dir():
        return None
    try:
        sha = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {"commit": sha.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


def provenance(
    actor: str, cell_source: str | None = None, shell: Any = None, notebook: str | None = None
) -> dict[str, Any]:
    """Everything known about where this capture runs; fields that cannot be known are None."""
    shell = shell or _shell()
    nb, found_by = (notebook, "argument") if notebook else notebook_source(shell)
    run_id = os.environ.get("MMDS_RUN_ID", "")
    cell = cell_source
    count = None
    if shell is not None:
        count = getattr(shell, "execution_count", None)
        if cell is None:
            history = shell.user_ns.get("_ih") or []
            cell = history[-1] if history else None
    return {
        "notebook": nb,
        "notebook_from": found_by,
        # Set by the scheduler in the environment of the notebooks it runs.
        "run_id": int(run_id) if run_id.isdigit() else None,
        "job": os.environ.get("MMDS_JOB") if run_id else None,
        "cell": cell,
        "execution_count": count,
        "kernel": kernel_id() if shell is not None else None,
        "user": actor,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "cwd": os.getcwd(),
        "time": datetime.now(timezone.utc).isoformat(),
        "git": git_commit(nb or os.getcwd()),
        "interactive": shell is not None,
    }


@functools.cache
def _environment() -> dict[str, Any]:
    libs: dict[str, str | None] = {}
    for lib in LIBRARIES:
        try:
            libs[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            libs[lib] = None
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "libraries": libs,
    }


def environment() -> dict[str, Any]:
    """Python and library versions of the process that captured the model."""
    # Read once per process: the modules a kernel has imported do not change under it.
    return copy.deepcopy(_environment())
