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

from . import (
    cli_aliases,
    cli_audit,
    cli_consumers,
    cli_drift,
    cli_governance,
    cli_jobs,
    cli_mlflow,
    cli_monitor,
    cli_reports,
    cli_retention,
    cli_retrain,
    cli_tasks,
    cli_team,
    cli_webhooks,
)
from .encode import records, version_dict
from .errors import InvalidInput, MMDSError
from .query import from_arguments as query_from_arguments
from .query import query_arguments
from .scoring.contract import POLICIES
from .search import glue_descending

LIST_COLUMNS = ["ref", "stage", "estimator", "task", "author", "age", "aliases"]


def _json_default(value: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=_json_default, allow_nan=False))


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
    """The registry of this command, opened once and closed by :func:`main`."""
    from .remote import open_registry

    reg = getattr(args, "_registry", None)
    if reg is None:
        reg = args._registry = open_registry(url=args.url, home=args.home)
    return reg


def cmd_list(args: argparse.Namespace) -> None:
    reg = _registry(args)
    query = reg.query(**query_from_arguments(args))
    rows, warnings = reg.search(query)
    if args.json:
        _print_json(rows)
    else:
        from .render import age

        # The table is for reading: ages and plain alias names (exact values are in --json).
        table = [
            {
                **{k: v for k, v in row.items() if k not in ("created_at", "aliases")},
                "age": age(row["created_at"]),
                "aliases": ", ".join(row.get("aliases") or []),
            }
            for row in rows
        ]
        _print_frame(pd.DataFrame(table), LIST_COLUMNS)
    for warning in warnings:
        print(f"mmds: warning: {warning}", file=sys.stderr)


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
    from .governance.requests import review_line

    if review := review_line(reg.review_state(v)):
        print(f"  {review}")
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


def _json_file(path: str, option: str) -> dict[str, Any]:
    """The JSON object in the file ``path`` names; one clear error otherwise."""
    import json
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{option}: cannot read {path} ({exc.strerror or exc}).") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{option}: {path} is not JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise InvalidInput(f'{option}: {path} must hold a JSON object, e.g. {{"inputs": [...]}}.')
    return data


def cmd_contract(args: argparse.Namespace) -> None:
    update = None
    if args.update:
        update = _json_file(args.update, "--update")
    c = _registry(args).contract(args.ref, update=update, policy=args.policy, strict=args.strict)
    if args.json:
        _print_json(c.to_dict())
        return
    print(
        f"Score contract of {c.version_ref} (out-of-domain policy: {c.policy}; extra "
        f"columns: {'refused' if c.strict else 'ignored'})"
    )
    _print_frame(c.to_frame())
    print("outputs: " + ", ".join(o["name"] for o in c.outputs))
    if c.inherited_from:
        print(f"edits carried from {c.inherited_from}")
    for note in c.not_carried:
        print(f"not carried: {note}")


def cmd_score(args: argparse.Namespace) -> None:
    from .files import atomic_write

    mode = "production" if args.production else "shadow" if args.shadow else "test"
    result = _registry(args).score(
        args.ref,
        args.data,
        mode=mode,
        key=args.key,
        passthrough=args.passthrough,
        policy=args.policy,
        strict=args.strict,
        replace=args.replace,
        trusted=args.trusted,
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
        "ignored": result.ignored_columns or None,
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
        _print_json(records(frame))
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
                f"{verdict} test {r['test']}: {r['n_mismatched']} of {r['n_rows']} rows "
                f"differ, max diff {r['max_abs_diff']}, {r['duration_s']:.2f}s"
            )
    if not all(r["passed"] for r in results):
        raise SystemExit(3)


def cmd_test_create(args: argparse.Namespace) -> None:
    test = _registry(args).create_scoring_test(
        args.ref,
        args.inputs,
        args.expected,
        tolerance=args.tolerance,
        name=args.name,
        key=args.key,
        whole_model=args.whole_model,
    )
    if args.json:
        _print_json(test)
    else:
        scope = "every version of the model of " if args.whole_model else ""
        print(
            f"Created scoring test {test['name']} for {scope}{args.ref}; "
            f"run it with: mmds test {args.ref}"
        )


def cmd_actuals(args: argparse.Namespace) -> None:
    result = _registry(args).add_actuals(args.model, args.data, key=args.key, target=args.target)
    if args.json:
        _print_json(result)
    else:
        print(f"Actuals for {args.model} stored: {result}")


def cmd_performance(args: argparse.Namespace) -> None:
    frame = _registry(args).performance(args.model, window=args.window, slice=args.slice)
    if args.json:
        _print_json(records(frame))
    else:
        _print_frame(frame)


def cmd_pmml_export(args: argparse.Namespace) -> None:
    data = _registry(args).export_pmml(args.ref, args.output)
    print(f"Wrote {args.output} ({len(data):,} bytes of PMML 4.4).")


def cmd_pmml_import(args: argparse.Namespace) -> None:
    from .errors import InvalidInput
    from .scoring.frames import read_input
    from .tagging import tags_from_text

    kwargs: dict[str, Any] = {
        "slices": args.slices,
        "parent": args.parent,
        "tags": tags_from_text(args.tag),
        "description": args.description,
    }
    for option, X, y in (("test", "X_test", "y_test"), ("train", "X_train", "y_train")):
        path = getattr(args, option)
        if path is None:
            continue
        if not args.target:
            raise InvalidInput(f"--{option} needs --target COLUMN: the column that holds y.")
        frame = read_input(path)
        if args.target not in frame.columns:
            raise InvalidInput(
                f"{path} has no column {args.target!r} (--target); its columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
        kwargs[X], kwargs[y] = frame.drop(columns=[args.target]), frame[args.target]
    v = _registry(args).import_pmml(args.file, args.name, args.project, **kwargs)
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


def _column_summary(stats: dict[str, Any]) -> str:
    """One line of a column's statistics: min/mean/max of numbers, top values of categories."""
    if stats.get("kind") == "categorical":
        top = ", ".join(f"{k} ({v})" for k, v in list((stats.get("top") or {}).items())[:3])
        return f"{stats.get('n_unique', '?')} values; top: {top}" if top else ""
    parts = [f"{k} {stats[k]:.4g}" for k in ("min", "mean", "max") if stats.get(k) is not None]
    return ", ".join(parts)


def cmd_dataset(args: argparse.Namespace) -> None:
    page = _registry(args).dataset(args.hash)
    if args.json:
        _print_json(page)
        return
    print(f"{page['name'] or '(unnamed)'}: {page['n_rows']} rows × {page['n_cols']} columns")
    print(f"hash {page['content_hash']}, first seen {page['created_at']}")
    rows = [
        {
            "column": column,
            "dtype": dtype,
            "nulls": page["stats"].get(column, {}).get("nulls"),
            "statistics": _column_summary(page["stats"].get(column, {})),
        }
        for column, dtype in page["schema"].items()
    ]
    if rows:
        print()
        _print_frame(pd.DataFrame(rows))
    for key, label in (("trained_on", "Trained on it"), ("tested_on", "Tested on it")):
        print(f"\n{label}:")
        refs = [f"  {v['ref']} ({v['stage']})" for v in page[key]]
        print("\n".join(refs) if refs else "  (none you may read)")


def cmd_events(args: argparse.Namespace) -> None:
    reg = _registry(args)
    if args.verify:
        report = reg.verify_audit()  # the chain, and the log against its newest checkpoint
        if report["intact"]:
            print(report["message"])
            return
        raise MMDSError(report["message"])
    frame = reg.events(
        ref=args.ref, actor=args.actor, action=args.action, since=args.since, limit=args.limit
    )
    if args.json:
        _print_json(records(frame))
    else:
        _print_frame(frame[["id", "time", "actor", "action", "object_ref", "before", "after"]])


def cmd_alias(args: argparse.Namespace) -> None:
    v = _registry(args).alias(
        args.ref, args.alias, force=args.force, reason=args.reason, request=args.request
    )
    print(f"{v.project}/{v.name}@{args.alias} -> {v.ref}")


def cmd_stage(args: argparse.Namespace) -> None:
    v = _registry(args).set_stage(args.ref, args.stage, reason=args.reason, force=args.force)
    print(f"{v.ref} is now in {v.stage}.")


def _annotated(args: argparse.Namespace, v: Any) -> None:
    if args.json:
        _print_json({"ref": v.ref, "tags": v.tags, "description": v.description})
    else:
        tags = ", ".join(f"{k}={val}" for k, val in sorted(v.tags.items())) or "(none)"
        print(f"{v.ref}  tags: {tags}" + (f"\n  {v.description}" if v.description else ""))


def cmd_tag(args: argparse.Namespace) -> None:
    from .tagging import tags_from_text

    _annotated(args, _registry(args).tag(args.ref, tags_from_text(args.tags)))


def cmd_untag(args: argparse.Namespace) -> None:
    _annotated(args, _registry(args).untag(args.ref, *args.keys))


def cmd_describe(args: argparse.Namespace) -> None:
    _annotated(args, _registry(args).describe(args.ref, " ".join(args.text) or None))


def cmd_db_upgrade(args: argparse.Namespace) -> None:
    from .registry import upgrade

    location, before, after, removed = upgrade(args.url, args.home)
    print(f"{location}: schema {before or 'empty'} -> {after}")
    _print_removed(removed, json_out=False)


def cmd_gc(args: argparse.Namespace) -> None:
    _print_removed(_registry(args).gc(args.older_than), json_out=args.json)


def _print_removed(removed: list[dict[str, Any]], json_out: bool) -> None:
    """What a sweep of stale temporary files removed, as JSON or one line per file."""
    if json_out:
        _print_json(removed)
        return
    for r in removed:
        print(f"removed {r['path']} ({r['bytes']} bytes)")
    total = sum(r["bytes"] for r in removed)
    print(f"Removed {len(removed)} stale temporary file(s), {total} bytes.")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mmds", description="MMDS model registry.")
    p.add_argument(
        "--url",
        help="Registry database URL, or an MMDS server's http(s)://host:port/ (default $MMDS_URL).",
    )
    p.add_argument("--home", help="Artifact root (default $MMDS_HOME or ~/.mmds).")
    sub = p.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="Search versions.")
    for flags, options in query_arguments():
        ls.add_argument(*flags, **options)
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

    ds = sub.add_parser(
        "dataset", help="A data set by its hash: schema, statistics, versions that used it."
    )
    ds.add_argument("hash", help="The content hash, or its first 8 or more hex digits.")
    ds.add_argument("--json", action="store_true")
    ds.set_defaults(func=cmd_dataset)

    ev = sub.add_parser("events", help="The audit log.")
    for flag in ("ref", "actor", "action", "since"):
        ev.add_argument(f"--{flag}")
    ev.add_argument("--limit", type=int, default=100)
    ev.add_argument(
        "--verify",
        action="store_true",
        help="Check the hash chain and the log against its newest signed checkpoint.",
    )
    ev.add_argument("--json", action="store_true")
    ev.set_defaults(func=cmd_events)

    al = sub.add_parser("alias", help="Point an alias at a version.")
    al.add_argument("ref")
    al.add_argument("alias")
    al.add_argument(
        "--force",
        action="store_true",
        help="Move it even if the new version's contract refuses the last production input.",
    )
    al.add_argument("--reason", help="Why (kept in the alias history).")
    al.add_argument("--request", type=int, help="The id of the request that decided the move.")
    al.set_defaults(func=cmd_alias)

    st = sub.add_parser("stage", help="Move a version to a life-cycle stage.")
    st.add_argument("ref")
    st.add_argument("stage")
    st.add_argument("--reason")
    st.add_argument(
        "--force",
        action="store_true",
        help="Retiring: remove the version's aliases; with --reason, retire it despite consumers.",
    )
    st.set_defaults(func=cmd_stage)

    tg = sub.add_parser("tag", help="Set tags of a version (KEY=VALUE ...).")
    tg.add_argument("ref")
    tg.add_argument("tags", nargs="+", metavar="KEY=VALUE")
    tg.set_defaults(func=cmd_tag)
    ut = sub.add_parser("untag", help="Remove tags of a version by key.")
    ut.add_argument("ref")
    ut.add_argument("keys", nargs="+", metavar="KEY")
    ut.set_defaults(func=cmd_untag)
    de = sub.add_parser("describe", help="Replace a version's description (none clears it).")
    de.add_argument("ref")
    de.add_argument("text", nargs="*")
    de.set_defaults(func=cmd_describe)
    for annotate in (tg, ut, de):
        annotate.add_argument("--json", action="store_true")

    ct = sub.add_parser("contract", help="Show a version's score contract.")
    ct.add_argument("ref")
    ct.add_argument(
        "--policy",
        choices=POLICIES,
        help="Change the policy: flag (score out-of-domain rows and flag them) or reject.",
    )
    ct.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        help="Refuse (--strict) or ignore (--no-strict) columns the contract does not name.",
    )
    ct.add_argument(
        "--update",
        metavar="FILE",
        help="A JSON file of the contract to keep (e.g. `mmds contract REF --json` edited: "
        "inputs with min and max, categories), carried to the model's next versions.",
    )
    ct.add_argument("--json", action="store_true")
    ct.set_defaults(func=cmd_contract)

    sc = sub.add_parser("score", help="Check data against the contract and score it.")
    sc.add_argument("ref")
    sc.add_argument("--data", required=True, help="A .parquet or .csv file.")
    sc.add_argument("--key")
    sc.add_argument("--passthrough", action="extend", nargs="+")
    stored = sc.add_mutually_exclusive_group()
    stored.add_argument(
        "--production", action="store_true", help="Store a score set (production versions)."
    )
    stored.add_argument(
        "--shadow", action="store_true", help="Store a shadow score set (validation versions)."
    )
    sc.add_argument(
        "--replace",
        action="store_true",
        help="Replace the score set of this same input stored earlier by this version.",
    )
    sc.add_argument(
        "--trusted",
        action="store_true",
        help="Load a model file that holds types MMDS refuses by default (only if you trust it).",
    )
    sc.add_argument(
        "--policy", choices=POLICIES, help="Override the contract's out-of-domain policy."
    )
    sc.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        help="Refuse (--strict) or ignore (--no-strict) columns the contract does not name.",
    )
    sc.add_argument("--out", help="Write the outputs to this .parquet or .csv file.")
    sc.add_argument("--json", action="store_true")
    sc.set_defaults(func=cmd_score)

    ss = sub.add_parser("scores", help="Stored score sets of a model or version.")
    ss.add_argument("ref", nargs="?")
    ss.add_argument("--limit", type=int, default=50)
    ss.add_argument("--json", action="store_true")
    ss.set_defaults(func=cmd_scores)

    te = sub.add_parser("test", help="Scoring tests: run (the default) or create.")
    tesub = te.add_subparsers(dest="test_command", required=True)
    tr = tesub.add_parser("run", help="Run a version's scoring tests (exit 3 when one fails).")
    tr.add_argument("ref")
    tr.add_argument("--name", help="Only the scoring test of this name.")
    tr.add_argument("--json", action="store_true")
    tr.set_defaults(func=cmd_test)
    tc = tesub.add_parser("create", help="Store inputs, expected outputs and a tolerance.")
    tc.add_argument("ref")
    tc.add_argument("--inputs", required=True, help="A .parquet or .csv file of inputs.")
    tc.add_argument("--expected", required=True, help="A .parquet or .csv of expected outputs.")
    tc.add_argument("--tolerance", type=float, default=1e-6, help="Largest difference (1e-6).")
    tc.add_argument("--name", default="default", help="The test's name (default 'default').")
    tc.add_argument("--key", help="Column that matches input rows to expected rows.")
    tc.add_argument("--whole-model", action="store_true", help="Apply to every version.")
    tc.add_argument("--json", action="store_true")
    tc.set_defaults(func=cmd_test_create)

    ac = sub.add_parser("actuals", help="Attach observed outcomes to a model's production scores.")
    ac.add_argument("model")
    ac.add_argument("--data", required=True, help="A .parquet or .csv file of outcomes.")
    ac.add_argument("--key", required=True, help="Column matching the scored rows' key.")
    ac.add_argument("--target", required=True, help="Column holding the observed outcome.")
    ac.add_argument("--json", action="store_true")
    ac.set_defaults(func=cmd_actuals)
    pf = sub.add_parser("performance", help="Metrics of production score sets over time.")
    pf.add_argument("model")
    pf.add_argument("--window", help="day, week, month or a number of rows: metrics per window.")
    pf.add_argument("--slice", help="A stored column: metrics per value, in each window.")
    pf.add_argument("--json", action="store_true")
    pf.set_defaults(func=cmd_performance)

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
    pi.add_argument("--test", metavar="FILE", help="Test data (Parquet or CSV) with --target.")
    pi.add_argument("--train", metavar="FILE", help="Training data (Parquet or CSV).")
    pi.add_argument("--target", metavar="COLUMN", help="The column of --test/--train holding y.")
    pi.add_argument(
        "--slice", action="append", default=[], dest="slices", metavar="COLUMN",
        help="A test-set column to compute metrics per value of (repeatable).",
    )  # fmt: skip
    pi.add_argument("--parent", help="Reference of the version this one derives from.")
    pi.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE")
    pi.add_argument("--description")
    pi.add_argument("--json", action="store_true")
    pi.set_defaults(func=cmd_pmml_import)

    db = sub.add_parser("db", help="Database maintenance.")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    up = dbsub.add_parser(
        "upgrade", help="Create or upgrade the schema; remove stale temporary files."
    )
    up.set_defaults(func=cmd_db_upgrade)

    gc = sub.add_parser(
        "gc", help="Remove temporary files that interrupted writes left in the artifact store."
    )
    gc.add_argument(
        "--older-than",
        type=float,
        default=None,
        metavar="SECONDS",
        help="Only files unchanged this long (default 3600: a write in progress is kept).",
    )
    gc.add_argument("--json", action="store_true")
    gc.set_defaults(func=cmd_gc)
    cli_jobs.add_commands(sub)
    cli_governance.add_commands(sub)
    cli_drift.add_commands(sub)
    cli_monitor.add_commands(sub)
    cli_retrain.add_commands(sub)
    cli_team.add_commands(sub)
    cli_aliases.add_commands(sub)
    cli_audit.add_commands(sub)
    cli_consumers.add_commands(sub)
    cli_retention.add_commands(sub)
    cli_tasks.add_commands(sub)
    cli_webhooks.add_commands(sub)
    cli_mlflow.add_commands(sub)
    cli_reports.add_commands(sub)
    return p


def _test_runs_by_default(argv: list[str]) -> list[str]:
    """``mmds test REF`` is short for ``mmds test run REF`` (``mmds test create`` makes one)."""
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        i += 1 if "=" in argv[i] or argv[i] in ("-h", "--help") else 2  # --url URL, --home DIR
    if (
        i + 1 < len(argv)
        and argv[i] == "test"
        and argv[i + 1] not in ("run", "create", "-h", "--help")
    ):
        return [*argv[: i + 1], "run", *argv[i + 1 :]]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mmds`` command."""
    words = _test_runs_by_default(list(sys.argv[1:] if argv is None else argv))
    server = cli_team.server_arguments(words)
    if server is not None:
        return cli_team.serve(server)
    args = parser().parse_args(glue_descending(words))
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
    finally:
        if getattr(args, "_registry", None) is not None:
            args._registry.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
