"""The registry service over HTTP: :class:`RemoteRegistry` talks to an MMDS server (the jupyter
extension or ``mmds server``) through its REST routes, with the same calls, results and errors
as the local :class:`~mmds_jupyter.registry.Registry`.

``MMDS_URL=https://host:port/`` selects it (see :func:`open_registry`); the token comes from
``MMDS_TOKEN`` or a private token file. The server holds the database and the files and enforces
every rule; this client only moves data: entities and DataFrames are rebuilt from the JSON the
routes send, and model files are streamed up and down, checked against their sha256 and cached
by hash. ``track`` uploads the file first (content-addressed, skipped when the server has it),
then sends a small request naming it, under an idempotency key so that retrying is safe.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .encode import version_from_dict
from .entities import Version
from .errors import ArtifactIntegrityError, InvalidInput, MMDSError
from .query import FIELDS as QUERY_FIELDS
from .query import Query
from .refs import Ref, whole_number
from .remote_http import Transport, check_server_url, path_of, read_token
from .remote_scoring import MonitoringOverHTTP, ScoringOverHTTP, frame

if TYPE_CHECKING:
    from .auth.entities import Grant
    from .entities import NewVersion
    from .governance.alias_history import AliasMove
    from .remote_jobs import RemoteJobs

AnyRef = str | Ref | Version
# The largest page the REST routes serve (server/views.MAX_LIMIT); longer lists are paged.
PAGE = 500
# Search row keys that are not metrics (views.version_row gathers the metrics apart).
_ROW_EXTRAS = ("metrics", "headline")


class CachedFileChanged(UserWarning):
    """A cached model file no longer matched its hash; it was downloaded again."""


def is_server_url(url: str | None) -> bool:
    """Whether a registry URL names an MMDS server (http/https) rather than a database."""
    return bool(url) and str(url).split(":", 1)[0].lower() in ("http", "https")


def open_registry(url: str | None = None, home: str | None = None, **kwargs: Any) -> Any:
    """The registry ``url`` (default ``config.url``, i.e. ``MMDS_URL``) names: a
    :class:`RemoteRegistry` for an http(s) server, else the local
    :class:`~mmds_jupyter.registry.Registry`."""
    from .config import MMDS

    config = kwargs.get("config") or MMDS()
    target = url or config.url
    if is_server_url(target):
        kwargs.pop("config", None)
        return RemoteRegistry(target, home=home or config.home, **kwargs)
    from .registry import Registry

    return Registry(url=url, home=home, **kwargs)


@dataclass
class RemoteQuery(Query):
    """A search to send: the arguments as given; the server checks them when it runs."""

    filters: dict[str, Any] = field(default_factory=dict)


def _grant(data: dict[str, Any]) -> Grant:
    from .auth.entities import Grant

    return Grant(**{**data, "created_at": datetime.fromisoformat(data["created_at"])})


# The times of consumers, holds, purges, the retention sweep and webhooks, as JSON sends them.
TIMES = ("since", "until", "last_used", "held_at", "purged_at", "retired_at", "created_at") + (
    "next_attempt_at",
    "delivered_at",
    "due",
    "completed_at",
)


def _times(consumer: dict[str, Any]) -> dict[str, Any]:
    """A consumer (hold, purge, ...) as a local registry returns it: its times as datetimes."""
    for k in TIMES:
        if consumer.get(k):
            consumer[k] = datetime.fromisoformat(consumer[k])
    return consumer


def _param(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _data(**tables: Any) -> dict[str, Any]:
    """Capture data as the body takes it: features as columns, targets as lists of values."""
    out: dict[str, Any] = {}
    for key, value in tables.items():
        if value is None:
            continue
        out[key] = _columns(value) if key.startswith("X_") else _values(pd.Series(value))
    return out


def _columns(data: Any) -> dict[str, list[Any]]:
    """A table as ``{column: values}``, the shape the capture routes read fastest: a column of
    numbers is one ``tolist``, where rows would be a dict per row (most of the time sending a
    test set took)."""
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    df = df.rename(columns=str)
    return {name: _values(df.iloc[:, i]) for i, name in enumerate(df.columns)}


def _values(column: pd.Series) -> list[Any]:
    """A column's values as JSON-ready Python values; missing ones None (NaN is made None when
    the body is written)."""
    if column.dtype.kind in "biuf":
        return list(column.tolist())
    return list(column.astype(object).where(column.notna(), None).tolist())


class RemoteRegistry(ScoringOverHTTP, MonitoringOverHTTP):
    """Capture, find, compare, change and score model versions held by an MMDS server."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        home: str | None = None,
        actor: str | None = None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
    ):
        from .config import MMDS

        cfg = MMDS()
        self.url = check_server_url(url)
        self.home = home or cfg.home
        # Only a label here: the server records the identity its token belongs to.
        self.actor = actor or cfg.actor
        self.http = Transport(self.url, token or read_token(), timeout, retries, backoff)
        self._jobs: RemoteJobs | None = None

    @property
    def location(self) -> str:
        return f"MMDS server {self.url}"

    def __enter__(self) -> RemoteRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    def _ref(self, ref: AnyRef) -> str:
        return ref.ref if isinstance(ref, Version) else str(ref)

    def _version(self, data: Mapping[str, Any]) -> Version:
        version = version_from_dict(data)
        version._registry = self
        return version

    def _vpath(self, ref: AnyRef, *more: str) -> str:
        return path_of("versions", self._ref(ref), *more)

    # -- capture -------------------------------------------------------------------------------

    def track(
        self,
        model: Any,
        name: str | None = None,
        project: str = "default",
        *,
        X_test: Any = None,
        y_test: Any = None,
        slices: Iterable[str] | None = None,
        X_train: Any = None,
        y_train: Any = None,
        parent: str | None = None,
        tags: dict[str, str] | None = None,
        description: str | None = None,
        serializer: str = "skops",
        cell_source: str | None = None,
        notebook: str | None = None,
        label: str | None = None,
    ) -> Version:
        """Measure a fitted estimator here, as the local registry does (the one capture
        pipeline), and send its skops file, files and description to the server, which audits
        the file's types and writes the version (``Registry.track_file``)."""
        from .capture.adapters import adapter_for
        from .capture.pipeline import CaptureRequest, CaptureSink, capture

        if serializer != "skops":
            raise InvalidInput(
                f"An MMDS server takes skops model files, not {serializer!r}; leave serializer "
                "at its default."
            )
        request = CaptureRequest.check(
            name,
            project,
            X_test=X_test,
            y_test=y_test,
            slices=slices,
            X_train=X_train,
            y_train=y_train,
            parent=parent,
            tags=tags,
            description=description,
            cell_source=cell_source,
            notebook=notebook,
        )
        adapter = adapter_for(model, label or request.name, serializer)
        sink = CaptureSink(
            actor=self.actor,
            resolve=lambda ref: self.get(str(ref)),
            put_file=self._put_file,
            create_version=self._create_described,
        )
        return capture(sink, adapter, request)

    def _put_file(self, data: bytes) -> str:
        """Keep ``data`` in the local cache and upload it (a file of a version being tracked)."""
        sha = self._to_cache(data)
        self.http.upload(path_of("artifacts", sha), self.cache_path(sha), "the model file")
        return sha

    def _create_described(self, spec: NewVersion) -> Version:
        """Ask the server to write the version ``spec`` describes (its files uploaded)."""
        described = {
            "framework": spec.framework,
            "estimator_class": spec.estimator_class,
            "task": spec.task,
            "params": spec.params,
            "steps": spec.steps,
            "features": spec.features,
            "outputs": spec.outputs,
            "metrics": spec.metrics,
            "provenance": spec.provenance,
            "environment": spec.environment,
            "tags": spec.tags,
            "description": spec.description,
            "parent": str(spec.parent) if spec.parent is not None else None,
            "datasets": [{**fp, "relation": rel, "name": n} for rel, fp, n in spec.datasets],
            "contract": spec.contract,
            "files": [[kind, sha] for kind, sha in spec.files],
        }
        body = {
            "model_sha256": spec.artifact_sha256,
            "name": spec.name,
            "project": spec.project,
            "described": described,
        }
        # One key for this call and its retries: the server makes one version however many
        # times the request reaches it.
        return self._version(self.http.post("track", body, key=str(uuid.uuid4())))

    def _to_cache(self, data: bytes) -> str:
        """Keep ``data`` in the local cache of model files (it is uploaded from there, and
        loading the version later needs no download); its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.cache_path(sha)
        if not (path.is_file() and _sha256(path) == sha):
            from .files import atomic_write

            atomic_write(path, data)
        return sha

    def import_pmml(
        self, source: Any, name: str, project: str = "default", **kwargs: Any
    ) -> Version:
        """Send a PMML file (a path or its bytes) to be registered as a version."""
        data = source if isinstance(source, bytes) else Path(os.fspath(source)).read_bytes()
        try:
            document = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("A PMML document is UTF-8 text; this file is not.") from None
        data_kwargs = {
            k: kwargs.pop(k) for k in ("X_test", "y_test", "X_train", "y_train") if k in kwargs
        }
        if "slices" in kwargs and kwargs["slices"] is not None:
            kwargs["slices"] = list(kwargs["slices"])
        body = {
            "pmml": document,
            "name": name,
            "project": project,
            **kwargs,
            **_data(**data_kwargs),
        }
        return self._version(self.http.post("pmml/import", body))

    def import_version(self, record: dict[str, Any], model_file: bytes | None = None) -> Version:
        """Send a model made elsewhere (its file uploaded first) to be registered as a version,
        once per origin key (the request is safe to retry)."""
        record = self._import_record(record, model_file)
        return self._version(self.http.post("imports", {"record": record}, key=str(uuid.uuid4())))

    def import_versions(
        self, records: list[dict[str, Any]], model_files: list[bytes | None] | None = None
    ) -> list[Version]:
        """Send many records (their files uploaded first) in one request, the new ones written
        in one transaction (safe to retry: each is kept once per origin key)."""
        files = model_files if model_files is not None else [None] * len(records)
        if len(files) != len(records):
            raise InvalidInput("model_files has one entry (bytes or None) per record.")
        sent = [self._import_record(r, f) for r, f in zip(records, files, strict=True)]
        answer = self.http.post("imports/batch", {"records": sent}, key=str(uuid.uuid4()))
        return [self._version(v) for v in answer["versions"]]

    def _import_record(self, record: dict[str, Any], model_file: bytes | None) -> dict[str, Any]:
        if model_file is None:
            return record
        sha = self._to_cache(model_file)
        self.http.upload(path_of("artifacts", sha), self.cache_path(sha), "the model file")
        return {**record, "artifact_sha256": sha}

    def imported(self, origins: list[str]) -> dict[str, str]:
        """Which origin keys were imported already: origin key → version reference."""
        found: dict[str, str] = {}
        for start in range(0, len(origins), PAGE):
            answer = self.http.post("imports/lookup", {"origins": origins[start : start + PAGE]})
            found.update(answer["imported"])
        return found

    def export_pmml(self, ref: AnyRef, path: str | None = None) -> bytes:
        """A version's model as PMML 4.4, written to ``path`` (on this machine) if given."""
        data, _ = self.http.get_bytes(self._vpath(ref, "pmml"))
        if path is not None:
            from .files import atomic_write

            atomic_write(Path(path), data)
        return data

    # -- read ----------------------------------------------------------------------------------

    def _detail(self, ref: AnyRef) -> dict[str, Any]:
        detail: dict[str, Any] = self.http.get(self._vpath(ref))
        return detail

    def get(self, ref: AnyRef) -> Version:
        return self._version(self._detail(ref))

    def datasets(self, ref: AnyRef) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._detail(ref)["datasets"]
        return found

    def dataset(self, content_hash: str) -> dict[str, Any]:
        from urllib.parse import quote

        page: dict[str, Any] = self.http.get(f"datasets/{quote(str(content_hash), safe='')}")
        return page

    def review_state(self, ref: AnyRef) -> dict[str, Any] | None:
        from .governance.requests import review_from_json

        return review_from_json(self._detail(ref)["review"])

    def children(self, ref: AnyRef) -> list[str]:
        found: list[str] = self._detail(ref)["children"]
        return found

    def load(self, ref: AnyRef, trusted: bool = False) -> Any:
        """The working model of a version: its file downloaded (or cached), checked against
        its hash, loaded with the same allow-list of types as locally."""
        from .capture import serialize

        version = ref if isinstance(ref, Version) else self.get(ref)
        data, fmt = self.model_file(version)
        return serialize.load(data, fmt, trusted=trusted, label=f"The model file of {version.ref}")

    def model_file(self, ref: AnyRef) -> tuple[bytes, str]:
        version = ref if isinstance(ref, Version) else self.get(ref)
        if not version.artifact_sha256 or not version.artifact_format:
            raise MMDSError(f"{version.ref} has no model file to load.")
        return self._cached(version, version.artifact_sha256).read_bytes(), version.artifact_format

    def cache_path(self, sha256: str) -> Path:
        return Path(self.home).expanduser() / "cache" / sha256[:2] / sha256

    def _cached(self, version: Version, sha: str) -> Path:
        """The version's model file in the local cache, downloaded when missing or changed."""
        path = self.cache_path(sha)
        if path.is_file():
            if _sha256(path) == sha:
                return path
            warnings.warn(
                f"The cached model file {path} of {version.ref} no longer matches its sha256 "
                "(changed on disk); it was discarded and downloaded again.",
                CachedFileChanged,
                stacklevel=3,
            )
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{sha}.{os.getpid()}.part")
        digest = hashlib.sha256()
        try:
            with open(tmp, "wb") as out:
                for chunk in self.http.stream(self._vpath(version, "file")):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != sha:
                raise ArtifactIntegrityError(
                    f"The model file of {version.ref} that {self.url} sent does not match its "
                    f"sha256 ({sha[:12]}…): nothing was loaded. Try again; if it persists the "
                    "server's copy is damaged."
                )
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def query(self, **filters: Any) -> Query:
        """The search to send (the server checks the arguments when it runs)."""
        unknown = sorted(set(filters) - set(QUERY_FIELDS))
        if unknown:
            raise TypeError(f"query() got unexpected keyword argument(s) {', '.join(unknown)}")
        kept = {k: _param(v) for k, v in filters.items() if v is not None}
        return RemoteQuery(
            order_by=kept.get("order_by") or "-created",
            limit=kept.get("limit"),
            offset=kept.get("offset") or 0,
            filters=kept,
        )

    def _page(self, query: Query, limit: int, offset: int, count: bool = True) -> dict[str, Any]:
        filters = getattr(query, "filters", None)
        if filters is None:
            raise InvalidInput("Build the query with this registry's query(...).")
        params = {**filters, "limit": limit, "offset": offset, "count": count}
        page: dict[str, Any] = self.http.get("versions", params)
        return page

    def search(self, query: Query) -> tuple[list[dict[str, Any]], list[str]]:
        """The matching rows (every page when the query sets no limit) and warnings."""
        if query.limit is not None:
            whole_number("limit", query.limit, 1)
        whole_number("offset", query.offset, 0)
        out: list[dict[str, Any]] = []
        found_warnings: list[str] = []
        offset, wanted = query.offset, query.limit
        while True:
            size = PAGE if wanted is None else min(PAGE, wanted - len(out))
            page = self._page(query, size, offset, count=False)  # pages alone: no total
            found_warnings += [w for w in page["warnings"] if w not in found_warnings]
            out += [_search_row(item) for item in page["items"]]
            offset += len(page["items"])
            if len(page["items"]) < size or (wanted is not None and len(out) >= wanted):
                return out, found_warnings

    def count(self, query: Query, cap: int | None = None) -> int:
        """How many versions match: the server counts up to a cap per request, so this asks
        again further on until the count is exact (or reaches ``cap``)."""
        if cap is not None:
            cap = whole_number("cap", cap, 1)
        offset = 0
        while True:
            page = self._page(query, 1, offset)
            if page["total_exact"]:
                total: int = page["total"]
                return total if cap is None else min(total, cap)
            if cap is not None and page["total"] >= cap:
                return cap
            offset = max(2 * offset, page["total"])

    def vocabulary(self, query: Query, limit: int = 200) -> dict[str, list[str]]:
        filters = getattr(query, "filters", None)
        if filters is None:
            raise InvalidInput("Build the query with this registry's query(...).")
        names: dict[str, list[str]] = self.http.get("vocabulary", {**filters, "limit": limit})
        return names

    def find(self, **filters: Any) -> pd.DataFrame:
        from .query import FIND_COLUMNS

        found, warned = self.search(self.query(**filters))
        df = pd.DataFrame(found)
        if df.empty:
            df = pd.DataFrame(columns=list(FIND_COLUMNS))
        df.attrs["warnings"] = warned
        return df

    def compare(self, *refs: str | Version) -> Any:
        from .comparison import Comparison

        if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
            refs = tuple(refs[0])
        # The server checks the references (and resolves them to exact versions).
        data = self.http.get("compare", {"refs": [self._ref(r) for r in refs]})
        return Comparison([self.get(r) for r in data["refs"]])

    def evaluate(
        self, ref: AnyRef, X: Any, y: Any, name: str, slices: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """Send the data set (as columns) to be evaluated where the model and its files are."""
        body: dict[str, Any] = {"name": name, "X": _columns(X), "y": _values(pd.Series(y))}
        body["slices"] = list(slices) if slices is not None else None
        result: dict[str, Any] = self.http.post(self._vpath(ref, "evaluate"), body)
        return result

    def report(self, *refs: AnyRef, kind: str | None = None, threshold: float = 0.5) -> Any:
        """The report made (and kept) by the server, as its HTML; ``to_pdf`` asks for the PDF."""
        from .reports.document import FetchedReport

        if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
            refs = tuple(refs[0])
        args: dict[str, Any] = {"refs": [self._ref(r) for r in refs], "threshold": str(threshold)}
        if kind is not None:
            args["kind"] = kind

        def fetch(fmt: str) -> bytes:
            data: bytes = self.http.request("GET", "report", params={**args, "format": fmt}).data
            return data

        return FetchedReport(fetch("html").decode("utf-8"), lambda: fetch("pdf"))

    def lineage(self, ref: str | Version, depth: int = 3) -> Any:
        from .lineage_graph import Lineage

        data = self.http.get(self._vpath(ref, "lineage"), {"depth": depth})
        return Lineage.from_dict(data)

    def events(
        self,
        ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        limit: int | None = 100,
    ) -> pd.DataFrame:
        """The audit log, newest first (at most 500 events a call over HTTP)."""
        from .registry import events_frame

        params = {"ref": ref, "actor": actor, "action": action, "since": _param(since)}
        params["limit"] = PAGE if limit is None else whole_number("limit", limit, 1)
        items = self.http.get("events", params)["items"]
        return frame(items, events_frame([]).columns)

    def latest_event_id(self) -> int:
        return int(self.http.get("changes")["latest_event_id"])

    def verify_events(self) -> int | None:
        bad = self.http.get("events/verify")["first_bad_event"]
        return None if bad is None else int(bad)

    def verify_audit(self) -> dict[str, Any]:
        report: dict[str, Any] = self.http.get("audit/verify")
        return report

    def audit_checkpoint(self) -> dict[str, Any]:
        cp: dict[str, Any] = self.http.post("audit/checkpoint", {})
        return cp

    def audit_export(
        self, since: datetime | str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        doc: dict[str, Any] = self.http.get(
            "audit/export", {"since": _param(since), "project": project}
        )
        return doc

    def projects(self) -> pd.DataFrame:
        return frame(self.http.get("projects")["items"])

    def models(self, project: str | None = None) -> pd.DataFrame:
        return frame(self.http.get("models", {"project": project})["items"])

    # -- archive and retention -------------------------------------------------------------

    def archive(self, ref: AnyRef, reason: str | None = None, force: bool = False) -> Version:
        body = {"reason": reason, "force": force}
        return self._version(self.http.post(self._vpath(ref, "archive"), body))

    def restore(self, ref: AnyRef, reason: str | None = None) -> Version:
        return self._version(self.http.post(self._vpath(ref, "restore"), {"reason": reason}))

    def hold(self, ref: AnyRef, reason: str) -> dict[str, Any]:
        return _times(self.http.post(self._vpath(ref, "hold"), {"reason": reason}))

    def release(self, ref: AnyRef, reason: str | None = None) -> dict[str, Any]:
        return _times(self.http.post(self._vpath(ref, "release"), {"reason": reason}))

    def purge(self, ref: AnyRef, reason: str) -> dict[str, Any]:
        done = _times(self.http.post(self._vpath(ref, "purge"), {"reason": reason}))
        for sha in done.get("files") or []:  # this client's copy goes too (other clients'
            self.cache_path(sha).unlink(missing_ok=True)  # caches are theirs to clear)
        return done

    def archive_due(self) -> list[dict[str, Any]]:
        return [_times(r) for r in self.http.post("archive/due", {})["items"]]

    # -- tasks -------------------------------------------------------------------------------

    def add_task(self, ref: str, title: str, **fields: Any) -> dict[str, Any]:
        due: Any = fields.get("due")
        if isinstance(due, date):  # a datetime too
            fields = {**fields, "due": due.isoformat()}
        return _times(self.http.post("tasks", {"ref": ref, "title": title, **fields}))

    def tasks(
        self, ref: str | None = None, mine: bool = False, status: str | None = None
    ) -> pd.DataFrame:
        from .governance.tasks import frame as tasks_frame

        params = {"ref": ref, "mine": "true" if mine else None, "status": status}
        found = self.http.get("tasks", {k: v for k, v in params.items() if v is not None})
        return tasks_frame(found["items"])

    def complete_task(
        self, task_id: int, comment: str | None = None, attachment: str | None = None
    ) -> dict[str, Any]:
        n = whole_number("task id", task_id, 1)
        body = {"comment": comment, "attachment": attachment}
        return _times(self.http.post(path_of("tasks", n, "complete"), body))

    # -- webhooks -----------------------------------------------------------------------------

    def add_webhook(
        self, project: str, url: str, events: list[str], secret: str | None = None
    ) -> dict[str, Any]:
        body = {"project": project, "url": url, "events": events, "secret": secret}
        return _times(self.http.post("webhooks", body))

    def webhooks(self, project: str | None = None) -> list[dict[str, Any]]:
        params = {} if project is None else {"project": project}
        return [_times(w) for w in self.http.get("webhooks", params)["items"]]

    def remove_webhook(self, webhook_id: int) -> dict[str, Any]:
        n = whole_number("webhook id", webhook_id, 1)
        return _times(self.http.post(path_of("webhooks", n, "remove"), {}))

    def webhook_deliveries(
        self, webhook_id: int, status: str | None = None
    ) -> list[dict[str, Any]]:
        n = whole_number("webhook id", webhook_id, 1)
        params = {} if status is None else {"status": status}
        found = self.http.get(path_of("webhooks", n, "deliveries"), params)["items"]
        return [_times(d) for d in found]

    def deliver_webhooks(self) -> dict[str, int]:
        result: dict[str, int] = self.http.post("webhooks/deliver", {})
        return result

    # -- consumers -----------------------------------------------------------------------------

    def add_consumer(
        self,
        ref: str,
        application: str,
        owner: str | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        body = {"ref": ref, "application": application, "owner": owner, "purpose": purpose}
        return _times(self.http.post("consumers", body))

    def consumers(self, ref: str | None = None, include_ended: bool = False) -> pd.DataFrame:
        from .governance.consumers import frame as consumers_frame

        params = {"ref": ref, "include_ended": "true" if include_ended else None}
        return consumers_frame(self.http.get("consumers", params)["items"])

    def end_consumer(self, consumer_id: int, reason: str | None = None) -> dict[str, Any]:
        n = whole_number("consumer id", consumer_id, 1)
        return _times(self.http.post(path_of("consumers", n, "end"), {"reason": reason}))

    # -- change --------------------------------------------------------------------------------

    def alias(
        self,
        ref: AnyRef,
        alias: str,
        force: bool = False,
        reason: str | None = None,
        request: int | None = None,
    ) -> Version:
        body = {"alias": alias, "force": force, "reason": reason, "request": request}
        return self._version(self.http.post(self._vpath(ref, "alias"), body))

    def set_aliases(
        self,
        moves: dict[str, Any],
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> list[Version]:
        sent = moves
        if isinstance(moves, dict):
            sent = {k: self._ref(v) if isinstance(v, Version) else v for k, v in moves.items()}
        body = {"moves": sent, "reason": reason, "force": force, "request": request}
        return [self._version(v) for v in self.http.post("aliases", body)["items"]]

    def rollback(
        self,
        ref: str,
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> Version:
        body = {"reason": reason, "force": force, "request": request}
        return self._version(self.http.post(path_of("aliases", ref, "rollback"), body))

    def alias_history(self, ref: str, alias: str | None = None) -> pd.DataFrame:
        from .governance.alias_history import AliasMove, history_frame

        items = self.http.get(path_of("aliases", ref), {"alias": alias})["items"]
        return history_frame([AliasMove.from_dict(i) for i in items])

    def alias_at(self, ref: str, at: datetime | date | str) -> AliasMove | None:
        from .governance.alias_history import AliasMove

        when = at.isoformat() if isinstance(at, (date, datetime)) else at
        move = self.http.get(path_of("aliases", ref, "at"), {"at": when})["move"]
        return None if move is None else AliasMove.from_dict(move)

    def set_stage(
        self, ref: AnyRef, stage: str, reason: str | None = None, force: bool = False
    ) -> Version:
        body = {"stage": stage, "reason": reason, "force": force}
        return self._version(self.http.post(self._vpath(ref, "stage"), body))

    # -- governance ----------------------------------------------------------------------------

    def save_template(self, source: str) -> dict[str, Any]:
        result: dict[str, Any] = self.http.post("templates", {"source": source})
        return result

    def bind_template(self, project: str, template: str = "default") -> dict[str, Any]:
        if not isinstance(project, str):
            raise InvalidInput(f"project must be a name, not {project!r}.")
        body = {"template": template}
        result: dict[str, Any] = self.http.post(path_of("projects", project, "template"), body)
        return result

    def templates(self) -> list[dict[str, Any]]:
        return list(self.http.get("templates")["items"])

    def request(self, ref: AnyRef, stage: str, comment: str | None = None) -> Any:
        from .governance.requests import StageRequest

        body = {"stage": stage, "comment": comment}
        return StageRequest.from_dict(self.http.post(self._vpath(ref, "request"), body))

    def _decide(self, verdict: str, request_id: int, comment: str | None) -> Any:
        from .governance.requests import StageRequest

        rid = whole_number("request_id", request_id, 1)
        path = path_of("requests", str(rid), verdict)
        return StageRequest.from_dict(self.http.post(path, {"comment": comment}))

    def approve(self, request_id: int, comment: str | None = None) -> Any:
        return self._decide("approve", request_id, comment)

    def reject(self, request_id: int, comment: str | None = None) -> Any:
        return self._decide("reject", request_id, comment)

    def requests(
        self, ref: str | None = None, status: str | None = "open", waiting_for_me: bool = False
    ) -> list[Any]:
        from .governance.requests import StageRequest

        params = {
            "ref": None if ref is None else str(self._ref(ref)),
            "status": status or "any",
            "mine": "true" if waiting_for_me else "false",
        }
        return [StageRequest.from_dict(r) for r in self.http.get("requests", params)["items"]]

    def evidence_file(self, ref: AnyRef, evidence_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get(self._vpath(ref, "evidence", str(evidence_id)))
        return result

    def attach(self, ref: AnyRef, kind: str, text: str, name: str | None = None) -> dict[str, Any]:
        body = {"kind": kind, "text": text, "name": name}
        result: dict[str, Any] = self.http.post(self._vpath(ref, "evidence"), body)
        return result

    def tag(self, ref: AnyRef, tags: dict[str, Any]) -> Version:
        return self._version(self.http.post(self._vpath(ref, "tag"), {"tags": tags}))

    def untag(self, ref: AnyRef, *keys: str) -> Version:
        return self._version(self.http.post(self._vpath(ref, "untag"), {"keys": list(keys)}))

    def describe(self, ref: AnyRef, text: str | None) -> Version:
        body = {"description": text}
        return self._version(self.http.post(self._vpath(ref, "describe"), body))

    def gc(self, older_than: float | None = None) -> list[dict[str, Any]]:
        removed: list[dict[str, Any]] = self.http.post("gc", {"older_than": older_than})["removed"]
        return removed

    # -- roles (the server checks who may) ------------------------------------------------------

    def permissions(self, ref: AnyRef) -> dict[str, Any]:
        found: dict[str, Any] = self.http.get(self._vpath(ref, "permissions"))
        return found

    def grant(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        body = {"role": role, "project": project, "user": user, "group": group}
        return _grant(self.http.post("grants", body))

    def revoke(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        body = {"role": role, "project": project, "user": user, "group": group}
        return _grant(self.http.post("grants/revoke", body))

    def grants(self, project: str | None = None) -> list[Grant]:
        return [_grant(g) for g in self.http.get("grants", {"project": project})["items"]]

    # -- jobs ----------------------------------------------------------------------------------

    @property
    def jobs(self) -> RemoteJobs:
        """Scheduled notebook and scoring jobs on the server, and their runs."""
        from .remote_jobs import RemoteJobs

        if self._jobs is None:
            self._jobs = RemoteJobs(self.http)
        return self._jobs


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _search_row(item: dict[str, Any]) -> dict[str, Any]:
    """A search row as the local registry gives it: metrics beside the fields, times as times."""
    row = {k: v for k, v in item.items() if k not in _ROW_EXTRAS}
    row.update(item.get("metrics") or {})
    if isinstance(row.get("created_at"), str):
        row["created_at"] = datetime.fromisoformat(row["created_at"])
    return row
