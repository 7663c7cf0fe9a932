"""A generated report kept as evidence: its HTML a content-addressed artifact, recorded as a
version file of kind ``report`` of every version it covers, with a ``version.report`` event
naming its fingerprint (so it can be attached to a request and found again)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .build import build
from .document import Report

if TYPE_CHECKING:
    from ..registry import Registry

KIND = "report"


def report(registry: Registry, refs: tuple[Any, ...], kind: str | None, threshold: float) -> Report:
    if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
        refs = tuple(refs[0])
    made = build(registry, list(refs), kind, threshold)
    sha = registry.artifacts.put(made.to_html().encode("utf-8"))
    made.stored_sha256 = sha
    detail = {"kind": made.kind, "fingerprint": made.fingerprint, "refs": made.refs}
    for ref in made.refs:
        version = registry.get(ref)
        registry.store.versions.add_version_file(
            version.id, KIND, sha, registry.actor, detail, action="version.report"
        )
    return made
