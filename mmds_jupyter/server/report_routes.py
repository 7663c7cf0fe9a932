"""REST routes of evaluations and reports: ``POST versions/REF/evaluate`` re-evaluates a version on
a data set sent as columns (``mmds.evaluate``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import tornado.web

from ..service import RegistryService
from .actions import COLUMN, NAMES, TABLE, TEXT, body, table
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"


def evaluate(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    b = body(raw, {"X": TABLE, "y": COLUMN, "name": TEXT, "slices": NAMES}, ("X", "y", "name"))
    return registry.evaluate(
        ref, table(b["X"], "X"), pd.Series(b["y"]), name=b["name"], slices=b.get("slices")
    )


class EvaluateHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        result = await self.run(evaluate, self.registry, ref, self.request.body)
        self.set_status(201)
        self.reply(result)


# Before routes.ROUTES: 'versions/REF/evaluate' must not be read as a reference.
ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/evaluate", EvaluateHandler),
]


REPORT_TYPES = {"html": "text/html; charset=UTF-8", "pdf": "application/pdf"}


def report(registry: RegistryService, args: dict[str, Any]) -> tuple[bytes, str]:
    """The report of ``refs`` as HTML or PDF, and its file name."""
    from ..errors import InvalidInput

    fmt = args.get("format") or "html"
    if fmt not in REPORT_TYPES:
        raise InvalidInput(f"format is html or pdf, not {fmt!r}.")
    threshold = args.get("threshold")
    try:
        cut = float(threshold) if threshold is not None else 0.5
    except ValueError:
        raise InvalidInput(f"threshold is a number between 0 and 1, not {threshold!r}.") from None
    from .views import MAX_COMPARE

    refs = [r for r in args["refs"] or [] if r.strip()]
    if len(refs) > MAX_COMPARE:
        raise InvalidInput(f"A report covers at most {MAX_COMPARE} versions, not {len(refs)}.")
    made = registry.report(*refs, kind=args.get("kind") or None, threshold=cut)
    name = "report-" + "-vs-".join(made.refs)
    return made.render(fmt), name


class ReportHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args: dict[str, Any] = {k: self.get_query_argument(k, None) for k in ("kind", "format")}
        args["threshold"] = self.get_query_argument("threshold", None)
        args["refs"] = self.get_query_arguments("refs")
        data, name = await self.run(report, self.registry, args)
        fmt = args["format"] or "html"
        from .action_routes import file_name

        self.set_header(
            "Content-Disposition", f'attachment; filename="{file_name(name, "." + fmt)}"'
        )
        self.finish(data, set_content_type=REPORT_TYPES[fmt])


ROUTES.append(("report", ReportHandler))
