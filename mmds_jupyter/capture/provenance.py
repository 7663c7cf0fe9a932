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
    """The notebook the kernel serves: $MMDS_NOTEBOOK, then what Jupyter tells the kernel."""
    explicit = os.environ.get("MMDS_NOTEBOOK")
    if explicit:
        return str(Path(explicit).resolve())
    shell = shell or _shell()
    if shell is not None:
        session = shell.user_ns.get("__session__")
        if isinstance(session, str) and session:
            return session
    return os.environ.get("JPY_SESSION_NAME") or None


def kernel_id() -> str | None:
    try:
        from ipykernel import get_connection_file

        name = Path(get_connection_file()).stem
    except (ImportError, RuntimeError, AttributeError):
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
    nb = notebook or notebook_path(shell)
    cell = cell_source
    count = None
    if shell is not None:
        count = getattr(shell, "execution_count", None)
        if cell is None:
            history = shell.user_ns.get("_ih") or []
            cell = history[-1] if history else None
    return {
        "notebook": nb,
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
