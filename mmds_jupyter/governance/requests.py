"""Promotion as a request: a move (or a review) opened with the gates' evidence, approved or
rejected by others, done in one transaction when every gate passes. Also the two rules a
template sets outside requests: which moves ``set_stage`` may make, and that an expired
version cannot hold ``@champion``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import ConflictError, InvalidInput, NotFound, PermissionDenied
from ..refs import check_text, whole_number
from . import templates
from .gates import approvals_gate, approver_label, evaluate_checks, may_approve

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

log = logging.getLogger(__name__)
DAYS_PER_MONTH = 30.4375
STATUSES = ("open", "done", "rejected")


@dataclass
class StageRequest:
    """A proposed stage move of a version (to its own stage: a review) and its outcome."""

    id: int
    ref: str
    from_stage: str
    to_stage: str
    status: str
    author: str
    comment: str | None
    created_at: datetime
    closed_at: datetime | None
    template: str
    decisions: list[dict[str, Any]] = field(default_factory=list)
    gates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def blocking(self) -> list[dict[str, Any]]:
        """The gates that do not pass yet."""
        return [g for g in self.gates if not g["passed"]]

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: getattr(self, k) for k in self.__dataclass_fields__},
            "created_at": self.created_at.isoformat(),
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StageRequest:
        def when(x: Any) -> datetime | None:
            return (
                None if x is None else x if isinstance(x, datetime) else datetime.fromisoformat(x)
            )

        fields = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        created = when(d["created_at"])
        assert created is not None
        return cls(**{**fields, "created_at": created, "closed_at": when(d.get("closed_at"))})

    def __str__(self) -> str:
        move = "review" if self.from_stage == self.to_stage else f"{self.from_stage} -> "
        head = (
            f"request {self.id}: {self.ref} {move}{self.to_stage} [{self.status}] by {self.author}"
        )
        lines = [head] + [
            f"  {'pass' if g['passed'] else 'BLOCK'}  {g['gate']}: {g['message']}"
            for g in self.gates
        ]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(
            f"<tr><td>{'✔' if g['passed'] else '✘'}</td><td>{escape(g['gate'])}</td>"
            f"<td>{escape(g['message'])}</td></tr>"
            for g in self.gates
        )
        return (
            f"<div class='mmds-request'><b>Request {self.id}</b>: {escape(self.ref)} "
            f"{escape(self.from_stage)} → {escape(self.to_stage)} "
            f"[{escape(self.status)}] by {escape(self.author)}"
            f"<table class='mmds-table'>{rows}</table></div>"
        )


def now(reg: Registry) -> datetime:
    return reg.clock()


def template_of(reg: Registry, v: Version) -> dict[str, Any] | None:
    return reg.governance_store.version_template(v.id, v.project, v.created_at)


def _label(t: dict[str, Any]) -> str:
    return f"{t['name']} v{t['version']}"


def _move(t: dict[str, Any], v: Version, stage: str) -> dict[str, Any]:
    """The template's move of ``v`` to ``stage``, or one clear error naming the moves there are."""
    move = templates.transition(t["spec"], v.stage, stage)
    if move is None:
        allowed = templates.moves_from(t["spec"], v.stage)
        if v.stage == stage:
            why = f"{v.ref} is in {stage} already (and the template has no review of {stage})"
        else:
            why = f"the template does not allow {v.stage} -> {stage} for {v.ref}"
        raise InvalidInput(
            f"{why}; template {_label(t)} allows from {v.stage}: {', '.join(allowed) or 'none'}."
        )
    return move


def check_free_move(reg: Registry, v: Version, stage: str) -> None:
    """``set_stage`` makes a move only when the version's template (if any) allows it with
    no gate; otherwise one error naming the request to open."""
    t = template_of(reg, v)
    if t is None:
        return
    move = _move(t, v, stage)
    if templates.has_gates(move):
        names = [c["check"] for c in move["gates"]["checks"]]
        if move["gates"]["approvals"]:
            names.append("approvals")
        raise ConflictError(
            f"{v.stage} -> {stage} has gates in template {_label(t)} ({', '.join(names)}), so "
            f"it is made by a request: mmds.request('{v.ref}', '{stage}', comment='...') "
            f"(CLI: mmds request {v.ref} {stage})."
        )


def _evaluate(
    reg: Registry, v: Version, move: dict[str, Any]
) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    checks = evaluate_checks(reg, v, move["gates"])
    spec = move["gates"]["approvals"]

    def gates(decisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return checks + ([approvals_gate(spec, decisions)] if spec else [])

    return gates


def _request(reg: Registry, d: dict[str, Any]) -> StageRequest:
    t = reg.governance_store.template_by_id(d["template_id"])
    return StageRequest.from_dict({**d, "template": _label(t)})


def request(reg: Registry, ref: Any, stage: str, comment: str | None) -> StageRequest:
    """Open a request to move a version to ``stage`` (its own stage: a review), or re-check
    the gates of the one open already; the move happens when every gate passes."""
    check_text("The comment", comment)
    v = reg.get(ref)
    t = template_of(reg, v)
    if t is None:
        raise InvalidInput(
            f"Project {v.project!r} binds no life-cycle template, so its stage moves are free: "
            f"mmds.set_stage('{v.ref}', '{stage}'). To govern them: "
            f"mmds.bind_template('{v.project}')."
        )
    move = _move(t, v, stage)
    if not templates.has_gates(move):
        raise InvalidInput(
            f"{v.stage} -> {stage} has no gate in template {_label(t)}: make it with "
            f"mmds.set_stage('{v.ref}', '{stage}')."
        )
    store = reg.governance_store
    rid = store.open_request_for(v.id, stage)
    if rid is None:
        rid = store.open_request(v.id, t["id"], v.stage, stage, reg.actor, comment, now(reg))["id"]
    gates = _evaluate(reg, v, move)
    return _request(reg, store.decide(rid, reg.actor, None, gates, _no_check, now(reg)))


def _no_check(req: dict[str, Any], decisions: list[dict[str, Any]]) -> None:
    """A re-check records no decision."""


def decide(reg: Registry, request_id: Any, verdict: str, comment: str | None) -> StageRequest:
    """Approve or reject an open request as this registry's actor."""
    request_id = whole_number("The request id", request_id, 1)
    check_text("The comment", comment)
    store = reg.governance_store
    req = store.request(request_id)
    v = reg.get(req["ref"])
    t = store.template_by_id(req["template_id"])
    move = templates.transition(t["spec"], req["from_stage"], req["to_stage"])
    if move is None:  # a template version never changes, so this cannot happen
        raise NotFound(f"Request {request_id} names a move its template no longer has.")
    spec = move["gates"]["approvals"]
    actor = reg.actor

    def check(req: dict[str, Any], decisions: list[dict[str, Any]]) -> None:
        if verdict == "reject" and actor == req["author"]:
            return  # the author withdraws their own request
        if spec is None:
            raise InvalidInput(
                f"Request {request_id} needs no approval; its checks decide it "
                f"(mmds.request('{req['ref']}', '{req['to_stage']}') checks them again)."
            )
        if actor in (req["author"], v.author):
            what = f"request {request_id}" if actor == req["author"] else v.ref
            raise PermissionDenied(
                f"{actor} is the author of {what}, and an approver is never the author: "
                f"request {request_id} needs {approver_label(spec)} other than "
                f"{' and '.join(sorted({req['author'], v.author}))}."
            )
        if any(d["actor"] == actor for d in decisions):
            raise ConflictError(f"{actor} decided on request {request_id} already.")
        standing = reg.standing(v.project) if reg.standing else None
        if not may_approve(spec, standing):
            raise PermissionDenied(
                f"{actor} may not {verdict} request {request_id}: it needs "
                f"{approver_label(spec)} in project {v.project!r}."
            )

    decision = {"verdict": verdict, "comment": comment}
    gates = _evaluate(reg, v, move)
    return _request(reg, store.decide(request_id, actor, decision, gates, check, now(reg)))


def requests(
    reg: Registry, ref: Any = None, status: str | None = "open", waiting_for_me: bool = False
) -> list[StageRequest]:
    """Requests, newest first: of one model or version (``ref``), in one status, or those
    waiting for this actor's approval (open, the actor may approve, has not, and is not an
    author)."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"Unknown status {status!r}; statuses are {', '.join(STATUSES)}.")
    ids, prefix = None, None
    if ref is not None:
        from ..refs import parse_ref

        r = parse_ref(ref) if isinstance(ref, str) else ref
        v = reg.get(r)
        if getattr(r, "version", None) is None and getattr(r, "alias", None) is None:
            prefix = f"{v.project}/{v.name}:"  # a model: the requests of every version
        else:
            ids = [v.id]
    rows = reg.governance_store.requests("open" if waiting_for_me else status, ids)
    out = []
    for d in rows:
        if prefix is not None and not d["ref"].startswith(prefix):
            continue
        if waiting_for_me and not _waits_for(reg, d):
            continue
        out.append(_request(reg, d))
    return out


def _waits_for(reg: Registry, d: dict[str, Any]) -> bool:
    actor = reg.actor
    t = reg.governance_store.template_by_id(d["template_id"])
    move = templates.transition(t["spec"], d["from_stage"], d["to_stage"])
    spec = move and move["gates"]["approvals"]
    if not spec or any(x["actor"] == actor for x in d["decisions"]):
        return False
    v = reg.get(d["ref"])
    if actor in (d["author"], v.author):
        return False
    return may_approve(spec, reg.standing(v.project) if reg.standing else None)


# -- review and expiry ---------------------------------------------------------------------------


def review_state(reg: Registry, v: Version) -> dict[str, Any] | None:
    """When the version was last approved into (or reviewed in) its stage, when a review is
    due and when it expires, per its template; None when its stage has no review."""
    t = template_of(reg, v)
    review = t and t["spec"]["review"].get(v.stage)
    if not review:
        return None
    since = reg.governance_store.last_done(v.id, v.stage) or _entered(reg, v)
    due = expires = None
    if review["every_months"]:
        due = since + timedelta(days=review["every_months"] * DAYS_PER_MONTH)
    if review["expires_after_months"]:
        expires = since + timedelta(days=review["expires_after_months"] * DAYS_PER_MONTH)
    at = now(reg)
    return {
        "stage": v.stage,
        "since": since,
        "review_due": due,
        "expires": expires,
        "overdue": due is not None and at >= due,
        "expired": expires is not None and at >= expires,
    }


REVIEW_TIMES = ("since", "review_due", "expires")


def review_json(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A review state (:func:`review_state`) with its times as ISO text, for JSON."""
    if state is None:
        return None
    return {k: (v.isoformat() if k in REVIEW_TIMES and v is not None else v)
            for k, v in state.items()}  # fmt: skip


def review_from_json(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """The review state :func:`review_json` wrote."""
    if data is None:
        return None
    return {k: (datetime.fromisoformat(v) if k in REVIEW_TIMES and v is not None else v)
            for k, v in data.items()}  # fmt: skip


def review_line(state: dict[str, Any] | None) -> str | None:
    """The review state in one line of text (``mmds show``): last review, due, expiry."""
    if state is None:
        return None
    parts = [f"{state['stage']} review: last {state['since']:%Y-%m-%d}"]
    if state["review_due"] is not None:
        parts.append(
            f"due {state['review_due']:%Y-%m-%d}" + (" (OVERDUE)" if state["overdue"] else "")
        )
    if state["expires"] is not None:
        word = "EXPIRED" if state["expired"] else "expires"
        parts.append(f"{word} {state['expires']:%Y-%m-%d}")
    return ", ".join(parts)


def _entered(reg: Registry, v: Version) -> datetime:
    for e in reg.store.audit.events(object_ref=v.ref, action="version.stage", limit=50):
        if e.object_ref == v.ref and (e.after or {}).get("stage") == v.stage:
            return e.time
    return v.created_at


def expire_champions(reg: Registry) -> list[dict[str, Any]]:
    """Take ``@champion`` off every version whose review has expired (an ``alias.remove``
    event with the reason "review expired"); one row per version it was taken off."""
    out = []
    for vid in reg.store.versions.with_alias("champion"):
        v = reg.store.versions.version_by_id(vid)
        state = review_state(reg, v)
        if not (state and state["expired"]):
            continue
        try:
            reg.store.versions.remove_alias(reg._ref(v), "champion", reg.actor, "review expired")
        except NotFound:  # moved to another version since it was read
            continue
        message = (
            f"@champion removed: its {v.stage} review expired on {state['expires']:%Y-%m-%d}; "
            f"have it reviewed (mmds.request('{v.ref}', '{v.stage}')) and set it again"
        )
        log.warning("retention: %s %s", v.ref, message)
        out.append({"ref": v.ref, "status": "champion removed", "message": message,
                    "expires": state["expires"]})  # fmt: skip
    return out


def check_champion(reg: Registry, v: Version) -> None:
    """An expired version cannot hold @champion."""
    state = review_state(reg, v)
    if state and state["expired"]:
        raise ConflictError(
            f"{v.ref} expired on {state['expires']:%Y-%m-%d} (its {v.stage} review lapsed), so "
            f"it cannot be champion. Have it reviewed: mmds.request('{v.ref}', '{v.stage}')."
        )
