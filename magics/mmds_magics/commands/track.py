"""``%mmds track MODEL`` and ``%%mmds track``: capture fitted estimators."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.capture.introspect import is_estimator, is_fitted
from mmds_jupyter.tagging import tags_from_text

from .parsing import parse

CELL = True


@magic_arguments()
@argument("model", nargs="?", help="Variable holding the fitted estimator (line magic only).")
@argument("--name", help="Model name; defaults to the variable's name.")
@argument("--project", help="Project; defaults to c.MMDSMagics.default_project.")
@argument("--test", nargs=2, metavar=("X", "Y"), help="Test features and target variables.")
@argument("--train", nargs=2, metavar=("X", "Y"), help="Training features and target variables.")
@argument(
    "--slice",
    action="extend",
    nargs="+",
    default=[],
    dest="slices",
    metavar="COLUMN",
    help="Test-set columns to compute metrics per value of (e.g. country).",
)
@argument("--parent", help="Reference of the version this one derives from.")
@argument(
    "--tag", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help="Tags to attach."
)
@argument("--description", help="A sentence about this version.")
def spec(line: str) -> None:
    """Capture a fitted estimator, or as %%mmds track every estimator the cell fits.

    ``%mmds track clf --name churn --test X_test y_test`` tracks one;
    ``%%mmds track --project risk --test X_test y_test`` tracks every estimator that the cell
    fits or re-fits, each under the name of the variable that holds it."""


def _fit_state(obj: Any, depth: int = 0) -> tuple[Any, ...]:
    """Identities of the fitted attributes of ``obj`` and its sub-estimators.

    Re-fitting replaces these objects, so comparing identities before and after a cell tells
    which estimators the cell fitted, without hashing model contents.
    """
    own = tuple((k, v) for k, v in vars(obj).items() if k.endswith("_") and not k.startswith("_"))
    if depth > 3:
        return own
    subs: list[Any] = []
    for v in obj.get_params(deep=False).values():
        if is_estimator(v):
            subs.append(_fit_state(v, depth + 1))
        elif isinstance(v, list):
            subs += [
                _fit_state(s[1], depth + 1)
                for s in v
                if isinstance(s, tuple) and len(s) >= 2 and is_estimator(s[1])
            ]
    return own + tuple(subs)


def _same_state(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=False):
        if isinstance(x, tuple) and isinstance(y, tuple):
            if not _same_state(x, y):
                return False
        elif x is not y:
            return False
    return True


def _snapshot(ns: dict[str, Any]) -> dict[str, tuple[Any, tuple[Any, ...]]]:
    return {
        k: (v, _fit_state(v))
        for k, v in list(ns.items())
        if not k.startswith("_") and is_estimator(v) and not isinstance(v, type)
    }


def run(magics: Any, line: str, cell: str | None) -> Any:
    args = parse(spec, line)
    project = args.project or magics.default_project
    common: dict[str, Any] = {
        "project": project,
        "slices": args.slices,
        "parent": args.parent,
        "tags": tags_from_text(args.tag),
        "description": args.description,
    }
    reg = default_registry()
    if cell is None:
        if not args.model:
            raise UsageError("Name the estimator to track, e.g. %mmds track clf --name churn.")
        model = magics.evaluate(args.model, "The model")
        data = _data(magics, args)
        version = reg.track(
            model,
            name=args.name or _as_name(args.model),
            label=args.model,
            cell_source=magics.raw_cell(),
            **common,
            **data,
        )
        # Printed, not only returned: a magic that is not the cell's last line shows no value.
        _report(version)
        return version
    if args.model:
        raise UsageError(
            "%%mmds track tracks what the cell fits; drop the model name, or use "
            "the line magic %mmds track MODEL."
        )
    if args.name:
        raise UsageError(
            "--name does not apply to %%mmds track: each estimator is named after its variable."
        )
    before = _snapshot(magics.shell.user_ns)
    result = magics.shell.run_cell(cell, store_history=False)
    if not result.success:
        print("The cell failed, so nothing was tracked.")
        return None
    after = _snapshot(magics.shell.user_ns)
    changed = [
        k
        for k, (obj, state) in after.items()
        if is_fitted(obj)
        and (k not in before or before[k][0] is not obj or not _same_state(before[k][1], state))
    ]
    if not changed:
        print("No estimator was fitted in this cell; nothing was tracked.")
        return None
    data = _data(magics, args)
    source = f"%%mmds track {line}\n{cell}"
    versions = [
        reg.track(after[k][0], name=_as_name(k), label=k, cell_source=source, **common, **data)
        for k in sorted(changed)
    ]
    for v in versions:
        _report(v)
    return None


def _report(v: Any) -> None:
    """The one line that says what was tracked (the same for the line and the cell form)."""
    print(
        f"Tracked {v.ref} ({v.estimator_class.rsplit('.', 1)[-1]}"
        + "".join(f", {m}={val:.4g}" for m, val in v.overall_metrics.items() if val is not None)
        + ")"
    )


def _as_name(expr: str) -> str:
    name = "".join(c if c.isalnum() or c in "_.-" else "_" for c in expr).strip("_.-")
    if not name:
        raise UsageError(f"Cannot make a model name from {expr!r}; pass --name.")
    return name


def _data(magics: Any, args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.test:
        out["X_test"] = magics.evaluate(args.test[0], "The test features")
        out["y_test"] = magics.evaluate(args.test[1], "The test target")
    if args.train:
        out["X_train"] = magics.evaluate(args.train[0], "The training features")
        out["y_train"] = magics.evaluate(args.train[1], "The training target")
    return out
