"""``%mmds list``: search versions."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

from mmds_jupyter import default_registry

from .parsing import parse


@magic_arguments()
@argument("--project", help="Only this project.")
@argument("--name", help="Only this model.")
@argument("--name-contains", help="Part of the model's or project's name, in any case.")
@argument("--feature", help="Only versions that used this input feature.")
@argument("--without-feature", help="Only versions that do not use this input feature.")
@argument("--stage", help="Only versions in this stage.")
@argument("--include-archived", action="store_true", help="Show archived versions too.")
@argument("--dataset", help="Trained or tested on this data set (hash prefix or name).")
@argument("--dataset-role", choices=["train", "test", "any"], default="any")
@argument("--author", help="Only versions by this author.")
@argument("--since", help="Tracked since (ISO date or an age such as 7d).")
@argument("--tag", help="KEY or KEY=VALUE.")
@argument(
    "--where",
    action="extend",
    nargs="+",
    default=None,
    help="Metric conditions such as roc_auc>0.8.",
)
@argument("--slice", help="Metrics of this slice, e.g. country=US.")
@argument(
    "--order-by",
    default="-created",
    help="created, version, name or a metric; - for descending (default -created).",
)
@argument("--limit", type=int, default=50, help="At most this many rows (default 50).")
def spec(line: str) -> None:
    """List versions, newest first, filtered and ordered as asked."""


def run(magics: Any, line: str, cell: str | None) -> Any:
    a = parse(spec, line)
    frame = default_registry().find(
        project=a.project,
        name=a.name,
        name_contains=a.name_contains,
        feature=a.feature,
        without_feature=a.without_feature,
        stage=a.stage,
        include_archived=a.include_archived,
        dataset=a.dataset,
        dataset_role=a.dataset_role,
        author=a.author,
        since=a.since,
        tag=a.tag,
        where=a.where,
        slice=a.slice,
        order_by=a.order_by,
        limit=a.limit,
    )
    for warning in frame.attrs.get("warnings", []):
        print(f"Warning: {warning}")
    return frame
