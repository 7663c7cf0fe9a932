"""The service boundary: front ends use the registry service interface, never a registry's parts.

Walks the package's source (AST) so that a reach-through written anywhere fails here, whatever
the variable is called: outside the registry implementation (registry.py) and the stores
(store/), no code touches a ``store``, ``db``, ``scoring`` or ``artifacts`` attribute of another
object, opens a database session, or imports a store module.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from mmds_jupyter.registry import Registry
from mmds_jupyter.remote import RemoteRegistry
from mmds_jupyter.service import RegistryService, operations

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = [ROOT / "mmds_jupyter", ROOT / "magics" / "mmds_magics"]
PARTS = {"store", "db", "scoring", "artifacts"}
# The registry: registry.py, its stores, and the modules that implement its operations with them
# (life-cycle rules, drift, re-evaluation and stored reports) — Registry delegates to these as a
# class delegates to its helpers.
# Front ends (magics, CLI, server, widgets, scheduler) stay outside and call the service.
INSIDE = {
    ROOT / "mmds_jupyter" / "registry.py",
    ROOT / "mmds_jupyter" / "store",
    ROOT / "mmds_jupyter" / "governance",
    ROOT / "mmds_jupyter" / "monitoring",
    ROOT / "mmds_jupyter" / "reports" / "evaluation.py",
    ROOT / "mmds_jupyter" / "reports" / "store.py",
}


def sources() -> list[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if path in INSIDE or any(p in INSIDE for p in path.parents):
                continue
            files.append(path)
    return files


def reach_throughs(path: Path) -> list[str]:
    """``x.store``, ``x.db.session()``, ``from ..store import ...`` where x is not ``self``."""
    tree = ast.parse(path.read_text(), str(path))
    # Names bound to other packages' modules (``import mlflow``): their parts are not ours.
    foreign = {
        (a.asname or a.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
        if not a.name.startswith("mmds_jupyter")
    }
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Attribute) and node.attr in PARTS:
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in {"self", *foreign}):
                found.append(f"{where} reaches into .{node.attr} of {ast.unparse(owner)}")
        elif isinstance(node, ast.Attribute) and node.attr == "session":
            found.append(f"{where} opens a database session ({ast.unparse(node)})")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [a.name for a in node.names]
            ours = module.startswith("mmds_jupyter") or node.level
            if ours and ("store" in module.split(".") or "store" in names):
                found.append(f"{where} imports the store ({module or names})")
    return found


def test_no_module_outside_the_registry_reaches_into_its_parts() -> None:
    found = [problem for path in sources() for problem in reach_throughs(path)]
    assert not found, "\n".join(found)


def test_the_walk_catches_a_reach_through(tmp_path: Path) -> None:
    bad = ROOT / "mmds_jupyter" / "_boundary_probe.py"
    bad.write_text(
        "from .store.db import Database\n"
        "def f(registry):\n"
        "    with registry.db.session() as s:\n"
        "        return registry.store.find(s), self.store.x\n"
    )
    try:
        found = reach_throughs(bad)
    finally:
        bad.unlink()
    assert len(found) == 4, found


@pytest.mark.parametrize("cls", [Registry, RemoteRegistry], ids=["local", "remote"])
@pytest.mark.parametrize("name", operations())
def test_the_registry_implements_every_operation_with_its_parameters(name: str, cls: type) -> None:
    declared = getattr(RegistryService, name)
    implemented = getattr(cls, name)
    if isinstance(declared, property):
        assert isinstance(implemented, property)
        return
    want = inspect.signature(declared).parameters
    have = inspect.signature(implemented).parameters
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in have.values())
    for p in want.values():
        if p.kind is p.VAR_KEYWORD:
            continue
        assert p.name in have or takes_kwargs, f"{cls.__name__}.{name} lacks {p.name}"
        if p.name in have and p.default is not p.empty:
            assert have[p.name].default == p.default, f"{cls.__name__}.{name}({p.name}=...)"


def test_a_registry_is_a_registry_service(tmp_path: Path) -> None:
    with Registry(url=f"sqlite:///{tmp_path}/r.db", home=str(tmp_path)) as reg:
        assert isinstance(reg, RegistryService)
    with RemoteRegistry("http://127.0.0.1:9/", token="t", home=str(tmp_path)) as remote:
        assert isinstance(remote, RegistryService)
