"""``%mmds track MODEL`` and ``%%mmds track``: capture fitted estimators."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry
from mmds_jupyter.capture.fitted import FitWatch, model_name, track_fitted
from mmds_jupyter.tagging import tags_from_text

from .parsing import parse

CELL = True


# The options of every capture (%mmds track, %mmds import-pmml): the keywords of mmds.track.
CAPTURE_OPTIONS = [
    argument("--project", help="Project; defaults to c.MMDSMagics.default_project."),
    argument("--test", nargs=2, metavar=("X", "Y"), help="Test features and target variables."),
    argument(
        "--train", nargs=2, metavar=("X", "Y"), help="Training features and target variables."
    ),
    argument(
        "--slice",
        action="extend",
        nargs="+",
        default=[],
        dest="slices",
        metavar="COLUMN",
        help="Test-set columns to compute metrics per value of (e.g. country).",
    ),
    argument("--parent", help="Reference of the version this one derives from."),
    argument(
        "--tag", action="extend", nargs="+", default=[], metavar="KEY=VALUE", help="Tags to attach."
    ),
    argument("--description", help="A sentence about this version."),
]


def capture_options(func: Any) -> Any:
    """Add CAPTURE_OPTIONS to a magic's arguments, in their order."""
    for option in reversed(CAPTURE_OPTIONS):
        func = option(func)
    return func


@magic_arguments()
@argument("model", nargs="?", help="Variable holding the fitted estimator (line magic only).")
@argument("--name", help="Model name; defaults to the variable's name.")
@capture_options
def spec(line: str) -> None:
    """Capture a fitted estimator, or as %%mmds track every estimator the cell fits.

    ``%mmds track clf --name churn --test X_test y_test`` tracks one;
    ``%%mmds track --project risk --test X_test y_test`` tracks every estimator that the cell
    fits or re-fits, each under the name of the variable that holds it."""


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
            name=args.name or model_name(args.model),
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
    # The same decision and tracking as ``with mmds.tracking(...)``; the data variables are
    # read after the cell runs, as the cell may create them.
    namespace = magics.shell.user_ns
    watch = FitWatch(namespace)
    result = magics.shell.run_cell(cell, store_history=False)
    if not result.success:
        print("The cell failed, so nothing was tracked.")
        return None
    fitted = watch.fitted(namespace)
    if not fitted:
        print("No estimator was fitted in this cell; nothing was tracked.")
        return None
    source = f"%%mmds track {line}\n{cell}"
    versions = track_fitted(reg, fitted, cell_source=source, **common, **_data(magics, args))
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


def _data(magics: Any, args: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.test:
        out["X_test"] = magics.evaluate(args.test[0], "The test features")
        out["y_test"] = magics.evaluate(args.test[1], "The test target")
    if args.train:
        out["X_train"] = magics.evaluate(args.train[0], "The training features")
        out["y_train"] = magics.evaluate(args.train[1], "The training target")
    return out
