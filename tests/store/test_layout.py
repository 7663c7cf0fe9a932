"""The store's layout: small files by aggregate, and the only code that opens database sessions.

Walks the package's source (AST), so a new module that opens a session outside ``store/`` fails
here whatever its variable names are. (Reach-through into a registry's parts anywhere outside
the registry and the store is tests/test_boundary.py's.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mmds_jupyter"
STORE = PACKAGE / "store"
MAX_LINES = 400


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def session_calls(source: str, name: str) -> list[str]:
    """Where ``source`` calls ``<anything>.session(...)``."""
    return [
        f"{name}:{node.lineno} {ast.unparse(node.func)}(...)"
        for node in ast.walk(ast.parse(source, name))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "session"
    ]


def test_no_store_file_exceeds_the_limit() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in _sources(STORE)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"store files over {MAX_LINES} lines (split them by aggregate): {long}"


def test_only_the_store_opens_database_sessions() -> None:
    found = [
        hit
        for p in _sources(PACKAGE)
        if STORE not in p.parents
        for hit in session_calls(p.read_text(), str(p.relative_to(ROOT)))
    ]
    assert not found, "\n".join(found)


def test_the_walks_catch_what_they_look_for() -> None:
    probe = (
        "from ..store.db import Database\n"
        "def f(registry, db):\n"
        "    with db.session(write=True) as s:\n"
        "        return registry.db.session(), registry.store.find(s), self.store.x\n"
    )
    assert len(session_calls(probe, "probe")) == 2
