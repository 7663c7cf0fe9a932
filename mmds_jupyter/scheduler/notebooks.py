"""Checks on a job's notebook: under the allowed root, and the parameters its cell declares."""

from __future__ import annotations

import ast
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .errors import NotebookRefused

_NO_DEFAULT = object()
# What a notebook declares, by (real path, mtime_ns, size): the form opening again, or a job
# created from a notebook just listed, does not read and parse it again until it changes.
# Bounded (oldest use dropped first), above the 500 notebooks that a listing reads.
CACHE_SIZE = 2048
_cache: OrderedDict[tuple[str, int, int], dict[str, Any] | NotebookRefused] = OrderedDict()
_cache_lock = threading.Lock()
_stats = {"hits": 0, "reads": 0}


def resolve_notebook(path: str, root_dir: str) -> Path:
    """The notebook's real path, refused unless it is an existing .ipynb under ``root_dir``."""
    root = Path(root_dir).expanduser().resolve()
    try:
        raw = Path(path).expanduser()
        # Symlinks and '..' are resolved before the check, so neither can point outside the root.
        real = (raw if raw.is_absolute() else root / raw).resolve()
        if not real.is_relative_to(root):
            raise NotebookRefused(
                f"The notebook {path!r} resolves to {real}, which is outside the allowed folder "
                f"{root}. Move the notebook under that folder, or start MMDS with another root "
                "(c.MMDSScheduler.root_dir or $MMDS_ROOT_DIR)."
            )
        exists = real.suffix == ".ipynb" and real.is_file()
    except (OSError, ValueError, RuntimeError) as exc:
        # A NUL byte, a name too long for the file system, a symlink loop, an unknown "~user".
        raise NotebookRefused(
            f"The notebook path {path!r} cannot be used ({exc}). Give the path of an existing "
            f".ipynb file relative to {root}."
        ) from None
    if not exists:
        raise NotebookRefused(
            f"There is no notebook at {real}. Give the path of an existing .ipynb file "
            f"relative to {root}."
        )
    return real


def shown_path(path: str, root_dir: str) -> str:
    """A stored notebook path as a reader of the server sees it: relative to the root when it
    lies under it (as :func:`resolve_notebook` takes it back), else as stored."""
    try:
        return Path(path).relative_to(Path(root_dir).expanduser().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return path


def parameters_cell(nb: Any) -> Any | None:
    """The first code cell tagged ``parameters`` (papermill's convention), or None."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def declared_parameters(source: str) -> dict[str, Any]:
    """Names assigned at top level of a parameters cell, with their literal defaults if any."""
    # IPython magics and shell escapes are not Python; papermill ignores them as well.
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as exc:
        raise NotebookRefused(
            f"The parameters cell is not valid Python (line {exc.lineno}: {exc.msg}); fix it so "
            "its assignments can be read."
        ) from None
    found: dict[str, Any] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = _literal(value)
    return found


def _literal(node: ast.expr | None) -> Any:
    if node is None:
        return _NO_DEFAULT
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NO_DEFAULT


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares; refused if it has no ``parameters`` cell.

    Read once per version of the file: the answer (or the refusal) is kept while the file's
    modification time and size stay the same.
    """
    try:
        st = path.stat()
    except OSError:
        return _read_parameters(path)  # _read_parameters names the problem
    key = (str(path), st.st_mtime_ns, st.st_size)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            _stats["hits"] += 1
    if found is None:
        try:
            found = _read_parameters(path)
        except NotebookRefused as exc:
            found = exc
        with _cache_lock:
            _stats["reads"] += 1
            _cache[key] = found
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    if isinstance(found, NotebookRefused):
        raise NotebookRefused(str(found))
    return dict(found)


def cache_info() -> dict[str, int]:
    """How often :func:`notebook_parameters` answered from its cache (``hits``), how often it
    read a notebook (``reads``), and how many versions it holds (``size``)."""
    with _cache_lock:
        return {**_stats, "size": len(_cache)}


def _read_parameters(path: Path) -> dict[str, Any]:
    # Imported here: nbformat's schema validator takes seconds to import (jsonschema builds
    # a URI grammar), which `import mmds_jupyter`, the magics and the CLI need not pay.
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for a damaged file
        raise NotebookRefused(
            f"{path.name} could not be read as a notebook ({exc}); open and save it in Jupyter."
        ) from None
    cell = parameters_cell(nb)
    if cell is None:
        raise NotebookRefused(
            f"{path.name} has no cell tagged 'parameters', so a job cannot set its inputs. In "
            "JupyterLab open the notebook, select the cell that assigns the inputs (e.g. "
            "model_ref = 'churn@champion'), and add the tag 'parameters' in the property "
            "inspector."
        )
    return declared_parameters(cell.source)


def notebook_choices(root_dir: str, limit: int) -> list[dict[str, Any]]:
    """The notebooks under ``root_dir`` a job could run (hidden folders skipped, at most
    ``limit``), by path relative to it, each with its declared parameters and their defaults,
    or the problem that keeps a job from running it."""
    root = Path(root_dir).expanduser().resolve()
    found: list[dict[str, Any]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .ipynb_checkpoints too
        for name in sorted(f for f in files if f.endswith(".ipynb") and not f.startswith(".")):
            if len(found) >= limit:
                return found
            path = (Path(folder) / name).relative_to(root).as_posix()
            entry: dict[str, Any] = {"path": path, "parameters": None, "problem": None}
            try:
                declared = notebook_parameters(resolve_notebook(path, str(root)))
                entry["parameters"] = [_described(k, v) for k, v in declared.items()]
            except NotebookRefused as exc:
                entry["problem"] = str(exc)
            found.append(entry)
    return found


def _described(name: str, default: Any) -> dict[str, Any]:
    """One declared parameter as JSON: a default JSON cannot hold is shown as Python text."""
    if not has_default(default):
        return {"name": name, "default": None, "has_default": False}
    try:
        json.dumps(default, allow_nan=False)
    except (TypeError, ValueError):
        default = repr(default)
    return {"name": name, "default": default, "has_default": True}


def has_default(value: Any) -> bool:
    """Whether a declared parameter had a literal default."""
    return value is not _NO_DEFAULT


def coerce_text(value: str, default: Any) -> Any:
    """A ``-p key=value`` string from a command line, typed like the notebook's default."""
    if isinstance(default, str) or not has_default(default):
        return value
    if isinstance(default, bool):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        return value
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value
