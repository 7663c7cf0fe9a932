"""The ``mmds`` command: query and manage the registry from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from . import cli_jobs
from .errors import MMDSError
from .search import glue_descending

LIST_COLUMNS = ["ref", "stage", "estimator", "task", "author", "created_at", "aliases"]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _print_frame(frame: pd.DataFrame, columns: list[str] | None = None) -> None:
    if frame.empty:
        print("(nothing)")
        return
    if columns:
        extra = [
            c
            for c in frame.columns
            if c not in columns
            and c not in ("project", "name", "version", "framework", "id", "parent_id")
        ]
        frame = frame[[c for c in columns if c in frame.columns] + extra]
    with pd.option_context(
        "display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60
    ):
        print(frame.to_string(index=False))


def _registry(args: argparse.Namespace) -> Any:
    from .registry import Registry

    return Registry(url=args.url, home=args.home)


def cmd_list(args: argparse.Namespace) -> None:
    reg = _registry(args)
    query = reg.query(
        project=args.project,
        name=args.name,
        name_contains=args.name_contains,
        feature=args.feature,
        without_feature=args.without_feature,
        stage=args.stage,
        include_archived=args.include_archived,
        dataset=args.dataset,
        dataset_role=args.dataset_role,
        author=args.author,
        since=args.since,
        tag=args.tag,
        where=args.where,
        slice=args.slice,
        order_by=args.order_by,
        limit=args.limit,
    )
    rows, warnings = reg.search(query)
    if args.json:
        _print_json(rows)
    else:
        _print_frame(pd.DataFrame(rows), LIST_COLUMNS)
    for warning in warnings:
        print(f"mmds: warning: {warning}", file=sys.stderr)


def version_dict(v: Any) -> dict[str, Any]:
    """A version as plain JSON-ready data (shared by the CLI and the REST API)."""
    from dataclasses import asdict, fields

    data = {f.name: getattr(v, f.name) for f in fields(v) if not f.name.startswith("_")}
    data["features"] = [asdict(f) for f in v.features]
    data["metrics"] = [asdict(m) for m in v.metrics]
    data["ref"] = v.ref
    return data


def cmd_show(args: argparse.Namespace) -> None:
    reg = _registry(args)
    v = reg.get(args.ref)
    if args.json:
        _print_json(version_dict(v))
        return
    print(f"{v.ref}  [{v.stage}]  {v.estimator_class}  task={v.task}")
    print(
        f"  author {v.author}, tracked {v.created_at:%Y-%m-%d %H:%M:%S} UTC"
        + (f", aliases {', '.join(v.aliases)}" if v.aliases else "")
        + (f", parent {v.parent_ref}" if v.parent_ref else "")
    )
    if v.provenance.get("notebook"):
        print(f"  notebook {v.provenance['notebook']} (cell {v.provenance.get('execution_count')})")
    print(f"  artifact {v.artifact_format} sha256:{v.artifact_sha256}")
    print("  metrics:")
    for m in sorted(v.metrics, key=lambda m: (m.slice or "", m.name)):
        value = "—" if m.value is None else f"{m.value:.4g}"
        print(f"    {m.slice or 'overall':<24} {m.name:<10} {value}")
    used = [f.name for f in v.features if f.used]
    unused = [f.name for f in v.features if not f.used]
    print(f"  features ({len(used)} used): {', '.join(used)}")
    if unused:
        print(f"  unused: {', '.join(unused)}")
    results = reg.scoring_test_results(v, limit=5)
    if not results.empty:
        print("  scoring tests:")
        for _, r in results.iterrows():
            print(
                f"    {r['test']:<16} {'pass' if r['passed'] else 'FAIL'}  "
                f"{r['n_mismatched']}/{r['n_rows']} rows differ  {r['ran_at']:%Y-%m-%d %H:%M}"
            )
    print(f"  params: {len(v.params)}")
    for k, val in v.params.items():
        print(f"    {k} = {val!r}")


def cmd_contract(args: argparse.Namespace) -> None:
    c = _registry(args).contract(args.ref, policy=args.policy)
    if args.json:
        _print_json(c.to_dict())
        return
    print(f"Score contract of {c.version_ref} (out-of-domain policy: {c.policy})")
    _print_frame(c.to_frame())
    print("outputs: " + ", ".join(o["name"] for o in c.outputs))


def cmd_score(args: argparse.Namespace) -> None:
    from .store.artifacts import atomic_write

    mode = "production" if args.production else "test"
    result = _registry(args).score(
        args.ref, args.data, mode=mode, key=args.key, passthrough=args.passthrough
    )
    if args.out:
        data = (
            result.outputs.to_csv(index=False).encode()
            if args.out.endswith(".csv")
            else _parquet(result.outputs)
        )
        atomic_write(Path(args.out), data)
    summary = {
        "ref": result.ref,
        "mode": mode,
        "rows": len(result.outputs),
        "flagged": result.n_flagged,
        "score_set": result.score_set_id,
        "out": args.out,
    }
    if args.json:
        _print_json(summary)
    else:
        print(", ".join(f"{k} {v}" for k, v in summary.items() if v is not None))


def _parquet(frame: pd.DataFrame) -> bytes:
    from .scoring.frames import to_parquet_bytes

    return to_parquet_bytes(frame)


def cmd_scores(args: argparse.Namespace) -> None:
    frame = _registry(args).scores(args.ref, limit=args.limit)
    if args.json:
        _print_json(_records(frame))
    else:
        cols = ["id", "ref", "mode", "n_rows", "n_flagged", "key", "run_id", "created_at"]
        _print_frame(frame[cols] if not frame.empty else frame)


def cmd_test(args: argparse.Namespace) -> None:
    results = _registry(args).run_scoring_tests(args.ref, name=args.name)
    if args.json:
        _print_json(results)
    else:
        for r in results:
            verdict = "PASS" if r["passed"] else "FAIL"
            print(
                f"{verdict} test {r['test_id']}: {r['n_mismatched']} of {r['n_rows']} rows "
                f"differ, max diff {r['max_abs_diff']}, {r['duration_s']:.2f}s"
            )
    if not all(r["passed"] for r in results):
        raise SystemExit(3)


def cmd_pmml_export(args: argparse.Namespace) -> None:
    data = _registry(args).export_pmml(args.ref, args.output)
    print(f"Wrote {args.output} ({len(data):,} bytes of PMML 4.4).")


def cmd_pmml_import(args: argparse.Namespace) -> None:
    v = _registry(args).import_pmml(args.file, args.name, args.project)
    if args.json:
        _print_json(version_dict(v))
    else:
        print(f"Imported {args.file} as {v.ref} ({v.estimator_class}, task {v.task}).")


def cmd_compare(args: argparse.Namespace) -> None:
    cmp = _registry(args).compare(*args.refs)
    for warning in cmp.warnings:
        print(f"mmds: warning: {warning}", file=sys.stderr)
    if args.html:
        cmp.to_html(args.html)
        print(f"Wrote {args.html}")
    frame = cmp.to_frame()
    if args.json:
        rows = [
            {"section": s, "key": k, "values": dict(zip(cmp.refs, vals, strict=True)), "differs": d}
            for s, k, vals, d in cmp.rows()
        ]
        _print_json(rows)
        return
    shown = (
        frame
        if args.all
        else frame[frame["differs"] | frame.index.get_level_values(0).isin(["metrics"])]
    )
    shown = shown.assign(differs=shown["differs"].map({True: "≠", False: ""}))
    with pd.option_context(
        "display.width", 200, "display.max_rows", 500, "display.max_colwidth", 40
    ):
        print(shown.to_string())
    if not args.all:
        print("(metrics and differing rows; --all shows every row)")


def cmd_lineage(args: argparse.Namespace) -> None:
    lin = _registry(args).lineage(args.ref, depth=args.depth)
    if args.json:
        _print_json(lin.to_dict())
        return
    _print_frame(lin.to_frame())


def cmd_events(args: argparse.Namespace) -> None:
    reg = _registry(args)
    if args.verify:
        bad = reg.verify_events()
        if bad is None:
            print("The event chain is intact.")
            return
        raise MMDSError(
            f"The event log has been altered: event {bad} does not match the hash "
            "chain. Restore the database from a backup and investigate."
        )
    frame = reg.events(
        ref=args.ref, actor=args.actor, action=args.action, since=args.since, limit=args.limit
    )
    if args.json:
        _print_json(_records(frame))
    else:
        _print_frame(frame[["id", "time", "actor", "action", "object_ref", "before", "after"]])


def cmd_alias(args: argparse.Namespace) -> None:
    v = _registry(args).alias(args.ref, args.alias)
    print(f"{v.project}/{v.name}@{args.alias} -> {v.ref}")


def cmd_stage(args: argparse.Namespace) -> None:
    v = _registry(args).set_stage(args.ref, args.stage, reason=args.reason)
    print(f"{v.ref} is now in {v.stage}.")


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from .store.db import Database

    db = Database(args.url or _registry_url())
    before = db.current()
    db.upgrade()
    print(f"{db.safe_url}: schema {before or 'empty'} -> {db.current()}")


def _registry_url() -> str:
    from .config import MMDS

    return MMDS().url


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mmds", description="MMDS model registry.")
    p.add_argument("--url", help="Registry database URL (default $MMDS_URL).")
    p.add_argument("--home", help="Artifact root (default $MMDS_HOME or ~/.mmds).")
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="Search versions.")
    for flag in ("project", "name", "feature", "stage", "author", "since", "tag", "slice"):
        ls.add_argument(f"--{flag}")
    ls.add_argument("--name-contains", help="Part of the model's or project's name, in any case.")
    ls.add_argument("--without-feature", help="Only versions that do not use this input feature.")
    ls.add_argument("--include-archived", action="store_true", help="Show archived versions too.")
    ls.add_argument("--dataset", help="Trained or tested on this data set (hash prefix or name).")
    ls.add_argument("--dataset-role", choices=["train", "test", "any"], default="any")
    ls.add_argument("--where", nargs="+", help="Metric conditions, e.g. 'roc_auc>0.8'.")
    ls.add_argument("--order-by", default="-created")
    ls.add_argument("--limit", type=int)
    ls.add_argument("--json", action="store_true", help="Print a JSON list of versions.")
    ls.set_defaults(func=cmd_list)

    sh = sub.add_parser("show", help="Show one version.")
    sh.add_argument("ref")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    cp = sub.add_parser("compare", help="Compare versions side by side.")
    cp.add_argument("refs", nargs="+")
    cp.add_argument("--html", help="Write an HTML report to this file.")
    cp.add_argument("--all", action="store_true", help="Show every row, not only differences.")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(func=cmd_compare)

    ln = sub.add_parser("lineage", help="Data sets, parents and children of a version.")
    ln.add_argument("ref")
    ln.add_argument("--depth", type=int, default=3)
    ln.add_argument("--json", action="store_true")
    ln.set_defaults(func=cmd_lineage)

    ev = sub.add_parser("events", help="The audit log.")
    for flag in ("ref", "actor", "action", "since"):
        ev.add_argument(f"--{flag}")
    ev.add_argument("--limit", type=int, default=100)
    ev.add_argument("--verify", action="store_true", help="Check the hash chain.")
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_events)

    al = sub.add_parser("alias", help="Point an alias at a version.")
    al.add_argument("ref")
    al.add_argument("alias")
    al.set_defaults(func=cmd_alias)

    st = sub.add_parser("stage", help="Move a version to a life-cycle stage.")
    st.add_argument("ref")
    st.add_argument("stage")
    st.add_argument("--reason")
    st.set_defaults(func=cmd_stage)

    ct = sub.add_parser("contract", help="Show a version's score contract.")
    ct.add_argument("ref")
    ct.add_argument("--policy", choices=["reject", "flag"], help="Change the policy.")
    ct.add_argument("--json", action="store_true")
    ct.set_defaults(func=cmd_contract)

    sc = sub.add_parser("score", help="Check data against the contract and score it.")
    sc.add_argument("ref")
    sc.add_argument("--data", required=True, help="A .parquet or .csv file.")
    sc.add_argument("--key")
    sc.add_argument("--passthrough", nargs="+")
    sc.add_argument("--production", action="store_true", help="Store a score set.")
    sc.add_argument("--out", help="Write the outputs to this .parquet or .csv file.")
    sc.add_argument("--json", action="store_true")
    sc.set_defaults(func=cmd_score)

    ss = sub.add_parser("scores", help="Stored score sets of a model or version.")
    ss.add_argument("ref", nargs="?")
    ss.add_argument("--limit", type=int, default=50)
    ss.add_argument("--json", action="store_true")
    ss.set_defaults(func=cmd_scores)

    te = sub.add_parser("test", help="Run a version's scoring tests (exit 3 when one fails).")
    te.add_argument("ref")
    te.add_argument("--name")
    te.add_argument("--json", action="store_true")
    te.set_defaults(func=cmd_test)

    pm = sub.add_parser("pmml", help="PMML export and import.")
    pmsub = pm.add_subparsers(dest="pmml_command", required=True)
    pe = pmsub.add_parser("export", help="Write a version's model as PMML 4.4.")
    pe.add_argument("ref")
    pe.add_argument("-o", "--output", required=True)
    pe.set_defaults(func=cmd_pmml_export)
    pi = pmsub.add_parser("import", help="Register a PMML file as a version.")
    pi.add_argument("file")
    pi.add_argument("--name", required=True)
    pi.add_argument("--project", default="default")
    pi.add_argument("--json", action="store_true")
    pi.set_defaults(func=cmd_pmml_import)

    db = sub.add_parser("db", help="Database maintenance.")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser("upgrade", help="Create or upgrade the schema.")
    up.set_defaults(func=cmd_db_upgrade)
    cli_jobs.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmds`` command."""
    args = parser().parse_args(glue_descending(sys.argv[1:] if argv is None else argv))
    if args.command == "list" and args.limit is not None and args.limit < 1:
        print("mmds: error: --limit must be at least 1", file=sys.stderr)
        return 2
    try:
        args.func(args)
    except MMDSError as exc:
        print(f"mmds: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
