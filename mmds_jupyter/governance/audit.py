"""Signed checkpoints of the audit log, their check, and the log's export for auditors.

The hash chain shows an edited event but not a log cut short: removing the newest events
leaves a chain that checks out. A checkpoint signs (HMAC-SHA256) the id and hash of the newest
event and the number of events up to it, with a key kept OUTSIDE the database (the file
``MMDS_AUDIT_KEY_FILE``, default ``<home>/audit.key``, created with mode 0600 on first use).
Each checkpoint is appended to ``audit-checkpoints.jsonl`` beside the key, and is itself an
``audit.checkpoint`` event (the event it signs), so an auditor sees in the log when they were
taken. Someone who can rewrite the database but not that folder cannot hide a truncation: the
newest checkpoint names an event that is gone, or changed, or a count that no longer holds.

Checkpoints are written by ``mmds audit checkpoint`` (e.g. from cron, or by the operator of
`mmds server`) and by every export; events after the newest checkpoint are protected only by
the chain, so checkpoint as often as the tail matters.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..auth.permissions import project_of_object
from ..entities import Event
from ..errors import InvalidInput, MMDSError

if TYPE_CHECKING:
    from ..registry import AuditStore

FORMAT = "mmds-audit-export/1"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
SIGNED = ("database", "key_id", "through_id", "through_hash", "events", "time", "actor")


class AuditKeyError(MMDSError):
    """The audit key file cannot be read or made."""


class AuditKey:
    """The signing key of audit checkpoints, in a file outside the database."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.checkpoints = self.path.parent / CHECKPOINT_FILE

    def exists(self) -> bool:
        return self.path.exists()

    def secret(self, create: bool = False) -> bytes:
        """The key; with ``create`` a new random one is written (0600) when there is none."""
        if create and not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it meanwhile: use theirs
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32) + "\n")
        try:
            text = self.path.read_text().strip()
        except OSError as exc:
            raise AuditKeyError(
                f"The audit key file {self.path} cannot be read ({exc.strerror}). Set "
                "MMDS_AUDIT_KEY_FILE (c.MMDS.audit_key_file) to the key of this registry."
            ) from None
        if len(text) < 32:
            raise AuditKeyError(
                f"The audit key file {self.path} holds no key (at least 32 characters)."
            )
        return text.encode()

    def key_id(self, secret: bytes) -> str:
        return hashlib.sha256(secret).hexdigest()[:16]


def signature(secret: bytes, checkpoint: dict[str, Any]) -> str:
    body = json.dumps({k: checkpoint[k] for k in SIGNED}, sort_keys=True, separators=(",", ":"))
    return hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()


def checkpoint(audit: AuditStore, key: AuditKey, database: str, actor: str) -> dict[str, Any]:
    """Sign the log as it is now (with a new ``audit.checkpoint`` event as its head) and keep
    the checkpoint beside the key."""
    secret = key.secret(create=True)
    key_id = key.key_id(secret)
    event, count = audit.append(actor, "audit.checkpoint", "audit", "audit", {"key_id": key_id})
    cp: dict[str, Any] = {
        "database": database,
        "key_id": key_id,
        "through_id": event.id,
        "through_hash": event.hash,
        "events": count,
        "time": event.time.isoformat(),
        "actor": actor,
    }
    cp["signature"] = signature(secret, cp)
    with key.checkpoints.open("a") as f:
        f.write(json.dumps(cp, sort_keys=True) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return cp


def _checkpoints(key: AuditKey, secret: bytes, database: str) -> tuple[list[dict[str, Any]], int]:
    """This database's checkpoints signed with this key, and how many carry a bad signature."""
    if not key.checkpoints.exists():
        return [], 0
    key_id = key.key_id(secret)
    good, forged = [], 0
    for line in key.checkpoints.read_text().splitlines():
        try:
            cp = json.loads(line)
        except ValueError:
            forged += 1
            continue
        if not isinstance(cp, dict) or cp.get("database") != database:
            continue
        if cp.get("key_id") != key_id:
            continue
        valid = all(k in cp for k in SIGNED) and hmac.compare_digest(
            str(cp.get("signature", "")), signature(secret, cp)
        )
        if valid:
            good.append(cp)
        else:
            forged += 1
    return good, forged


def verify(audit: AuditStore, key: AuditKey, database: str) -> dict[str, Any]:
    """Check the chain, then the log against the newest checkpoint of this database; a report
    whose ``message`` says what is wrong (or right) and what to do."""
    bad = audit.verify_events()
    newest = audit.events(limit=1)
    last = newest[0].id if newest else 0
    report: dict[str, Any] = {
        "intact": False,
        "first_bad_event": bad,
        "last_event": last,
        "checkpoint": None,
        "truncated": False,
        "message": "",
    }
    if bad is not None:
        report["message"] = (
            f"The event log has been altered: event {bad} does not match the hash chain. "
            "Restore the database from a backup and investigate."
        )
        return report
    recorded = audit.events(action="audit.checkpoint", limit=1)
    if not key.exists():
        if recorded:
            report["message"] = (
                f"The log records checkpoints (the newest is event {recorded[0].id}) but the "
                f"audit key {key.path} is missing: the log cannot be checked against them. "
                "Set MMDS_AUDIT_KEY_FILE to this registry's key."
            )
            return report
        report["intact"] = True
        report["message"] = (
            f"The event chain is intact ({last} events); no checkpoint yet, so a cut of the "
            "newest events would not show: run `mmds audit checkpoint`."
        )
        return report
    secret = key.secret()
    found, forged = _checkpoints(key, secret, database)
    if forged:
        report["message"] = (
            f"{forged} checkpoint(s) in {key.checkpoints} carry a signature that does not "
            "match the key: the checkpoint file was tampered with. Investigate."
        )
        return report
    if not found:
        if recorded:
            report["message"] = (
                f"The log records checkpoints (the newest is event {recorded[0].id}) but "
                f"{key.checkpoints} holds none for {database}: the checkpoint file was lost "
                "or this is not the key of this registry."
            )
            return report
        report["intact"] = True
        report["message"] = (
            f"The event chain is intact ({last} events); no checkpoint yet, so a cut of the "
            "newest events would not show: run `mmds audit checkpoint`."
        )
        return report
    cp = max(found, key=lambda c: int(c["through_id"]))
    report["checkpoint"] = {k: cp[k] for k in ("through_id", "events", "time", "actor")}
    event, count = audit.event_at(int(cp["through_id"]))
    when = f"the checkpoint of {cp['time']} (by {cp['actor']})"
    if event is None or count < int(cp["events"]):
        report["truncated"] = True
        lost = int(cp["events"]) - count
        report["message"] = (
            f"The event log was cut short: {when} signed {cp['events']} events up to event "
            f"{cp['through_id']}, and "
            + (
                f"event {cp['through_id']} is gone"
                if event is None
                else f"{lost} of those events are gone"
            )
            + f" (the log now ends at event {last}). Restore the database from a backup and "
            "investigate."
        )
        return report
    if event.hash != cp["through_hash"] or count != int(cp["events"]):
        report["message"] = (
            f"The event log was rewritten: event {cp['through_id']} is not the one {when} "
            "signed. Restore the database from a backup and investigate."
        )
        return report
    report["intact"] = True
    after = last - int(cp["through_id"])
    report["message"] = (
        f"The event chain is intact ({last} events) and matches {when}, which signed "
        f"{cp['events']} events up to event {cp['through_id']}"
        + (f"; the {after} newer event(s) are checked by the chain only." if after else ".")
    )
    return report


def event_dict(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "time": e.time.isoformat(),
        "actor": e.actor,
        "action": e.action,
        "object_kind": e.object_kind,
        "object_ref": e.object_ref,
        "before": e.before,
        "after": e.after,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def export(
    audit: AuditStore,
    key: AuditKey,
    database: str,
    actor: str,
    since: datetime | None = None,
    project: str | None = None,
) -> dict[str, Any]:
    """The log for an auditor: a contiguous stretch of the chain (from ``since``) up to a new
    signed checkpoint. With ``project``, events of other objects keep only their id and hashes
    (``withheld``), so the chain still links and nothing can hide in the gaps."""
    cp = checkpoint(audit, key, database, actor)
    events = []
    for e in audit.chain(since=since, through=int(cp["through_id"])):
        if project is None or project_of_object(e.object_ref) == project:
            events.append(event_dict(e))
        else:
            events.append({"id": e.id, "prev_hash": e.prev_hash, "hash": e.hash, "withheld": True})
    return {
        "format": FORMAT,
        "database": database,
        "exported_at": datetime.now(timezone.utc).isoformat(),
        "exported_by": actor,
        "filters": {"since": since.isoformat() if since else None, "project": project},
        "events": events,
        "checkpoint": cp,
    }


def write_export(doc: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write an export as JSON, whole or not at all (a temporary file renamed into place)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with tmp.open("w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"The export cannot be written to {target}: {exc.strerror}.") from None


def verify_export(doc: Any, key: AuditKey) -> list[str]:
    """What is wrong with an export ([] when nothing): the checkpoint's signature, each event's
    hash, the links of the chain, and that it ends at the checkpoint."""
    from ..registry import GENESIS, event_hash

    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InvalidInput(f"This is not an MMDS audit export (format {FORMAT}).")
    problems = []
    cp = doc.get("checkpoint") or {}
    secret = key.secret()
    if not all(k in cp for k in SIGNED) or not hmac.compare_digest(
        str(cp.get("signature", "")), signature(secret, cp)
    ):
        problems.append("the checkpoint's signature does not match the key")
    events = doc.get("events") or []
    prev = None if (doc.get("filters") or {}).get("since") else GENESIS
    for e in events:
        if prev is not None and e.get("prev_hash") != prev:
            problems.append(f"event {e.get('id')} does not link to the event before it")
        if not e.get("withheld"):
            expected = event_hash(
                e["prev_hash"],
                datetime.fromisoformat(e["time"]),
                e["actor"],
                e["action"],
                e["object_kind"],
                e["object_ref"],
                e["before"],
                e["after"],
            )
            if expected != e.get("hash"):
                problems.append(f"event {e.get('id')} does not match its hash")
        prev = e.get("hash")
    if not events or (events[-1].get("id"), prev) != (cp.get("through_id"), cp.get("through_hash")):
        problems.append("the events do not end at the event the checkpoint signs")
    return problems
