"""Scoring over HTTP for :class:`~mmds_jupyter.remote.RemoteRegistry`: contracts, scoring,
score sets, actuals, performance and scoring tests, with tables sent and read as row lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd

from .errors import InvalidInput
from .refs import MAX_ID, whole_number

if TYPE_CHECKING:
    from .entities import Version
    from .remote_http import Transport
    from .scoring.performance import ActualsResult

    AnyRef: TypeAlias = str | Version

# Columns of the routes' tables that hold times (sent as ISO text, read back as UTC times).
TIME_COLUMNS = ("time", "created_at", "last_tracked", "ran_at", "scored_at", "updated_at")
# The largest page the REST routes serve (server/views.MAX_LIMIT).
PAGE = 500


def frame(items: list[dict[str, Any]], columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A route's list of row objects as a DataFrame, times as UTC timestamps."""
    df = pd.DataFrame(items, columns=list(columns) if columns is not None else None)
    for c in TIME_COLUMNS:
        if c in df.columns and len(df):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
    return df


def rows(data: Any) -> list[dict[str, Any]]:
    """A table to send: a DataFrame (or anything pandas reads) as a list of row objects."""
    from .encode import plain, records

    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    out: list[dict[str, Any]] = plain(records(df.rename(columns=str)))
    return out


class ScoringOverHTTP:
    """The scoring operations of the registry service, as calls to the scoring routes."""

    http: Transport

    def _vpath(self, ref: AnyRef, *more: str) -> str:
        raise NotImplementedError

    def contract(
        self,
        ref: AnyRef,
        update: dict[str, Any] | None = None,
        policy: str | None = None,
        strict: bool | None = None,
    ) -> Any:
        """The score contract of a version; with arguments, an audited edit of it."""
        from .scoring.contract import from_dict

        path = self._vpath(ref, "contract")
        if update is None and policy is None and strict is None:
            data = self.http.get(path)
        else:
            data = self.http.post(path, {"update": update, "policy": policy, "strict": strict})
        return from_dict(data, data.get("version"))

    def score(
        self,
        ref: AnyRef,
        data: Any,
        mode: str = "test",
        key: str | list[str] | None = None,
        passthrough: list[str] | None = None,
        run_id: int | None = None,
        engine: str = "local",
        scheduler: str | None = None,
        policy: str | None = None,
        strict: bool | None = None,
        replace: bool = False,
        trusted: bool = False,
        application: str | None = None,
    ) -> Any:
        """Score on the server (it checks the data against the contract); production mode
        stores a score set there."""
        from .monitoring.drift import DriftReport
        from .scoring.score import ScoreResult
        from .scoring.validate import Problem

        if trusted:
            raise InvalidInput(
                "An MMDS server never scores a model whose file holds types it does not load "
                "untrusted; load it here with load(ref, trusted=True) and predict with it."
            )
        if engine != "local" or scheduler is not None:
            raise InvalidInput(
                "With an MMDS server, scoring runs on the server: engine and scheduler are not "
                "available; leave them out."
            )
        from .governance.consumers import declared_application, run_of_this_process

        body = {
            "rows": rows(data),
            "mode": mode,
            "key": [key] if isinstance(key, str) else key,
            "passthrough": passthrough,
            "policy": policy,
            "strict": strict,
            "replace": replace,
            # The scheduler run this kernel belongs to ($MMDS_RUN_ID), known here, not there:
            # the server files the score set under it and, as on a laptop, records the job as
            # a consumer of the alias it named rather than of the version the run was given.
            "run_id": run_of_this_process(run_id),
        }
        if mode == "production":
            # Who it is for is known here (this process's $MMDS_APPLICATION or job), not there.
            body["application"] = declared_application(application)
        out = self.http.post(self._vpath(ref, "score"), body)
        known = {f.name for f in fields(Problem)}
        return ScoreResult(
            ref=out["ref"],
            mode=out["mode"],
            outputs=frame(out["rows"]),
            problems=[
                Problem(**{k: v for k, v in p.items() if k in known}) for p in out["problems"]
            ],
            score_set_id=out["score_set_id"],
            ignored_columns=out["ignored_columns"],
            drift=DriftReport.from_dict(out["drift"]) if out.get("drift") else None,
        )

    def scores(
        self, ref: AnyRef | None = None, run_id: int | None = None, limit: int | None = 100
    ) -> pd.DataFrame:
        """Stored score sets of a model or one version, newest first (at most 500 a call)."""
        if run_id is not None:
            run_id = whole_number("run_id", run_id, 1, MAX_ID)
        params = {
            "ref": None if ref is None else self._ref(ref),
            "run_id": run_id,
            "limit": PAGE if limit is None else whole_number("limit", limit, 1),
        }
        return frame(self.http.get("score-sets", params)["items"])

    def load_scores(self, score_set_id: int) -> pd.DataFrame:
        n = whole_number("score set id", score_set_id, 1, MAX_ID)
        return frame(self.http.get(f"score-sets/{n}")["rows"])

    def add_actuals(self, model: str, data: Any, key: str, target: str) -> ActualsResult:
        from .scoring.performance import ActualsResult

        body = {"rows": rows(data), "key": key, "target": target}
        return ActualsResult(**self.http.post(self._vpath(model, "actuals"), body))

    def performance(
        self, model: str, window: str | int | None = None, slice: str | None = None
    ) -> pd.DataFrame:
        query = {k: str(v) for k, v in (("window", window), ("slice", slice)) if v is not None}
        return frame(self.http.get(self._vpath(model, "performance"), query or None)["items"])

    def baseline(self, ref: AnyRef) -> dict[str, Any]:
        found: dict[str, Any] = self.http.get(self._vpath(ref, "baseline"))["baseline"]
        return found

    def drift(
        self,
        ref: AnyRef | None = None,
        data: Any = None,
        score_set: int | None = None,
        min_rows: int | None = None,
    ) -> Any:
        """A stored score set's drift from the server; the drift of ``data`` is computed here,
        against the baseline the server sends (the rows never travel)."""
        from .monitoring.drift import DriftReport, drift_of_frame
        from .monitoring.service import check_request
        from .monitoring.stored import check_min_rows
        from .scoring.frames import read_input

        check_request(ref, data, score_set)
        assert ref is not None
        rows = check_min_rows(min_rows)
        if score_set is None:
            found = self.http.get(self._vpath(ref, "baseline"))
            return drift_of_frame(found["baseline"], read_input(data), found["ref"], rows)
        n = whole_number("score set id", score_set, 1, MAX_ID)
        params = {"score_set": n, **({"min_rows": rows} if min_rows is not None else {})}
        return DriftReport.from_dict(self.http.get(self._vpath(ref, "drift"), params))

    def create_scoring_test(
        self,
        ref: AnyRef,
        inputs: Any,
        expected: Any,
        tolerance: float = 1e-6,
        name: str = "default",
        key: str | None = None,
        whole_model: bool = False,
    ) -> dict[str, Any]:
        body = {
            "inputs": rows(inputs),
            "expected": rows(expected),
            "tolerance": tolerance,
            "name": name,
            "key": key,
            "whole_model": whole_model,
        }
        created: dict[str, Any] = self.http.post(self._vpath(ref, "scoring-tests"), body)
        return created

    def run_scoring_tests(self, ref: AnyRef, name: str | None = None) -> list[dict[str, Any]]:
        results = self.http.post(self._vpath(ref, "scoring-tests", "run"), {"name": name})
        items: list[dict[str, Any]] = results["items"]
        return items

    def scoring_test_results(self, ref: AnyRef, limit: int = 20) -> pd.DataFrame:
        params = {"limit": whole_number("limit", limit, 1)}
        return frame(self.http.get(self._vpath(ref, "scoring-tests"), params)["items"])

    def _ref(self, ref: AnyRef) -> str:
        raise NotImplementedError


class MonitoringOverHTTP:
    """Monitors and alerts of the registry service, as calls to the monitoring routes."""

    http: Transport

    def _vpath(self, ref: AnyRef, *more: str) -> str:
        raise NotImplementedError

    def set_monitor(
        self,
        model: str,
        reference: str | None = None,
        window: str | None = None,
        metrics: list[str] | None = None,
        drift: list[str] | None = None,
        thresholds: dict[str, Any] | None = None,
        min_rows: int | None = None,
        min_positives: int | None = None,
    ) -> dict[str, Any]:
        body = {
            "reference": reference,
            "window": window,
            "metrics": metrics,
            "drift": drift,
            "thresholds": thresholds,
            "min_rows": min_rows,
            "min_positives": min_positives,
        }
        defined: dict[str, Any] = self.http.post(self._vpath(model, "monitor"), body)
        return defined

    def check_monitor(self, model: str) -> dict[str, Any]:
        checked: dict[str, Any] = self.http.post(self._vpath(model, "monitor", "check"))
        return checked

    def set_retrain(self, model: str, notebook: str, **options: Any) -> dict[str, Any]:
        body = {"notebook": notebook, **options}
        defined: dict[str, Any] = self.http.post(self._vpath(model, "retrain-definition"), body)
        return defined

    def retrain_definition(self, model: str) -> dict[str, Any]:
        shown: dict[str, Any] = self.http.get(self._vpath(model, "retrain-definition"))
        return shown

    def retrain(self, model: str, reason: str | None = None) -> Any:
        from .remote_jobs import _entity
        from .scheduler.entities import Run

        return _entity(Run, self.http.post(self._vpath(model, "retrain"), {"reason": reason}))

    def alerts(self, model: str | None = None, status: str | None = None) -> pd.DataFrame:
        from .monitoring.alerts import COLUMNS

        params = {k: v for k, v in (("ref", model), ("status", status)) if v is not None}
        items = self.http.get("alerts", params)["items"]
        return frame(items, None if items else COLUMNS)

    def acknowledge_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        n = whole_number("alert id", alert_id, 1, MAX_ID)
        done: dict[str, Any] = self.http.post(f"alerts/{n}/acknowledge", {"note": note})
        return done

    def resolve_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        n = whole_number("alert id", alert_id, 1, MAX_ID)
        done: dict[str, Any] = self.http.post(f"alerts/{n}/resolve", {"note": note})
        return done

    def champion_challenger(
        self, model: str, champion: str = "champion", challenger: str = "challenger"
    ) -> dict[str, Any]:
        params = {"champion": str(champion), "challenger": str(challenger)}
        found: dict[str, Any] = self.http.get(self._vpath(model, "champion-challenger"), params)
        return found

    def monitor(self, model: str) -> Any:
        from .monitoring.view import MonitorView

        return MonitorView(self.http.get(self._vpath(model, "monitor")))
