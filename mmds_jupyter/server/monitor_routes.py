"""REST routes of decay monitoring: a model's monitor (define, check) and its alerts (list,
acknowledge, resolve)."""

from __future__ import annotations

from typing import Any

import tornado.web

from ..encode import records
from ..service import RegistryService
from .actions import NAMES, NUMBER, OBJECT, TEXT, body
from .routes import MMDSHandler

_REF = r"(?P<ref>[^/]+(?:/[^/]+)?)"
MONITOR_FIELDS = {
    "reference": TEXT,
    "window": TEXT,
    "metrics": NAMES,
    "drift": NAMES,
    "thresholds": OBJECT,
    "min_rows": NUMBER,
    "min_positives": NUMBER,
}


def set_monitor(registry: RegistryService, ref: str, raw: bytes) -> dict[str, Any]:
    return registry.set_monitor(ref, **body(raw, MONITOR_FIELDS))


def check_monitor(registry: RegistryService, ref: str) -> dict[str, Any]:
    return registry.check_monitor(ref)


def alerts(registry: RegistryService, ref: str | None, status: str | None) -> dict[str, Any]:
    return {"items": records(registry.alerts(ref or None, status))}


def change(registry: RegistryService, alert_id: str, to: str, raw: bytes) -> dict[str, Any]:
    from .views import int_argument

    n = int_argument(alert_id, "alert id", 1, 1, 2**31 - 1)
    note = body(raw, {"note": TEXT}).get("note")
    if to == "acknowledged":
        return registry.acknowledge_alert(n, note)
    return registry.resolve_alert(n, note)


def champion_challenger(
    registry: RegistryService, ref: str, args: dict[str, str | None]
) -> dict[str, Any]:
    picked = {k: v for k, v in args.items() if v}
    return registry.champion_challenger(ref, **picked)


class ChampionChallengerHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        args = self.args("champion", "challenger")
        self.reply(await self.run(champion_challenger, self.registry, ref, args))


def monitor(registry: RegistryService, ref: str) -> dict[str, Any]:
    from .actions import window_metrics

    data: dict[str, Any] = registry.monitor(ref).data
    return {**data, **window_metrics(data["windows"])}


class MonitorHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        self.reply(await self.run(monitor, self.registry, ref))

    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(set_monitor, self.registry, ref, self.request.body))


class MonitorCheckHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, ref: str) -> None:
        self.reply(await self.run(check_monitor, self.registry, ref))


class AlertsHandler(MMDSHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        args = self.args("ref", "status")
        self.reply(await self.run(alerts, self.registry, args["ref"], args["status"]))


class AlertAcknowledgeHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, alert_id: str) -> None:
        raw = self.request.body
        self.reply(await self.run(change, self.registry, alert_id, "acknowledged", raw))


class AlertResolveHandler(MMDSHandler):
    @tornado.web.authenticated
    async def post(self, alert_id: str) -> None:
        raw = self.request.body
        self.reply(await self.run(change, self.registry, alert_id, "resolved", raw))


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (rf"versions/{_REF}/monitor/check", MonitorCheckHandler),
    (rf"versions/{_REF}/monitor", MonitorHandler),
    (rf"versions/{_REF}/champion-challenger", ChampionChallengerHandler),
    (r"alerts/(?P<alert_id>[0-9]+)/acknowledge", AlertAcknowledgeHandler),
    (r"alerts/(?P<alert_id>[0-9]+)/resolve", AlertResolveHandler),
    ("alerts", AlertsHandler),
]
