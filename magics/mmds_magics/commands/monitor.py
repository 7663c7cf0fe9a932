"""``%mmds monitor MODEL`` (check its monitor now) and ``%mmds alerts [MODEL]`` (list, or
``--ack ID`` / ``--resolve ID``)."""

from __future__ import annotations

from typing import Any

from IPython.core.magic_arguments import argument, magic_arguments

import mmds_jupyter

from .parsing import parse


@magic_arguments()
@argument("model", help="[project/]name of a model with a monitor (mmds.set_monitor).")
def monitor_spec(line: str) -> None:
    """Judge every window of a model against its monitor now; opens alerts for findings."""


@magic_arguments()
@argument("model", nargs="?", help="Only this model's alerts.")
@argument("--status", help="open, acknowledged or resolved.")
@argument("--ack", type=int, metavar="ID", help="Acknowledge this alert.")
@argument("--resolve", type=int, metavar="ID", help="Resolve this alert.")
@argument("--note", help="Why (with --ack or --resolve).")
def alerts_spec(line: str) -> None:
    """Monitoring alerts: list them, or acknowledge or resolve one."""


class Monitor:
    spec = monitor_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        import pandas as pd

        a = parse(monitor_spec, line)
        checked = mmds_jupyter.check_monitor(a.model)
        return pd.DataFrame(checked["checks"])


class Alerts:
    spec = alerts_spec

    @staticmethod
    def run(magics: Any, line: str, cell: str | None) -> Any:
        a = parse(alerts_spec, line)
        if a.ack is not None:
            return mmds_jupyter.acknowledge_alert(a.ack, note=a.note)
        if a.resolve is not None:
            return mmds_jupyter.resolve_alert(a.resolve, note=a.note)
        return mmds_jupyter.alerts(a.model, a.status)
