"""The gates of a template's move, evaluated for one version with the evidence kept.

Each gate gives ``{"gate", "passed", "message", "evidence"}``: the message says what blocks
and what to do; the evidence is what MMDS looked at (stored with the request and its events).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..auth.permissions import ROLES

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import Registry

# The contract types whose domain is a range, and those whose domain is a set of categories.
RANGED = ("float", "integer")
LISTED = ("string",)


def _gate(name: str, passed: bool, message: str, evidence: dict[str, Any]) -> dict[str, Any]:
    return {"gate": name, "passed": passed, "message": message, "evidence": evidence}


def scoring_test(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    latest: dict[str, dict[str, Any]] = {}
    for r in reg.store.scoring.results(v.id, limit=500):  # newest first
        latest.setdefault(r["test"], r)
    runs = {
        name: {"passed": bool(r["passed"]), "ran_at": r["ran_at"].isoformat(), "by": r["actor"]}
        for name, r in sorted(latest.items())
    }
    failed = [n for n, r in runs.items() if not r["passed"]]
    if not runs:
        msg = (
            f"no scoring test has run on {v.ref}: create one (mmds test create {v.ref} "
            f"--inputs X.csv --expected y.csv) and run it: mmds test {v.ref}"
        )
    elif failed:
        msg = f"the last run of scoring test(s) {', '.join(failed)} failed on {v.ref}"
    else:
        msg = f"every scoring test passed on {v.ref} ({', '.join(runs)})"
    return _gate("scoring_test", bool(runs) and not failed, msg, {"tests": runs})


def contract_declared(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    """An input is undeclared when the model uses it and the contract gives no domain for it
    (a range for numbers, categories for strings), so scoring cannot flag strange values."""
    contract = reg.contract(v)
    undeclared = [
        i.name
        for i in contract.inputs
        if i.required
        and (
            (i.type in RANGED and (i.min is None or i.max is None))
            or (i.type in LISTED and not i.categories)
        )
    ]
    if undeclared:
        msg = (
            f"the score contract of {v.ref} gives no domain for {', '.join(undeclared)}: "
            f"declare it with mmds.contract('{v.ref}', {{'inputs': [...]}}) (CLI: mmds contract "
            f"{v.ref} --json > contract.json, give each a min and max, then mmds contract "
            f"{v.ref} --update contract.json)"
        )
    else:
        msg = f"the score contract declares each of the {len(contract.inputs)} inputs"
    evidence = {"undeclared": undeclared, "inputs": [i.name for i in contract.inputs]}
    return _gate("contract_declared", not undeclared, msg, evidence)


def metric(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    name, where = check["name"], check.get("slice")
    value = v.metric(name, where)
    if value is not None and not math.isfinite(value):  # e.g. AUC of a one-class slice
        value = None
    lo, hi = check.get("min"), check.get("max")
    label = f"{name}" + (f" on {where}" if where else "")
    bound = " and ".join(
        s for s in (lo is not None and f">= {lo}", hi is not None and f"<= {hi}") if s
    )
    ok = value is not None and (lo is None or value >= lo) and (hi is None or value <= hi)
    if value is None:
        known = sorted({m.name + (f" on {m.slice}" if m.slice else "") for m in v.metrics})
        msg = f"{v.ref} has no {label} (it has {', '.join(known) or 'no metrics'})"
    else:
        msg = f"{label} of {v.ref} is {value:.6g}; the gate needs {bound}"
    evidence = {"metric": name, "slice": where, "value": value, "min": lo, "max": hi}
    return _gate(f"metric {label} {bound}", ok, msg, evidence)


def documentation(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    fields = check["fields"]
    filled = {f: v.tags[f] for f in fields if (v.tags.get(f) or "").strip()}
    missing = [f for f in fields if f not in filled]
    if missing:
        example = ", ".join(f"{f}='...'" for f in missing)
        msg = (
            f"the model card of {v.ref} lacks {', '.join(missing)}: mmds.tag('{v.ref}', {example})"
        )
    else:
        msg = f"the model card of {v.ref} has {', '.join(fields)}"
    return _gate("documentation", not missing, msg, {"filled": filled, "missing": missing})


def comparison_report(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    files = reg.governance_store.evidence(v.id, "comparison")
    for f in files:
        f["time"] = f["time"].isoformat()
    if files:
        msg = f"a comparison report is attached to {v.ref} (by {files[-1]['actor']})"
    else:
        msg = (
            f"no comparison report is attached to {v.ref}: "
            f"mmds.attach('{v.ref}', 'comparison', file='report.html')"
        )
    return _gate("comparison_report", bool(files), msg, {"files": files})


def tasks(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    """Every task of the milestone (of the version's model and its project) is done."""
    from .tasks import progress
    from .tasks import tasks as find

    milestone = check["milestone"]
    rows = [t for t in find(reg, f"{v.project}/{v.name}") if t["milestone"] == milestone]
    p = progress(rows).get(milestone) or {"progress": 0.0, "open": [], "tasks": 0}
    if not rows:
        msg = (
            f"milestone {milestone!r} has no task for {v.project}/{v.name}: add them with "
            f"mmds.add_task('{v.project}/{v.name}', TITLE, milestone='{milestone}') (CLI: mmds "
            f"tasks add {v.project}/{v.name} TITLE --milestone {milestone})"
        )
    elif p["open"]:
        msg = (
            f"milestone {milestone!r} is {p['progress']:.0%} done; open task(s) "
            f"{', '.join(map(str, p['open']))}: mmds.complete_task(ID, comment=...) (CLI: mmds "
            "tasks complete ID --comment ...)"
        )
    else:
        msg = f"every task of milestone {milestone!r} is done ({len(rows)})"
    done = [{"id": t["id"], "title": t["title"], "by": t["completed_by"]} for t in rows
            if t["status"] == "done"]  # fmt: skip
    evidence = {"milestone": milestone, "progress": p["progress"], "open": p["open"], "done": done}
    return _gate(f"tasks {milestone}", bool(rows) and not p["open"], msg, evidence)


def no_open_alert(reg: Registry, v: Version, check: dict[str, Any]) -> dict[str, Any]:
    """No monitoring alert (level alert, not a warning) on this version is left unresolved."""
    found = reg.store.monitors.alerts(reg._ref(f"{v.project}/{v.name}"), None)
    open_ = [
        {"id": a["id"], "window": a["window"], "measure": a["measure"], "status": a["status"]}
        for a in found
        if a.get("ref") == v.ref and a["level"] == "alert" and a["status"] != "resolved"
    ]
    if open_:
        ids = ", ".join(str(a["id"]) for a in open_)
        msg = (
            f"{len(open_)} monitoring alert(s) on {v.ref} are not resolved ({ids}): "
            "mmds.resolve_alert(ID) once handled"
        )
    else:
        msg = f"no monitoring alert is open on {v.ref}"
    return _gate("no_open_alert", not open_, msg, {"open": open_})


CHECKS = {
    "no_open_alert": no_open_alert,
    "tasks": tasks,
    "scoring_test": scoring_test,
    "contract_declared": contract_declared,
    "metric": metric,
    "documentation": documentation,
    "comparison_report": comparison_report,
}


def evaluate_checks(reg: Registry, v: Version, gates: dict[str, Any]) -> list[dict[str, Any]]:
    return [CHECKS[c["check"]](reg, v, c) for c in gates.get("checks") or []]


def approvals_gate(spec: dict[str, Any], decisions: list[dict[str, Any]]) -> dict[str, Any]:
    given = [
        {"by": d["actor"], "comment": d.get("comment"), "time": d["time"]}
        for d in decisions
        if d["verdict"] == "approve"
    ]
    need = spec["count"]
    who = approver_label(spec)
    msg = f"{len(given)} of {need} approval(s) by {who} (not the author)"
    return _gate("approvals", len(given) >= need, msg, {"approvals": given, "needed": need})


def approver_label(spec: dict[str, Any]) -> str:
    role = spec.get("role") and f"a holder of role {spec['role']!r}"
    group = spec.get("group") and f"a member of group {spec['group']!r}"
    if role and group:
        return f"{role} who is {group}"
    return role or group or "anyone"


def may_approve(
    spec: dict[str, Any], standing: tuple[frozenset[str], frozenset[str]] | None
) -> bool:
    """Whether someone of this standing (permissions, groups in the project; None: a laptop,
    where every role and group is the user's own) counts for the approvals gate."""
    if standing is None:
        return True
    perms, groups = standing
    if spec.get("group") and spec["group"] not in groups:
        return False
    return not spec.get("role") or ROLES[spec["role"]] <= perms
