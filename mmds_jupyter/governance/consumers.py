"""Consumers: who uses which model for what. Registered by hand (application, owner, purpose,
bound reference) and by production scoring (the application, the version, rows, last use); a
version whose consumers would break is retired or archived only with ``force`` and a reason."""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..entities import RETIRED_STAGES, Version
from ..errors import ConflictError, InvalidInput
from ..refs import MAX_NAME, check_text

COLUMNS = [
    "id",
    "application",
    "reference",
    "version",
    "owner",
    "purpose",
    "source",
    "since",
    "until",
    "last_version",
    "rows",
    "calls",
    "last_used",
    "created_by",
]


def check_application(application: Any) -> str:
    if not isinstance(application, str) or not application.strip():
        raise InvalidInput("Name the application that uses the model, e.g. 'pricing-api'.")
    check_text("The application", application, MAX_NAME)
    return application.strip()


def declared_application(given: str | None) -> str | None:
    """Who a production scoring call says it is for: ``application=``, else
    $MMDS_APPLICATION, else the scheduled job running it ($MMDS_JOB); None: nobody said."""
    if given is not None:
        return check_application(given)
    if os.environ.get("MMDS_APPLICATION", "").strip():
        return check_application(os.environ["MMDS_APPLICATION"])
    if os.environ.get("MMDS_JOB", "").strip():
        return check_application(f"job:{os.environ['MMDS_JOB'].strip()}")
    return None


def run_of_this_process(run_id: int | None) -> int | None:
    """The scheduler run a scoring call belongs to: the one given, else $MMDS_RUN_ID."""
    if run_id is not None:
        return run_id
    found = os.environ.get("MMDS_RUN_ID", "").strip()
    return int(found) if found.isdigit() else None


def pinned_reference(resolved_refs: dict[str, Any] | None, scored: str) -> str | None:
    """The reference a scheduled job names for the version its run scores: the runner pins an
    alias parameter (``churn@champion``) to the version it names when the run starts, and the
    job is a consumer of the alias, not of that version. None: the job pinned nothing there."""
    for pin in (resolved_refs or {}).values():
        if isinstance(pin, dict) and pin.get("resolved") == scored and pin.get("requested"):
            return str(pin["requested"])
    return None


def scoring_application(given: str | None, actor: str) -> str:
    """Who a production scoring call is for: as declared, else the user's own use."""
    return declared_application(given) or f"user:{actor}"


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("since", "until", "last_used"):
        out[c] = pd.to_datetime(out[c], utc=True)
    return out


def check_retire(
    consumers: list[dict[str, Any]], version: Version, stage: str, force: bool, reason: str | None
) -> None:
    """Refuse to take a version out of service while consumers use it, naming them; with
    ``force`` a reason is required (it is recorded with the stage change)."""
    if stage not in RETIRED_STAGES or not consumers:
        return
    who = "; ".join(
        f"{c['application']} (via {c['reference']}"
        + (f", owner {c['owner']}" if c.get("owner") else "")
        + ")"
        for c in consumers
    )
    if not force:
        raise ConflictError(
            f"{version.ref} has {len(consumers)} consumer(s) that would break if it were "
            f"{stage}: {who}. Move them to another version first, or pass force=True "
            "(--force) with a reason."
        )
    if not (reason or "").strip():
        raise InvalidInput(
            f"Moving {version.ref} to {stage} breaks {who}: give the reason (reason=..., "
            "--reason) as well as force=True."
        )
