"""The ``mmds audit`` sub-commands: a signed checkpoint of the event log, its export for
auditors, and the check of an export."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _cli() -> Any:
    from . import cli  # the shared printing helpers; imported late because cli imports us

    return cli


def cmd_checkpoint(args: argparse.Namespace) -> None:
    cp = _cli()._registry(args).audit_checkpoint()
    print(f"Checkpoint: {cp['events']} events up to event {cp['through_id']}, signed.")


def cmd_export(args: argparse.Namespace) -> None:
    from .governance.audit import write_export

    doc = _cli()._registry(args).audit_export(since=args.since, project=args.project)
    write_export(doc, args.out)
    events = doc["events"]
    withheld = sum(1 for e in events if e.get("withheld"))
    print(
        f"Wrote {len(events)} events to {args.out}"
        + (f" ({withheld} of other projects as hashes only)" if withheld else "")
        + f", up to the checkpoint at event {doc['checkpoint']['through_id']}."
    )


def cmd_verify(args: argparse.Namespace) -> None:
    from .config import MMDS
    from .errors import InvalidInput, MMDSError
    from .governance.audit import AuditKey, verify_export

    try:
        doc = json.loads(Path(args.file).read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{args.file} cannot be read as an audit export: {exc}") from None
    cfg = MMDS()
    key = AuditKey(args.key or cfg.audit_key_file or Path(args.home or cfg.home) / "audit.key")
    problems = verify_export(doc, key)
    if problems:
        raise MMDSError(f"{args.file} does not hold: " + "; ".join(problems) + ".")
    print(f"{args.file} holds: {len(doc['events'])} events, chained, up to a signed checkpoint.")


def add_commands(sub: Any) -> None:
    au = sub.add_parser("audit", help="Signed checkpoints and exports of the event log.")
    ausub = au.add_subparsers(dest="audit_command", required=True)
    cp = ausub.add_parser(
        "checkpoint", help="Sign the log's head with the audit key (outside the database)."
    )
    cp.set_defaults(func=cmd_checkpoint)
    ex = ausub.add_parser("export", help="Write the log with its hash chain and a checkpoint.")
    ex.add_argument("out", metavar="OUT", help="The JSON file to write.")
    ex.add_argument("--since", help="From this ISO date or time, or an age (7d).")
    ex.add_argument("--project", help="Only this project's events in full (others as hashes).")
    ex.set_defaults(func=cmd_export)
    ve = ausub.add_parser("verify", help="Check an export's chain and signed checkpoint.")
    ve.add_argument("file", metavar="FILE")
    ve.add_argument("--key", help="The audit key file (default $MMDS_AUDIT_KEY_FILE).")
    ve.set_defaults(func=cmd_verify)
