"""Archive and retention: archived versions' files live in the cold artifact root (same
sha256), restored on demand; a legal hold blocks archiving and purging; purging deletes a
version's files and keeps a tombstone (the version.purge event, with the hashes); retired
versions are archived by a sweep once their template's ``retention.archive_after_days`` pass.

Every record, event and lineage edge stays: only where the bytes live changes. A file shared
with another version (the same hash) stays where that version needs it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ArtifactIntegrityError, ConflictError, InvalidInput, MMDSError, Purged
from ..refs import check_text
from ..store.retention import held_message

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

log = logging.getLogger(__name__)
ARCHIVED = "archived"
# Only a version out of service may be purged.
PURGEABLE = ("retired", "archived")


def _reason(what: str, reason: Any, required: bool = True) -> str | None:
    check_text("The reason", reason)
    if required and not (reason or "").strip():
        raise InvalidInput(f"Give the reason to {what} (reason=..., CLI --reason ...).")
    return (reason or "").strip() or None


def check_loadable(reg: Registry, v: Version) -> None:
    """Loading a purged version is one clear error naming when, who and why."""
    tomb = reg.retention_store.purged(v.id)
    if tomb is not None:
        raise Purged(
            f"{v.ref} was purged on {tomb['purged_at']:%Y-%m-%d} by {tomb['actor']} "
            f"({tomb['reason']}): its file (sha256 {tomb['artifact_sha256']}) is deleted; its "
            "records, events and lineage remain (mmds.events). Use another version."
        )


def _check_not_held(reg: Registry, v: Version, what: str) -> None:
    hold = reg.retention_store.hold_of(v.id)
    if hold is not None:
        raise ConflictError(held_message(v.ref, what, hold))


def _place(reg: Registry, sha: str, hot: bool, cold: bool) -> None:
    """Keep a file exactly where it is needed: copy it first, then delete the copies no
    version needs (never the last copy of a needed file)."""
    a = reg.artifacts
    if hot and not a.hot_path(sha).exists():
        a.thaw(sha)
    if cold and not a.cold_path(sha).exists():
        a.freeze(sha)
    if not hot:
        a.drop(sha)
    if not cold:
        a.drop(sha, cold=True)


def before_stage(reg: Registry, v: Version, stage: str) -> None:
    """Before a stage change is written: archiving copies the files to the cold root (a hold
    refuses it); leaving ``archived`` copies them back. A failure leaves extra copies only."""
    if stage == ARCHIVED and v.stage != ARCHIVED:
        _check_not_held(reg, v, "archived")
        if reg.retention_store.purged(v.id) is None:
            for sha in reg.retention_store.files(v.id):
                reg.artifacts.freeze(sha)
    elif v.stage == ARCHIVED and stage != ARCHIVED:
        check_loadable(reg, v)
        for sha in reg.retention_store.files(v.id):
            reg.artifacts.thaw(sha)


def after_stage(reg: Registry, before: str, v: Version) -> None:
    """Once a stage change is committed: drop the copies no version needs any more."""
    if (before == ARCHIVED) == (v.stage == ARCHIVED):
        return
    if reg.retention_store.purged(v.id) is not None:
        return
    for sha in reg.retention_store.files(v.id):
        hot, cold = reg.retention_store.uses(sha, v.id)
        if v.stage == ARCHIVED:
            _place(reg, sha, hot, True)
        else:
            _place(reg, sha, True, cold)


def restore(reg: Registry, ref: Any, reason: str | None) -> Version:
    """Bring an archived version back (files hot again) to the stage it was archived from."""
    check_text("The reason", reason)
    v = reg.get(ref)
    check_loadable(reg, v)
    if v.stage != ARCHIVED:
        raise InvalidInput(f"{v.ref} is {v.stage}, not archived: there is nothing to restore.")
    back = "retired"
    for e in reg.store.audit.events(object_ref=v.ref, action="version.stage", limit=50):
        if e.object_ref == v.ref and (e.after or {}).get("stage") == ARCHIVED:
            back = (e.before or {}).get("stage") or back
            break
    return reg._change_stage(v, back, reason or "restored from the archive", False)


def hold(reg: Registry, ref: Any, reason: str) -> dict[str, Any]:
    text = _reason("put a version under legal hold", reason)
    assert text is not None
    v = reg.get(ref)
    return reg.retention_store.hold(v.id, text, reg.actor, reg.clock())


def release(reg: Registry, ref: Any, reason: str | None) -> dict[str, Any]:
    text = _reason("release a legal hold", reason, required=False)
    return reg.retention_store.release(reg.get(ref).id, text, reg.actor)


def purge(reg: Registry, ref: Any, reason: str) -> dict[str, Any]:
    """Delete a retired or archived version's files for good; its tombstone keeps the hash."""
    text = _reason("purge a version", reason)
    assert text is not None
    v = reg.get(ref)
    if v.stage not in PURGEABLE:
        raise ConflictError(
            f"{v.ref} is {v.stage}; only a retired or archived version is purged. Retire it "
            f"first: mmds.set_stage('{v.ref}', 'retired')."
        )
    done = reg.retention_store.purge(v.id, text, reg.actor, reg.clock())
    for sha in done["files"]:
        hot, cold = reg.retention_store.uses(sha, v.id)
        try:
            _place(reg, sha, hot, cold)
        except ArtifactIntegrityError as exc:  # a needed copy was missing already
            log.warning("purge of %s: %s", v.ref, exc)
    reg._scoring_models.clear()
    return done


def archive_due(reg: Registry) -> list[dict[str, Any]]:
    """The retention sweep: take ``@champion`` off every version whose review has expired
    (status "champion removed"), and archive every retired version whose template's
    ``retention.archive_after_days`` have passed since it was retired; one row per version
    due: archived, or why not (held, consumers, gates)."""
    from .requests import _entered, expire_champions, template_of

    store = reg.retention_store
    out = expire_champions(reg)
    now = reg.clock()
    for ref in store.refs(store.in_stage("retired")).values():
        v = reg.get(ref)
        t = template_of(reg, v)
        days = ((t or {}).get("spec") or {}).get("retention", {}).get("archive_after_days")
        if not days:
            continue
        since = _entered(reg, v)
        if now < since + timedelta(days=days):
            continue
        row = {"ref": ref, "retired_at": since, "archive_after_days": days}
        try:
            reg.set_stage(v, ARCHIVED, reason=f"retention: retired for {days} days")
        except MMDSError as exc:
            out.append({**row, "status": "skipped", "message": str(exc)})
            log.warning("retention: %s stays retired: %s", ref, exc)
            continue
        out.append({**row, "status": "archived", "message": f"archived {ref}"})
    return out
