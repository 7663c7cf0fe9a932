"""The registry service: the one object that every public call (Python, magics, CLI, REST) uses."""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Callable, Iterable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pandas as pd

from .capture import serialize
from .capture.adapters import ModelAdapter, PMMLAdapter, SklearnAdapter, adapter_for
from .capture.pipeline import CaptureRequest, CaptureSink, capture
from .config import MMDS
from .entities import STAGES, Event, NewVersion, Version
from .errors import ConflictError, InvalidInput, MMDSError, NotFound, RepeatedRequestChanged
from .query import DATASET_ROLES, FIND_COLUMNS, ORDER_FIELDS, Query
from .refs import (
    MAX_ID,
    MAX_NAME,
    NAME_RE,
    Ref,
    check_name,
    check_tags,
    check_text,
    parse_ref,
    whole_number,
)
from .store.artifacts import ArtifactStore, Upload
from .store.base import JobStore, RunStore, Stores, TrackKey

# The parts' interfaces, named here for the modules of the registry's implementation that are
# handed a part (scoring/, lineage_graph.py, the scheduler) without importing the store.
from .store.base import ScoreSetStore as ScoreSetStore
from .store.base import ScoringStore as ScoringStore
from .store.db import Database

# The audit chain's hashing, for governance/audit.py, which checks an exported chain offline.
from .store.events import GENESIS as GENESIS
from .store.events import event_hash as event_hash
from .store.sql import sql_stores

if TYPE_CHECKING:
    from .auth.entities import Grant
    from .auth.identities import Identities
    from .governance.alias_history import AliasMove
    from .scheduler import Scheduler
    from .scheduler.entities import Run
    from .scoring.performance import ActualsResult
    from .store.base import AuditStore as AuditStore  # for governance/audit.py
    from .store.base import IdentityStore as IdentityStore  # for auth/, like the parts above

# How a version used a data set, by the role a search names (find(dataset=..., dataset_role=)).
# A stage-change guard: (version, new_stage, actor) -> None, raising to refuse.
StageGuard = Callable[[Version, str, str], None]


def _unreadable_upload(sha256: str, exc: Exception) -> InvalidInput:
    return InvalidInput(
        f"The uploaded file {sha256[:12]}… is not a readable skops file "
        f"({type(exc).__name__}: {exc}); upload the bytes of skops.io.dump or serialize.dump."
    )


# Lineage walks at most this many steps up and down (each step is one query per direction).
MAX_DEPTH = 100
# Names of each kind a search form is offered at most (Registry.vocabulary).
MAX_VOCABULARY = 1_000
# What Contract.to_dict() says about a contract that an update may carry back unchanged.
CONTRACT_READ_ONLY = ("version", "edits", "inherited_from", "not_carried")


def allow_any_stage(version: Version, stage: str, actor: str) -> None:
    """The default life-cycle policy: any move between known stages is allowed."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Registry:
    """Capture, query and manage model versions in one store and one artifact root."""

    def __init__(
        self,
        url: str | None = None,
        home: str | None = None,
        actor: str | None = None,
        config: MMDS | None = None,
        stage_guard: StageGuard = allow_any_stage,
    ):
        cfg = config or MMDS()
        self.url = url or cfg.url
        self.home = home or cfg.home
        self.actor = actor or cfg.actor
        # Outside the database on purpose: whoever can rewrite the log cannot sign checkpoints.
        self.audit_key_file = cfg.audit_key_file or str(Path(self.home) / "audit.key")
        check_text("The user name (MMDS_USER)", self.actor, MAX_NAME)
        self.db = Database(self.url)
        self.store: Stores = sql_stores(self.db)
        self.archive_root = cfg.archive_root or str(Path(self.home) / "cold")
        self.artifacts = ArtifactStore(self.home, cold=self.archive_root)
        self.stage_guard = stage_guard
        self.prediction_rows = cfg.prediction_rows
        # Governance: the time rules of templates are read at (tests move it), and, in team
        # mode, the permissions and groups the actor holds in a project (None on a laptop,
        # where every role and group is the user's own).
        self.clock: Callable[[], datetime] = _utc_now
        self.standing: Callable[[str], tuple[frozenset[str], frozenset[str]]] | None = None
        self._scoring_models: dict[tuple[str, bool], Any] = {}
        self._jobs: Scheduler | None = None
        self._track_key: TrackKey | None = None

    @property
    def location(self) -> str:
        """Where the registry lives, safe to show: the database URL without its password."""
        return f"{self.db.safe_url} (files in {self.home})"

    def acting_as(self, actor: str) -> Registry:
        """This registry with ``actor`` as the author of what it writes: a cheap view for one
        request of `mmds server`, sharing the database, stores, artifacts and caches. Close
        the registry, never a view."""
        check_text("The user name", actor, MAX_NAME)
        view = copy.copy(self)
        view.actor = actor
        view._jobs = None
        return view

    def tracking_once(self, key: str, request_sha256: str) -> Registry:
        """This registry with its track() done at most once under idempotency ``key`` (a
        client's retry of one call): a repeat returns the version the first made; the key with
        another request (``request_sha256``) or from another actor is refused. A view, as
        :meth:`acting_as`."""
        if not check_text("The Idempotency-Key", key, MAX_NAME) or not key.strip():
            raise InvalidInput("The Idempotency-Key is empty: send a new uuid for each call.")
        view = copy.copy(self)
        view._track_key = TrackKey(key, self.actor, request_sha256)
        return view

    def _tracked_before(self) -> Version | None:
        """The version a track under this view's key made already, if any."""
        key = self._track_key
        done = None if key is None else self.store.versions.tracked_under(key.key)
        if key is None or done is None or done.ref is None:
            return None
        if (done.actor, done.request_sha256) != (key.actor, key.request_sha256):
            raise RepeatedRequestChanged(
                f"The Idempotency-Key {key.key!r} was used before for another track request "
                f"(which made {done.ref}). A key names one call and its retries: send a new key "
                "(a fresh uuid) for a new call."
            )
        return self.get(done.ref)

    def identities(self) -> Identities:
        """Users and API tokens of `mmds server` (team mode), changed in this registry's name."""
        from .auth.identities import Identities

        return Identities(self.store.identities, self.actor)

    # -- roles of team mode (checked by `mmds server`; a laptop registry checks nothing) ------

    def grant(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Give ``role`` in ``project`` (``admin``: the whole server) to a user or a group."""
        return self.identities().grant(role, project, user, group)

    def revoke(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Take back a role given with :meth:`grant`."""
        return self.identities().revoke(role, project, user, group)

    def grants(self, project: str | None = None) -> list[Grant]:
        """The roles granted (in one project)."""
        return self.identities().grants(project)

    def permissions(self, ref: str | Version) -> dict[str, Any]:
        """What this registry's user may do to a version: on a laptop every role is the
        user's own, so every operation, every other stage and every alias."""
        from .auth.permissions import allowed_on_version

        v = ref if isinstance(ref, Version) else self.get(ref)
        return allowed_on_version(v.ref, self.actor, v.stage, lambda _permission: True)

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.dispose()

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
        """Capture a fitted estimator (scikit-learn, or pyspark.ml with Spark DataFrames and
        ``y_test`` naming the target column) as a new version and return it.

        Everything is checked before anything is written: a bad argument leaves the registry
        as it was. The checks and the work are the capture pipeline's, shared by every kind of
        model (:mod:`.capture.pipeline`).
        """
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
        return self._capture(adapter_for(model, label or request.name, serializer), request)

    def track_file(
        self,
        sha256: str,
        name: str | None = None,
        project: str = "default",
        described: dict[str, Any] | None = None,
        **capture: Any,
    ) -> Version:
        """Capture the model whose skops file arrived through :meth:`receive_file` (a
        ``track`` sent to `mmds server`), with ``track``'s other arguments.

        The file is loaded as any model file is (only the allowed types: a file holding a
        function is refused) to be measured, and stored as the bytes that arrived: they hash to
        ``sha256`` already, so the version's file is the very file its metadata describes.
        With ``described`` (what the client measured itself, as ``mmds.track`` through a
        server sends: :func:`.capture.external.described_version`) the file's types are
        audited without building the model, and nothing else is measured here.
        """
        if not self.artifacts.exists(sha256):  # also refuses what is not a sha256
            raise InvalidInput(
                f"There is no uploaded file with sha256 {sha256}: upload the skops file first "
                f"(PUT artifacts/{sha256}), then track it."
            )
        if described is not None:
            return self._track_described(sha256, name, project, described, capture)
        request = CaptureRequest.check(name, project, **capture)
        data = self.artifacts.get(sha256)
        try:
            model = serialize.load(data, "skops", trusted=False, label="The uploaded model file")
        except MMDSError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes skops raise
            raise _unreadable_upload(sha256, exc) from None
        return self._capture(SklearnAdapter(model, request.name, "skops", file=data), request)

    def _track_described(
        self,
        sha256: str,
        name: str | None,
        project: str,
        described: dict[str, Any],
        data: dict[str, Any],
    ) -> Version:
        from .capture import external

        if data:
            raise InvalidInput(
                f"A described version carries its own measurement: send no "
                f"{', '.join(sorted(data))} with it."
            )
        if not isinstance(described, dict):
            raise InvalidInput("A described version is a mapping of fields.")
        sink = external.ImportSink(
            actor=self.actor, resolve=self.store.versions.resolve, has_file=self.artifacts.exists
        )
        record = {**described, "name": name, "project": project}
        spec = external.described_version(sink, record, sha256)
        try:
            serialize.audit(self.artifacts.get(sha256), "The uploaded model file")
        except MMDSError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever a damaged file makes skops raise
            raise _unreadable_upload(sha256, exc) from None
        return self._capture_with(lambda s: s.create_version(spec))

    def _capture(self, adapter: ModelAdapter, request: CaptureRequest) -> Version:
        """Capture what ``adapter`` describes (once under a track key)."""
        return self._capture_with(lambda sink: capture(sink, adapter, request))

    def _capture_with(self, write: Callable[[CaptureSink], Version]) -> Version:
        """``write`` a version through the capture sink, once under a track key."""
        done = self._tracked_before()
        if done is not None:
            return done
        try:
            version = write(self._capture_sink())
        except ConflictError:
            # The same key's request made its version meanwhile (a retry that overtook it).
            done = self._tracked_before()
            if done is None:
                raise
            return done
        version._registry = self
        self._warn_not_carried(version)
        return version

    def _capture_sink(self) -> CaptureSink:
        """What the capture pipeline may use of this registry."""
        return CaptureSink(
            actor=self.actor,
            resolve=self.store.versions.resolve,
            put_file=self.artifacts.put,
            create_version=functools.partial(
                self.store.versions.create_version, key=self._track_key
            ),
            prediction_rows=self.prediction_rows,
        )

    def _warn_not_carried(self, version: Version) -> None:
        """Say which contract edits of the version's predecessor did not fit its inputs."""
        import warnings

        from .scoring.contract import ContractEditsNotCarried

        contract = self.contract(version)
        if contract.not_carried:
            warnings.warn(
                f"{version.ref} did not inherit every contract edit of "
                f"{contract.inherited_from}: {'; '.join(contract.not_carried)}. Review them "
                f"with mmds.contract('{version.ref}').",
                ContractEditsNotCarried,
                stacklevel=3,
            )

    # -- read ----------------------------------------------------------------------------------

    def _ref(self, ref: str | Ref | Version) -> Ref:
        if isinstance(ref, Version):
            return Ref(name=ref.name, project=ref.project, version=ref.version)
        return ref if isinstance(ref, Ref) else parse_ref(ref)

    def get(self, ref: str | Ref | Version) -> Version:
        """The version a reference names (``churn:3``, ``risk/churn@champion``, ``churn``)."""
        version = self.store.versions.resolve(self._ref(ref))
        version._registry = self
        return version

    def load(self, ref: str | Ref | Version, trusted: bool = False) -> Any:
        """The working estimator of a version, after checking the file against its hash."""
        version = ref if isinstance(ref, Version) else self.get(ref)
        data, fmt = self.model_file(version)
        return serialize.load(data, fmt, trusted=trusted, label=f"The model file of {version.ref}")

    def model_file(self, ref: str | Ref | Version) -> tuple[bytes, str]:
        """A version's model file as stored (checked against its hash) and its format."""
        version = ref if isinstance(ref, Version) else self.get(ref)
        if not version.artifact_sha256 or not version.artifact_format:
            raise MMDSError(f"{version.ref} has no model file to load.")
        from .governance.retention import check_loadable

        check_loadable(self, version)
        return self.artifacts.get(version.artifact_sha256), version.artifact_format

    # Files in pieces, for `mmds server`: content-addressed uploads, streamed downloads.

    def has_file(self, sha256: str) -> bool:
        return self.artifacts.exists(sha256)

    def receive_file(self, sha256: str) -> Upload:
        """A file arriving in pieces, stored only when complete and hashing to ``sha256``."""
        return self.artifacts.upload(sha256)

    def open_model_file(self, ref: str | Ref | Version) -> tuple[BinaryIO, str, str]:
        """A version's model file open for reading in pieces, its sha256 and its format."""
        version = ref if isinstance(ref, Version) else self.get(ref)
        if not version.artifact_sha256 or not version.artifact_format:
            raise MMDSError(f"{version.ref} has no model file to load.")
        from .governance.retention import check_loadable

        check_loadable(self, version)
        sha = version.artifact_sha256
        return self.artifacts.open(sha), sha, version.artifact_format

    def scoring_model(self, version: Version, trusted: bool = False) -> Any:
        """The estimator scoring uses, loaded once per model file and process.

        Model files are immutable and verified on first load; keeping the object saves the
        deserialisation on every batch. Only scoring uses it, so no caller can mutate it. A model
        loaded with ``trusted=True`` is kept apart, so that it never serves an untrusted call.
        """
        from .governance.retention import check_loadable

        check_loadable(self, version)  # a purged version never scores from the cache
        key = (version.artifact_sha256 or "", bool(trusted))
        model = self._scoring_models.get(key)
        if model is None:
            model = self.load(version, trusted=trusted)
            if len(self._scoring_models) >= 8:
                self._scoring_models.pop(next(iter(self._scoring_models)))
            self._scoring_models[key] = model
        return model

    def find(
        self,
        project: str | None = None,
        name: str | None = None,
        feature: str | None = None,
        stage: str | None = None,
        author: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        estimator: str | None = None,
        tag: str | None = None,
        slice: str | None = None,
        where: Iterable[str] | str | None = None,
        order_by: str = "-created",
        limit: int | None = None,
        offset: int = 0,
        name_contains: str | None = None,
        without_feature: str | None = None,
        include_archived: bool = False,
        dataset: str | None = None,
        dataset_role: str = "any",
    ) -> pd.DataFrame:
        """Versions that match every filter, as a DataFrame (one row per version).

        ``where`` takes metric conditions such as ``"roc_auc>0.8"``; with ``slice`` the metric
        columns and conditions are those of that slice (``country=US``). ``name_contains``
        matches part of the model's or the project's name, in any case. ``without_feature``
        keeps the versions that do not use that input. Archived versions are left out unless
        ``include_archived`` (or ``stage="archived"``) asks for them. ``dataset`` (the start of a
        data set's hash, or its name) keeps the versions trained or tested on it
        (``dataset_role`` "train", "test" or "any").
        """
        query = self.query(
            project=project,
            name=name,
            name_contains=name_contains,
            feature=feature,
            without_feature=without_feature,
            stage=stage,
            include_archived=include_archived,
            dataset=dataset,
            dataset_role=dataset_role,
            author=author,
            since=since,
            until=until,
            estimator=estimator,
            tag=tag,
            slice=slice,
            where=where,
            order_by=order_by,
            limit=limit,
            offset=offset,
        )
        rows, warnings = self.search(query)
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=list(FIND_COLUMNS))
        frame.attrs["warnings"] = warnings
        return frame

    def search(self, query: Query) -> tuple[list[dict[str, Any]], list[str]]:
        """One page of search rows, and what the reader must know about them.

        Ranking by a metric over versions evaluated on different test sets is such a thing:
        the front ends show the warning beside the rows.
        """
        from .comparison import mixed_test_sets

        rows = self.store.search.find(query)
        key = query.order_by.lstrip("-+")
        if key in ORDER_FIELDS:
            return rows, []
        ranked = {r["ref"]: r.get("test_set") for r in rows if r.get(key) is not None}
        warning = mixed_test_sets(ranked, f"Ranked by {key}")
        return rows, [warning] if warning else []

    def query(
        self,
        *,
        project: str | None = None,
        name: str | None = None,
        feature: str | None = None,
        without_feature: str | None = None,
        stage: str | None = None,
        include_archived: bool = False,
        dataset: str | None = None,
        dataset_role: str | None = "any",
        name_contains: str | None = None,
        author: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        estimator: str | None = None,
        tag: str | None = None,
        slice: str | None = None,
        where: Iterable[str] | str | None = None,
        order_by: str = "-created",
        limit: int | None = None,
        offset: int = 0,
    ) -> Query:
        """Validate search arguments into a store :class:`Query` (shared by Python, CLI, REST)."""
        from .search import literal_filter, parse_metric_conditions, parse_tag, parse_time

        if stage is not None and stage not in STAGES:
            raise InvalidInput(f"Unknown stage {stage!r}; stages are {', '.join(STAGES)}.")
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        offset = whole_number("offset", offset, 0)
        if slice is not None and "=" not in slice:
            raise InvalidInput(f"A slice is written column=value (e.g. country=US), not {slice!r}.")
        for label, value in (("project", project), ("name", name)):
            if value and not NAME_RE.match(value):
                raise InvalidInput(
                    f"{label}={value!r} cannot be a {label} name: names use letters, digits, "
                    "'_', '.' or '-'."
                )
        role = dataset_role or "any"
        if role not in DATASET_ROLES:
            raise InvalidInput(
                f"dataset_role={role!r}: use {', '.join(DATASET_ROLES)} (trained on, tested on, "
                "either)."
            )
        dataset = (dataset or "").strip() or None
        conditions = parse_metric_conditions(where)
        order_by = order_by or "-created"
        self._check_metric_names(conditions, order_by)
        return Query(
            project=project,
            name=name,
            name_contains=(name_contains or "").strip() or None,
            feature=literal_filter(feature, "feature", negation="without_feature"),
            without_feature=literal_filter(without_feature, "without_feature"),
            stage=stage,
            include_archived=bool(include_archived),
            author=literal_filter(author, "author"),
            since=parse_time(since, "since"),
            until=parse_time(until, "until"),
            estimator=literal_filter(estimator, "estimator"),
            tag=parse_tag(tag),
            slice=slice,
            dataset_ids=self.store.lineage.dataset_ids(dataset) if dataset else None,
            dataset_relations=DATASET_ROLES[role],
            metrics=conditions,
            order_by=order_by,
            limit=limit,
            offset=offset,
        )

    def _check_metric_names(self, conditions: list[tuple[str, str, float]], order_by: str) -> None:
        """A metric no version has recorded is a typo, not an empty answer: name the real ones."""
        names = {name for name, _, _ in conditions}
        key = order_by.lstrip("-+")
        if key not in ORDER_FIELDS:
            names.add(key)
        missing, known = self.store.search.unknown_metrics(names) if names else ([], [])
        if missing and known:
            import difflib

            fields = ", ".join(ORDER_FIELDS)
            close = [m for name in missing for m in difflib.get_close_matches(name, known, 1, 0.5)]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise InvalidInput(
                f"No version has a metric named {', '.join(map(repr, missing))}; the metrics "
                f"recorded are {', '.join(known)}"
                + (f" (order_by also takes {fields})." if key in missing else ".")
                + hint
            )

    def count(self, query: Query, cap: int | None = None) -> int:
        """How many versions match the query; with ``cap``, counting stops there."""
        if cap is not None:
            cap = whole_number("cap", cap, 1)
        return self.store.search.count(query, cap=cap)

    def vocabulary(self, query: Query, limit: int = 200) -> dict[str, list[str]]:
        """The metric, feature, tag (key=value) and slice (column=value) names in use among
        the versions ``query`` matches, ``limit`` of each: what a search form can offer."""
        limit = whole_number("limit", limit, 1, MAX_VOCABULARY)
        return self.store.search.vocabulary(query, limit)

    def compare(self, *refs: str | Version) -> Any:
        """Two or more versions side by side: params, features, metrics and slice metrics."""
        from .comparison import Comparison

        if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
            refs = tuple(refs[0])
        if len(refs) < 2:
            raise InvalidInput(
                "Compare needs at least two versions, e.g. mmds.compare('churn:3', 'churn:5')."
            )
        return Comparison([self.get(r) for r in refs])

    def evaluate(
        self,
        ref: str | Version,
        X: Any,
        y: Any,
        name: str,
        slices: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """Re-evaluate a version on a new data set; keep its metrics and predictions as ``name``."""
        from .reports.evaluation import evaluate

        return evaluate(self, ref, X, y, name, list(slices or []))

    def report(self, *refs: str | Version, kind: str | None = None, threshold: float = 0.5) -> Any:
        """A comparison (two or more versions) or validation (one) report, kept as evidence."""
        from .reports.store import report

        return report(self, refs, kind, threshold)

    def predictions(self, ref: str | Version, name: str | None = None) -> Any:
        """A version's stored test predictions (the capture's, or evaluation ``name``'s)."""
        from .reports.evaluation import load

        return load(self, ref if isinstance(ref, Version) else self.get(ref), name)

    def lineage(self, ref: str | Version, depth: int = 3) -> Any:
        """Data sets and parent versions upstream, child versions downstream."""
        from .lineage_graph import build_lineage

        return build_lineage(self.store, self.get(ref), whole_number("depth", depth, 1, MAX_DEPTH))

    def datasets(self, ref: str | Ref | Version) -> list[dict[str, Any]]:
        """The data sets a version was trained (``trained_on``) or tested (``evaluated_on``) on."""
        v = ref if isinstance(ref, Version) else self.get(ref)
        edges = self.store.lineage.edges("version", [v.id], "up")
        relation = {e.src_id: e.relation for e in edges if e.src_kind == "dataset"}
        return [
            {
                "id": d.id,
                "name": d.name,
                "relation": relation.get(d.id),
                "content_hash": d.content_hash,
                "n_rows": d.n_rows,
                "n_cols": d.n_cols,
                "schema": d.schema,
            }
            for d in self.store.lineage.datasets(sorted(relation))
        ]

    def dataset(self, content_hash: str) -> dict[str, Any]:
        """One data set by its content hash (or a unique prefix of 8+ hex digits): name, rows,
        columns, schema, per-column statistics and the versions trained and tested on it."""
        from .dataset_view import dataset_page

        return dataset_page(self, self.store.lineage.dataset_by_hash(content_hash))

    def children(self, ref: str | Ref | Version) -> list[str]:
        """References of the versions derived from this one (its children in lineage)."""
        v = ref if isinstance(ref, Version) else self.get(ref)
        ids = {
            e.dst_id
            for e in self.store.lineage.edges("version", [v.id], "down")
            if e.dst_kind == "version"
        }
        refs = self.store.versions.refs(sorted(ids))
        return [refs[i] for i in sorted(refs)]

    def events(
        self,
        ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        limit: int | None = 100,
    ) -> pd.DataFrame:
        """The audit log, newest first, as a DataFrame.

        ``ref`` narrows it: a model (``churn``) to the events of the model, every version and
        alias; a version (``churn:3``, ``churn:latest``) to that version's; an alias
        (``churn@champion``) to the alias's own history (where it pointed, when).
        """
        from .search import parse_time

        object_ref = None
        if ref:
            r = parse_ref(ref)
            if r.version is not None or r.alias == "latest":
                object_ref = self.get(r).ref
            else:
                project = r.project or self.store.versions.resolve(Ref(name=r.name)).project
                object_ref = str(Ref(name=r.name, project=project, alias=r.alias))
        rows = self.store.audit.events(
            object_ref=object_ref,
            actor=actor,
            action=action,
            since=parse_time(since, "since"),
            limit=None if limit is None else whole_number("limit", limit, 1),
        )
        return events_frame(rows)

    def gc(self, older_than: float | None = None) -> list[dict[str, Any]]:
        """Remove the temporary files that interrupted writes (a crash mid-``track``) left in
        the artifact store, unchanged for ``older_than`` seconds (an hour); return them."""
        from .store.artifacts import STALE_AFTER_S

        if older_than is None:
            older_than = STALE_AFTER_S
        elif isinstance(older_than, bool) or not isinstance(older_than, (int, float)):
            raise InvalidInput(f"older_than is a number of seconds, not {older_than!r}.")
        elif not 0 <= older_than < float("inf"):
            raise InvalidInput(f"older_than must be 0 or more seconds, not {older_than!r}.")
        return self.artifacts.remove_stale_temporaries(older_than)

    def latest_event_id(self) -> int:
        """The newest event's id, 0 when the log is empty: front ends poll it for changes."""
        latest = self.store.audit.events(limit=1)
        return latest[0].id if latest else 0

    @property
    def jobs(self) -> Scheduler:
        """Scheduled notebook and scoring jobs of this registry, and their runs."""
        from .scheduler import Scheduler

        if self._jobs is None:
            self._jobs = Scheduler(self)
        return self._jobs

    def verify_events(self) -> int | None:
        """The id of the first tampered event, or None when the whole chain checks out."""
        return self.store.audit.verify_events()

    def _audit_key(self) -> Any:
        from .governance.audit import AuditKey

        return AuditKey(self.audit_key_file)

    def verify_audit(self) -> dict[str, Any]:
        """Check the hash chain and the log against its newest signed checkpoint, so that a
        log cut short shows too; a report whose ``message`` says what holds."""
        from .governance.audit import verify

        return verify(self.store.audit, self._audit_key(), self.db.safe_url)

    def audit_checkpoint(self) -> dict[str, Any]:
        """Sign the log's head with the audit key (outside the database) and keep it beside
        the key; ``verify_audit`` checks the log against the newest one."""
        from .governance.audit import checkpoint

        return checkpoint(self.store.audit, self._audit_key(), self.db.safe_url, self.actor)

    def audit_export(
        self, since: datetime | str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        """The event log with its hash chain (from ``since``; other projects' events reduced
        to their hashes when ``project`` is given) up to a new signed checkpoint."""
        from .governance.audit import export
        from .search import parse_time

        if project is not None:
            check_name("Project", project)
        return export(
            self.store.audit,
            self._audit_key(),
            self.db.safe_url,
            self.actor,
            since=parse_time(since, "since"),
            project=project,
        )

    def projects(self) -> pd.DataFrame:
        return pd.DataFrame(self.store.versions.projects())

    def models(self, project: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(self.store.versions.models(project))

    # -- change --------------------------------------------------------------------------------

    def alias(
        self,
        ref: str | Version,
        alias: str,
        force: bool = False,
        reason: str | None = None,
        request: int | None = None,
    ) -> Version:
        """Point ``alias`` of the version's model at this version (moving it if set).

        Moving an alias that is in use is refused when the new version's contract would refuse
        the inputs its current version last scored in production (the differences are listed);
        ``force=True`` moves it anyway and records what was overridden. ``reason`` and
        ``request`` (the id of the request that decided it; by default the version's newest
        done request) are kept in the alias's history.
        """
        return self._move_aliases([(self.get(ref), alias)], force, reason, request)[0]

    def set_aliases(
        self,
        moves: dict[str, str | Version],
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> list[Version]:
        """Move several aliases at once, all or none: ``{"churn@champion": "churn:3",
        "churn@challenger": "churn:2"}``; each move is checked as :meth:`alias` checks it."""
        if not isinstance(moves, dict) or not moves:
            raise InvalidInput(
                "Give the moves as {alias reference: version}, e.g. "
                "{'churn@champion': 'churn:3', 'churn@challenger': 'churn:2'}."
            )
        targets: list[tuple[Version, str]] = []
        seen: set[tuple[str, str, str]] = set()
        for key, ref in moves.items():
            r = parse_ref(key) if isinstance(key, str) else None
            if r is None or r.alias is None:
                raise InvalidInput(
                    f"{key!r} names no alias: write each key as [project/]model@alias, e.g. "
                    "'churn@champion'."
                )
            version = self.get(ref)
            if r.name != version.name or r.project not in (None, version.project):
                raise InvalidInput(
                    f"{key} and {version.ref} are of different models: an alias names a "
                    "version of its own model."
                )
            if (version.project, version.name, r.alias) in seen:
                raise InvalidInput(f"{key} is moved twice; give each alias once.")
            seen.add((version.project, version.name, r.alias))
            targets.append((version, r.alias))
        return self._move_aliases(targets, force, reason, request)

    def _move_aliases(
        self,
        targets: list[tuple[Version, str]],
        force: bool,
        reason: str | None,
        request: int | None,
        rollback_of: int | None = None,
    ) -> list[Version]:
        """The one path of every alias move (alias, set_aliases, rollback): each move checked,
        then all written in one transaction, each with its event."""
        from .governance.requests import check_champion
        from .scoring.promotion import check_alias_move

        check_text("The reason", reason)
        if request is not None:
            request = whole_number("request", request, 1, MAX_ID)
        moves = []
        for target, alias in targets:
            check_name("Alias", alias)
            if alias == "latest":
                raise InvalidInput(
                    "'latest' always means the newest version and cannot be set; "
                    "choose another alias name such as 'champion'."
                )
            if alias == "champion":
                check_champion(self, target)
            detail = check_alias_move(self, self.store.score_sets, target, alias, force) or {}
            decided_by = request if request is not None else self._approved_request(target)
            given = {"reason": reason, "request": decided_by, "rollback_of": rollback_of}
            detail.update({k: v for k, v in given.items() if v is not None})
            moves.append((self._ref(target), alias, detail or None))
        versions = self.store.versions.set_aliases(moves, self.actor)
        for version in versions:
            version._registry = self
        return versions

    def _approved_request(self, version: Version) -> int | None:
        """The newest done (approved) request of the version, which an alias move given no
        request records: a move to @champion then names who approved the version."""
        done = self.governance_store.requests("done", [version.id], limit=1)
        return done[0]["id"] if done else None

    def _alias_moves(self, ref: str, alias: str | None = None) -> tuple[str, list[Any]]:
        """The model (project/name) a reference names and its alias moves, newest first
        (of ``alias``, or of the reference's own alias, or of every alias of the model)."""
        from .governance.alias_history import move_of, with_approvers

        r = parse_ref(ref)
        if r.version is not None:
            raise InvalidInput(
                f"{ref} names a version; name the model (churn) or its alias (churn@champion)."
            )
        if alias is not None:
            check_name("Alias", alias)
            if r.alias is not None and r.alias != alias:
                raise InvalidInput(f"{ref} already names the alias {r.alias!r}, not {alias!r}.")
        alias = alias or r.alias
        model = self.get(Ref(name=r.name, project=r.project))
        model_ref = f"{model.project}/{model.name}"
        events = self.store.audit.events(
            object_ref=f"{model_ref}@{alias}" if alias else model_ref, object_kind="alias"
        )
        moves = [move_of(e) for e in events]
        asked = [m.request for m in moves if m.request is not None]
        return model_ref, with_approvers(moves, self.governance_store.approvers(asked))

    def alias_history(self, ref: str, alias: str | None = None) -> pd.DataFrame:
        """Every move of a model's aliases (or of one: ``churn@champion`` or ``alias=``),
        newest first: version, previous version, who, when, why, request (and who approved
        it), rollback."""
        from .governance.alias_history import history_frame

        return history_frame(self._alias_moves(ref, alias)[1])

    def alias_at(self, ref: str, at: datetime | date | str) -> AliasMove | None:
        """Which version ``churn@champion`` named at ``at``, with the move that put it there
        (who, when, why, request and ``approved_by``: who approved that request); None when the
        alias was not set then. A date means the end of that day (UTC)."""
        from .governance.alias_history import held_at, moment

        if parse_ref(ref).alias is None:
            raise InvalidInput(f"{ref} names no alias; write it as churn@champion.")
        when = moment(at)
        return held_at(self._alias_moves(ref)[1], when)

    def rollback(
        self,
        ref: str,
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> Version:
        """Move an alias (``churn@champion``) back to the version it named before its latest
        move, through the same checks as any move; rolling back again goes further back."""
        from .governance.alias_history import rollback_target

        r = parse_ref(ref)
        if r.alias is None or r.alias == "latest":
            raise InvalidInput(f"{ref} names no alias to roll back; write it as churn@champion.")
        model_ref, moves = self._alias_moves(ref)
        target, undone = rollback_target(moves, f"{model_ref}@{r.alias}")
        return self._move_aliases(
            [(self.get(target), r.alias)], force, reason, request, rollback_of=undone.event_id
        )[0]

    def set_stage(
        self, ref: str | Version, stage: str, reason: str | None = None, force: bool = False
    ) -> Version:
        """Move a version to another life-cycle stage; the only place stages change.

        A version moved to retired or archived must carry no alias: the move is refused with
        the aliases' names, or with ``force=True`` they are removed (each with an event). One
        that active consumers use is refused naming them, unless ``force=True`` and a reason.
        """
        if stage not in STAGES:
            raise InvalidInput(f"Unknown stage {stage!r}; stages are {', '.join(STAGES)}.")
        check_text("The reason", reason)
        current = self.get(ref)
        from .governance.requests import check_free_move

        check_free_move(self, current, stage)
        self.stage_guard(current, stage, self.actor)
        from .governance.consumers import check_retire

        check_retire(self.store.consumers.of_version(current.id), current, stage, force, reason)
        return self._change_stage(current, stage, reason, force)

    def _change_stage(
        self, current: Version, stage: str, reason: str | None, force: bool
    ) -> Version:
        """Write a stage change whose rules were checked; archiving moves the files to the
        cold root and leaving ``archived`` brings them back (governance/retention.py)."""
        from .governance import retention

        retention.before_stage(self, current, stage)
        version = self.store.versions.set_stage(
            self._ref(current), stage, self.actor, reason, drop_aliases=force
        )
        version._registry = self
        retention.after_stage(self, current.stage, version)
        return version

    # -- archive and retention (the rules live in governance/retention.py) -----------------------

    @functools.cached_property
    def retention_store(self) -> Any:
        from .store.retention import SqlRetentionStore

        return SqlRetentionStore(self.db)

    def archive(
        self, ref: str | Version, reason: str | None = None, force: bool = False
    ) -> Version:
        """Move a version to ``archived``: its files go to the cold artifact root (same hash),
        every record stays; refused under legal hold. ``set_stage(ref, 'archived')``."""
        return self.set_stage(ref, "archived", reason=reason, force=force)

    def restore(self, ref: str | Version, reason: str | None = None) -> Version:
        """Bring an archived version back to the stage it was archived from, files hot again."""
        from .governance.retention import restore

        return restore(self, ref, reason)

    def hold(self, ref: str | Version, reason: str) -> dict[str, Any]:
        """Put a version under legal hold: it cannot be archived or purged until released."""
        from .governance.retention import hold

        return hold(self, ref, reason)

    def release(self, ref: str | Version, reason: str | None = None) -> dict[str, Any]:
        """Release a version's legal hold."""
        from .governance.retention import release

        return release(self, ref, reason)

    def purge(self, ref: str | Version, reason: str) -> dict[str, Any]:
        """Delete a retired or archived version's files for good (not a file another version
        uses); its records stay and a tombstone event keeps the hash."""
        from .governance.retention import purge

        return purge(self, ref, reason)

    def archive_due(self) -> list[dict[str, Any]]:
        """Archive the retired versions whose template's retention period has passed."""
        from .governance.retention import archive_due

        return archive_due(self)

    # -- governance (the rules live in governance/) --------------------------------------------

    @functools.cached_property
    def governance_store(self) -> Any:
        from .store.governance import SqlGovernanceStore

        return SqlGovernanceStore(self.db)

    def save_template(self, source: str) -> dict[str, Any]:
        """Store a life-cycle template (YAML text) as the next version of its name (an audited
        change; versions already under it keep the version they froze)."""
        from .governance import templates

        spec = templates.parse(source)
        sha = templates.sha256(source)
        saved, _ = self.governance_store.save_template(spec["name"], source, spec, sha, self.actor)
        return {k: v for k, v in saved.items() if k != "spec"}

    def bind_template(self, project: str, template: str = "default") -> dict[str, Any]:
        """Make ``project`` follow life-cycle ``template`` (the shipped ``default`` unless
        named); its versions freeze the template version in force for them."""
        from .governance import templates

        check_name("Project", project)
        check_name("Template", template)
        if template == templates.DEFAULT and self.governance_store.template(template) is None:
            self.save_template(templates.default_source())
        return dict(self.governance_store.bind(project, template, self.actor))

    def templates(self) -> list[dict[str, Any]]:
        """The newest version of each life-cycle template and the projects bound to it."""
        return [
            {k: v for k, v in t.items() if k != "spec"} for t in self.governance_store.templates()
        ]

    def review_state(self, ref: str | Version) -> dict[str, Any] | None:
        """The version's review under its template: ``since`` (last approved into or reviewed
        in its stage), ``review_due``, ``expires``, ``overdue``, ``expired``; None when its
        stage has no review (or its project binds no template)."""
        from .governance.requests import review_state

        return review_state(self, self.get(ref))

    def request(self, ref: str | Version, stage: str, comment: str | None = None) -> Any:
        """Ask to move a version to ``stage`` (to its own stage: a review); see
        :func:`governance.requests.request`."""
        from .governance.requests import request

        return request(self, ref, stage, comment)

    def approve(self, request_id: int, comment: str | None = None) -> Any:
        """Approve an open request; the move happens when every gate passes."""
        from .governance.requests import decide

        return decide(self, request_id, "approve", comment)

    def reject(self, request_id: int, comment: str | None = None) -> Any:
        """Reject an open request (its author may withdraw it)."""
        from .governance.requests import decide

        return decide(self, request_id, "reject", comment)

    def requests(
        self, ref: str | None = None, status: str | None = "open", waiting_for_me: bool = False
    ) -> list[Any]:
        """Promotion requests, newest first; ``waiting_for_me``: those this user may approve."""
        from .governance.requests import requests

        return requests(self, ref, status, waiting_for_me)

    def attach(
        self, ref: str | Version, kind: str, text: str, name: str | None = None
    ) -> dict[str, Any]:
        """Attach a piece of evidence (e.g. kind ``comparison``: a comparison report) to a
        version; the file is kept in the artifact store and the attachment is an event."""
        check_name("Evidence kind", kind)
        check_text("The file name", name)
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput("Evidence is a non-empty text (e.g. a report's HTML).")
        version = self.get(ref)
        sha = self.artifacts.put(text.encode())
        return dict(self.governance_store.attach(version.id, kind, sha, name, self.actor))

    def evidence_file(self, ref: str | Version, evidence_id: int) -> dict[str, Any]:
        """One piece of evidence attached to a version (the id a gate's evidence names, e.g. a
        comparison report): its kind, who attached it, when, and its ``text``."""
        evidence_id = whole_number("The evidence id", evidence_id, 1)
        version = self.get(ref)
        found = self.governance_store.evidence_file(version.id, evidence_id)
        if found is None:
            raise NotFound(
                f"{version.ref} has no attached evidence {evidence_id}; the gates of its "
                f"requests name the ids (mmds.requests('{version.ref}'))."
            )
        text = self.artifacts.get(found["artifact_sha256"]).decode("utf-8", errors="replace")
        return {**found, "ref": version.ref, "text": text}

    def tag(self, ref: str | Version, tags: dict[str, Any]) -> Version:
        """Set tags of a version (``{"owner": "alice"}``), replacing values of existing keys."""
        clean = check_tags(tags)
        if not clean:
            raise InvalidInput("Give at least one tag, e.g. mmds.tag('churn:3', owner='alice').")
        version = self.store.versions.set_tags(self._ref(ref), clean, [], self.actor)
        version._registry = self
        return version

    def untag(self, ref: str | Version, *keys: str) -> Version:
        """Remove tags of a version by key; a key the version does not have is an error."""
        if not keys:
            raise InvalidInput("Name the tag(s) to remove, e.g. mmds.untag('churn:3', 'owner').")
        check_tags({k: "" for k in keys})
        version = self.store.versions.set_tags(
            self._ref(ref), {}, list(dict.fromkeys(keys)), self.actor
        )
        version._registry = self
        return version

    def describe(self, ref: str | Version, text: str | None) -> Version:
        """Replace a version's description; ``None`` or blank text clears it."""
        check_text("The description", text)
        version = self.store.versions.set_description(
            self._ref(ref), (text or "").strip() or None, self.actor
        )
        version._registry = self
        return version

    # -- webhooks (the rules live in governance/webhooks.py) -------------------------------------

    @functools.cached_property
    def webhook_store(self) -> Any:
        from .store.webhooks import SqlWebhookStore

        return SqlWebhookStore(self.db)

    def add_webhook(
        self, project: str, url: str, events: list[str], secret: str | None = None
    ) -> dict[str, Any]:
        """POST the project's events of these types (prefixes: ``request``, ``alias``,
        ``alert``...) to ``url``, signed with ``secret`` (made when not given; returned once)."""
        from .governance.webhooks import add

        return add(self, project, url, events, secret)

    def webhooks(self, project: str | None = None) -> list[dict[str, Any]]:
        """The active webhooks (of one project), without their secrets."""
        if project is not None:
            check_name("Project", project)
        return list(self.webhook_store.webhooks(project))

    def remove_webhook(self, webhook_id: int) -> dict[str, Any]:
        """Stop a webhook (kept, with its delivery records)."""
        n = whole_number("webhook id", webhook_id, 1, MAX_ID)
        return dict(self.webhook_store.remove(n, self.actor))

    def webhook_deliveries(
        self, webhook_id: int, status: str | None = None
    ) -> list[dict[str, Any]]:
        """A webhook's deliveries, newest first: status, attempts, last error."""
        n = whole_number("webhook id", webhook_id, 1, MAX_ID)
        if status not in (None, "pending", "delivered", "failed"):
            raise InvalidInput(f"status is pending, delivered or failed, not {status!r}.")
        self.webhook_store.get(n, include_removed=True)  # a removed one keeps its records
        return list(self.webhook_store.deliveries(n, status))

    def deliver_webhooks(self) -> dict[str, int]:
        """One delivery pass (``mmds webhooks deliver``; the scheduler runs it every poll)."""
        from .governance.webhooks import deliver

        return deliver(self)

    # -- tasks (the rules live in governance/tasks.py) -----------------------------------------

    @functools.cached_property
    def task_store(self) -> Any:
        from .store.tasks import SqlTaskStore

        return SqlTaskStore(self.db)

    def add_task(self, ref: str, title: str, **fields: Any) -> dict[str, Any]:
        """Add a task to a project (``risk``) or a model (``risk/churn``): ``description``,
        ``assignee`` (a user), ``group``, ``due``, ``depends_on`` (task ids), ``weight``,
        ``milestone``."""
        from .governance.tasks import add

        return add(self, ref, title=title, **fields)

    def tasks(
        self, ref: str | None = None, mine: bool = False, status: str | None = None
    ) -> pd.DataFrame:
        """The tasks of a project or a model (with its project's), or every task; ``mine``:
        those assigned to me or my groups; ``status``: open or done."""
        from .governance.tasks import frame, tasks

        return frame(tasks(self, ref, bool(mine), status))

    def complete_task(
        self, task_id: int, comment: str | None = None, attachment: str | None = None
    ) -> dict[str, Any]:
        """Complete a task (its dependencies first) with a comment and an optional attachment
        (text, kept in the artifact store)."""
        from .governance.tasks import complete

        return complete(self, task_id, comment, attachment)

    # -- consumers ---------------------------------------------------------------------------

    def add_consumer(
        self,
        ref: str,
        application: str,
        owner: str | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        """Register that ``application`` uses the model through ``ref`` (``churn@champion``,
        ``churn:3``, or ``churn``: its latest version), for ``purpose``, owned by ``owner``."""
        from .governance.consumers import check_application

        application = check_application(application)
        check_text("The owner", owner, MAX_NAME)
        check_text("The purpose", purpose)
        return self.store.consumers.add(self._ref(ref), application, owner, purpose, self.actor)

    def consumers(self, ref: str | None = None, include_ended: bool = False) -> pd.DataFrame:
        """Who uses a model (or every model): application, bound reference, the version it names
        now, owner, purpose, since/until, and what production scoring recorded (last version,
        rows, calls, last use)."""
        from .governance.consumers import frame

        r = None if ref is None else self._ref(ref)
        return frame(self.store.consumers.consumers(r, bool(include_ended)))

    def _job_pin(self, run_id: int | None, scored: str) -> str | None:
        """The alias a scheduled run's job named for the version it scores (see
        :func:`governance.consumers.pinned_reference`); None outside a run or without one."""
        from .governance.consumers import pinned_reference, run_of_this_process
        from .scheduler.errors import RunNotFound

        run = run_of_this_process(run_id)
        if run is None:
            return None
        try:
            resolved = self.store.jobs.run(run).resolved_refs
        except RunNotFound:
            return None
        return pinned_reference(resolved, scored)

    def end_consumer(self, consumer_id: int, reason: str | None = None) -> dict[str, Any]:
        """Record that a consumer no longer uses its model (kept, with ``until`` set)."""
        check_text("The reason", reason)
        n = whole_number("consumer id", consumer_id, 1, MAX_ID)
        return self.store.consumers.end(n, self.actor, reason)

    # -- scoring -------------------------------------------------------------------------------

    def contract(
        self,
        ref: str | Version,
        update: dict[str, Any] | None = None,
        policy: str | None = None,
        strict: bool | None = None,
    ) -> Any:
        """The score contract of a version; ``update``/``policy``/``strict`` edit it (an audited
        change, carried to the model's next versions)."""
        from .scoring.contract import from_dict, record_edits

        version = ref if isinstance(ref, Version) else self.get(ref)
        contract = from_dict(self._stored_contract(version), version.ref)
        if update is None and policy is None and strict is None:
            return contract
        data = contract.to_dict()
        if update:
            # What to_dict() adds about the contract (not of it) may come back unchanged, so
            # a contract read (mmds contract --json), edited and given back is an update.
            update = {k: v for k, v in update.items() if k not in CONTRACT_READ_ONLY}
            unknown = set(update) - {"inputs", "outputs", "policy", "strict"}
            if unknown:
                raise InvalidInput(
                    "A contract has inputs, outputs, policy and strict; not "
                    f"{', '.join(sorted(unknown))}."
                )
            data.update(update)
        if policy is not None:
            data["policy"] = policy
        if strict is not None:
            data["strict"] = strict
        new = from_dict(data, version.ref)
        _check_contract_inputs(version, new)
        new.edits = record_edits(contract, new)
        self.store.scoring.put_contract(
            version.id,
            version.ref,
            {k: v for k, v in new.to_dict().items() if k != "version"},
            self.actor,
        )
        return new

    def _stored_contract(self, version: Version) -> dict[str, Any]:
        from .scoring.contract import derive

        stored = self.store.scoring.contract(version.id)
        if stored is None:  # versions tracked without data: types from the features only
            stored = derive([vars(f) for f in version.features], version.outputs, None).to_dict()
        used = {f.name: f.used for f in version.features}
        for spec in stored["inputs"]:  # contracts stored before inputs could be optional
            spec.setdefault("required", used.get(spec["name"], True))
        return stored

    def score(
        self,
        ref: str | Version,
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
        """Check data against the contract and score it; production mode stores a score set.

        ``engine="dask"`` scores partitions in parallel on the Dask cluster at ``scheduler``
        (or $MMDS_DASK_SCHEDULER); ``engine="spark"`` (or a Spark DataFrame) scores in the
        active SparkSession and returns the outputs as a Spark DataFrame. ``policy`` ("flag"
        or "reject" out-of-domain rows) and
        ``strict`` (refuse columns the contract does not name) override the contract's. An
        input the version already stored is refused (:class:`DuplicateScoreSet`) unless
        ``replace=True``, which replaces that score set. ``trusted=True`` scores a model whose
        file holds types MMDS does not load without your say-so (e.g. a function).
        ``application`` names who production scoring is for (default $MMDS_APPLICATION, then
        the scheduled job, then the user): it is recorded as a consumer of the model.
        """
        from .governance.consumers import scoring_application
        from .scoring.score import score

        app = scoring_application(application, self.actor) if mode == "production" else None
        if run_id is not None:
            run_id = whole_number("run_id", run_id, 1, MAX_ID)
        result = score(
            self,
            ref,
            data,
            mode=mode,
            key=key,
            passthrough=passthrough,
            run_id=run_id,
            engine=engine,
            scheduler=scheduler,
            policy=policy,
            strict=strict,
            replace=replace,
            trusted=trusted,
            score_sets=self.store.score_sets,
            artifacts=self.artifacts,
        )
        if app is not None:
            version = ref if isinstance(ref, Version) else self.get(result.ref)
            bound = self._ref(ref) if not isinstance(ref, Version) else self._ref(version)
            pinned = self._job_pin(run_id, version.ref)
            bound = bound if pinned is None else self._ref(pinned)
            self.store.consumers.record_use(version.id, bound, app, result.n_rows, self.actor)
        if mode == "production":
            from .monitoring.challenger import shadow_score
            from .monitoring.monitors import check_if_monitored

            shadow_score(self, ref, data, key, passthrough)  # its outputs are not returned
            check_if_monitored(self, result.ref)
        return result

    def scores(
        self, ref: str | Version | None = None, run_id: int | None = None, limit: int | None = 100
    ) -> pd.DataFrame:
        """Stored score sets of a model (every version) or of one version, newest first."""
        ids = None
        if ref is not None:
            r = self._ref(ref)
            # "churn" means every version of the model; "churn:3" or "churn@champion" one.
            one = r.version is not None or r.alias is not None
            ids = [self.get(r).id] if one else self.store.score_sets.model_version_ids(r)
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        if run_id is not None:
            run_id = whole_number("run_id", run_id, 1, MAX_ID)
        return pd.DataFrame(self.store.score_sets.score_sets(ids, run_id=run_id, limit=limit))

    def load_scores(self, score_set_id: int) -> pd.DataFrame:
        """The outputs of one stored score set (verified against its hash)."""
        from .scoring.frames import from_parquet_bytes
        from .scoring.spark import read_score_set

        blob = self.artifacts.get(
            self.store.score_sets.score_set(whole_number("score set id", score_set_id, 1, MAX_ID))[
                "artifact_sha256"
            ]
        )
        written_by_spark = read_score_set(blob)  # a manifest of Parquet files Spark wrote
        return from_parquet_bytes(blob) if written_by_spark is None else written_by_spark

    def score_set_ref(self, score_set_id: int) -> str | None:
        """The reference of the version that wrote a stored score set."""
        n = whole_number("score set id", score_set_id, 1, MAX_ID)
        ref: str | None = self.store.score_sets.score_set(n)["ref"]
        return ref

    def stored_baseline(self, version: Version) -> dict[str, Any] | None:
        """The drift baseline frozen with a version at capture, None if it was captured
        without data."""
        from .monitoring.stored import load_baseline

        return load_baseline(self.store.versions, self.artifacts, version)

    def baseline(self, ref: str | Version) -> dict[str, Any]:
        """The reference distributions frozen with a version at capture (its drift baseline)."""
        from .monitoring.stored import require_baseline

        version = self.get(ref)
        return require_baseline(self.stored_baseline(version), version)

    def drift(
        self,
        ref: str | Version | None = None,
        data: Any = None,
        score_set: int | None = None,
        min_rows: int | None = None,
    ) -> Any:
        """Drift against a version's baseline: of ``data`` (any frame) on demand, or the drift
        stored with a production ``score_set`` (recomputed from its counts for ``min_rows``)."""
        from .monitoring.service import drift

        return drift(self, ref, data, score_set, min_rows)

    def add_actuals(self, model: str, data: Any, key: str, target: str) -> ActualsResult:
        """Attach observed outcomes to a model's stored score sets, by key; returns an
        ``ActualsResult`` (the actual set's id, rows matched and not matched)."""
        from .monitoring.monitors import check_if_monitored
        from .scoring.performance import add_actuals

        added = add_actuals(self, self.store.score_sets, self.artifacts, model, data, key, target)
        check_if_monitored(self, model)
        return added

    def performance(
        self, model: str, window: str | int | None = None, slice: str | None = None
    ) -> pd.DataFrame:
        """Metrics of each stored score set that has actuals, oldest first; ``churn`` means
        every version, ``churn:3`` or ``churn@champion`` that version only. With ``window``
        (day, week, month or a number of rows): metrics per window of production rows with
        their labelled share, per ``slice`` value too, recomputed from the stored actuals."""
        if window is not None:
            from .monitoring.windows import performance_windows

            return performance_windows(self, model, window, slice)
        if slice is not None:
            raise InvalidInput("slice= splits windows: give a window too (e.g. window='week').")
        from .scoring.performance import performance

        return performance(self, self.store.score_sets, self.artifacts, model)

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
        """Define how a model is monitored (replacing its definition): the version or alias
        judged, the window, metrics and drift measures with (warning, alert) thresholds."""
        from .monitoring.monitors import set_monitor

        return set_monitor(
            self,
            model,
            reference=reference,
            window=window,
            metrics=metrics,
            drift=drift,
            thresholds=thresholds,
            min_rows=min_rows,
            min_positives=min_positives,
        )

    def check_monitor(self, model: str) -> dict[str, Any]:
        """Judge the model's windows against its monitor now; opens alerts for findings."""
        from .monitoring.monitors import check_monitor

        return check_monitor(self, model)

    def alerts(self, model: str | None = None, status: str | None = None) -> pd.DataFrame:
        """Alerts of a model (or of every model), newest first; ``status`` open,
        acknowledged or resolved."""
        from .monitoring.alerts import alerts

        return alerts(self, model, status)

    def acknowledge_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        """Mark an alert as seen and being handled (who and when are recorded)."""
        from .monitoring.alerts import change

        return change(self, alert_id, "acknowledged", note)

    def resolve_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        """Close an alert (who and when are recorded)."""
        from .monitoring.alerts import change

        return change(self, alert_id, "resolved", note)

    def set_retrain(
        self,
        model: str,
        notebook: str,
        trigger: str | None = None,
        windows: int | None = None,
        cooldown_days: float | None = None,
        train_window: str | None = None,
        schedule: str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Define how a model is retrained (replacing its definition): the parameterised
        notebook the scheduler runs, its trigger (alert, schedule, manual), cool-down and
        data window; the job that runs it is created or changed with it. What is None takes
        the default of ``RetrainDefinition`` (the one place defaults are spelled)."""
        from .monitoring.retrain_runs import set_retrain

        given = {
            "trigger": trigger,
            "windows": windows,
            "cooldown_days": cooldown_days,
            "train_window": train_window,
            "schedule": schedule,
        }
        options = {k: v for k, v in given.items() if v is not None}
        return set_retrain(self, model, notebook, parameters, **options)

    def retrain_definition(self, model: str) -> dict[str, Any]:
        """The model's retrain definition, its job and the job's last runs."""
        from .monitoring.retrain_runs import retrain_definition

        return retrain_definition(self, model)

    def retrain(self, model: str, reason: str | None = None) -> Run:
        """Queue a retraining run of the model now, by hand (no cool-down applies)."""
        from .monitoring.retrain_runs import retrain

        return retrain(self, model, reason)

    def champion_challenger(
        self, model: str, champion: str = "champion", challenger: str = "challenger"
    ) -> dict[str, Any]:
        """Compare two versions (aliases or numbers) on the labelled rows both scored (the
        challenger's shadow score sets): each metric, its paired test, which is better."""
        from .monitoring.challenger import champion_challenger

        return champion_challenger(self, model, champion, challenger)

    def monitor(self, model: str) -> Any:
        """A model's monitoring view: judged metrics and drift by window as charts, the
        open alerts, champion vs challenger (rich output in a notebook)."""
        from .monitoring.view import MonitorView, monitor_view

        return MonitorView(monitor_view(self, model))

    def create_scoring_test(
        self,
        ref: str | Version,
        inputs: Any,
        expected: Any,
        tolerance: float = 1e-6,
        name: str = "default",
        key: str | None = None,
        whole_model: bool = False,
    ) -> dict[str, Any]:
        """Store inputs, expected outputs and a tolerance with a version (or its model)."""
        from .scoring.scoring_tests import create

        return create(
            self,
            self.store.scoring,
            self.artifacts,
            ref,
            inputs,
            expected,
            tolerance=tolerance,
            name=name,
            key=key,
            whole_model=whole_model,
        )

    def run_scoring_tests(
        self, ref: str | Version, name: str | None = None
    ) -> list[dict[str, Any]]:
        """Run a version's scoring tests and record each result."""
        from .scoring.scoring_tests import run

        return run(self, self.store.scoring, self.artifacts, ref, name=name)

    def import_version(self, record: dict[str, Any], model_file: bytes | None = None) -> Version:
        """Register a model made elsewhere, described by ``record`` (its file, if any, is
        ``model_file`` or an upload named by ``record["artifact_sha256"]``), as a version, once
        per origin key (``mlflow-run:<id>``): an origin imported before returns its version."""
        return self.import_versions([record], [model_file])[0]

    def import_versions(
        self, records: list[dict[str, Any]], model_files: list[bytes | None] | None = None
    ) -> list[Version]:
        """``import_version`` of each record, the new ones written in ONE transaction (every
        record is checked first: one refused, none is written)."""
        from .capture import external

        if not isinstance(records, list):
            raise InvalidInput("records is a list of import records.")
        files = model_files if model_files is not None else [None] * len(records)
        if len(files) != len(records):
            raise InvalidInput("model_files has one entry (bytes or None) per record.")
        keys = [
            external.origin_key(r.get("origin") if isinstance(r, dict) else None) for r in records
        ]
        done = self.store.versions.versions_under(keys)
        sink = external.ImportSink(
            actor=self.actor, resolve=self.store.versions.resolve, has_file=self.artifacts.exists
        )
        todo: dict[str, tuple[NewVersion, TrackKey]] = {}
        for key, record, model_file in zip(keys, records, files, strict=True):
            if key in done or key in todo:
                continue
            if model_file is not None:
                record = {**record, "artifact_sha256": self.artifacts.put(model_file)}
            spec = external.new_version(sink, record)
            todo[key] = (spec, TrackKey(key, self.actor, external.key_sha256(key)))
        made: dict[str, Version] = {}
        try:
            made = dict(
                zip(todo, self.store.versions.create_versions(list(todo.values())), strict=True)
            )
        except ConflictError:  # another import of some origin got there first: one by one
            for key, item in todo.items():
                try:
                    made[key] = self.store.versions.create_versions([item])[0]
                except ConflictError:
                    first = self.store.versions.tracked_under(key)
                    if first is None:
                        raise
                    done[key] = str(first.ref)
        for version in made.values():
            version._registry = self
        return [made[k] if k in made else self.get(done[k]) for k in keys]

    def imported(self, origins: list[str]) -> dict[str, str]:
        """Which of these origin keys were imported already: origin → version reference."""
        from .capture.external import origin_key

        if not isinstance(origins, list):
            raise InvalidInput("origins is a list of origin keys ('mlflow-run:<id>').")
        return self.store.versions.versions_under([origin_key(o) for o in origins])

    def export_pmml(self, ref: str | Version, path: str | None = None) -> bytes:
        """Write a version's model as PMML 4.4 (recorded as a file of the version)."""
        from .pmml.registry_io import pmml_of
        from .store.artifacts import atomic_write

        version = self.get(ref)
        if version.framework == "pmml":
            assert version.artifact_sha256
            data = self.artifacts.get(version.artifact_sha256)
        else:
            data = pmml_of(version, self.load(version), self.contract(version))
        sha = self.artifacts.put(data)
        if path is not None:
            atomic_write(Path(path), data)
        self.store.versions.add_version_file(
            version.id, "pmml", sha, self.actor, {"path": str(path) if path is not None else None}
        )
        return data

    def import_pmml(
        self,
        source: str | os.PathLike[str] | bytes,
        name: str,
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
        cell_source: str | None = None,
        notebook: str | None = None,
    ) -> Version:
        """Register a PMML file (a path, or the document's bytes) from any producer as a
        version (framework ``pmml``), checked, measured and stored as ``track`` does."""
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
        adapter = PMMLAdapter.read(source, request.name)
        version = capture(self._capture_sink(), adapter, request)
        version._registry = self
        self._warn_not_carried(version)
        return version

    def scoring_test_results(self, ref: str | Version, limit: int = 20) -> pd.DataFrame:
        version = ref if isinstance(ref, Version) else self.get(ref)
        limit = whole_number("limit", limit, 1)
        return pd.DataFrame(self.store.scoring.results(version.id, limit=limit))

    # -- jobs ----------------------------------------------------------------------------------

    def job_store(self) -> JobStore:
        """The store of jobs and the runs people see, for the scheduler's jobs service."""
        return self.store.jobs

    def run_store(self) -> RunStore:
        """The store of run transitions (claim, start, heartbeat, finish), for the scheduler."""
        return self.store.runs

    def run_score_sets(self, run_id: int) -> list[dict[str, Any]]:
        """The score sets a scheduler run's notebook stored (its ``MMDS_RUN_ID``), oldest first."""
        return self.store.score_sets.score_sets(run_id=run_id)[::-1]


def upgrade(
    url: str | None = None, home: str | None = None
) -> tuple[str, str | None, str | None, list[dict[str, Any]]]:
    """Bring a registry's database schema up to date and sweep its stale temporary files.

    Returns where the database is (without its password), the schema before and after, and
    the files removed. The one operation that runs before a registry can be opened.
    """
    cfg = MMDS()
    db = Database(url or cfg.url)
    try:
        before = db.current()
        db.upgrade()
        after = db.current()
    finally:
        db.dispose()
    store = ArtifactStore(home or cfg.home, sweep=False)
    return db.safe_url, before, after, store.remove_stale_temporaries()


def events_frame(rows: list[Event]) -> pd.DataFrame:
    """Events as a DataFrame with one row per event."""
    cols = ["id", "time", "actor", "action", "object_kind", "object_ref", "before", "after", "hash"]
    return pd.DataFrame([{c: getattr(e, c) for c in cols} for e in rows], columns=cols)


def _check_contract_inputs(version: Version, contract: Any) -> None:
    """An edited contract keeps every input the model uses, and names only the model's inputs."""
    features = {f.name: f for f in version.features}
    names = {i.name for i in contract.inputs}
    missing = [f.name for f in version.features if f.used and f.name not in names]
    if missing:
        raise InvalidInput(
            f"The contract must keep every input the model uses; it lacks {', '.join(missing)}. "
            "(Inputs the model does not use may be removed.)"
        )
    strangers = [n for n in names if n not in features]
    if strangers:
        raise InvalidInput(
            f"{', '.join(sorted(strangers))} {'is' if len(strangers) == 1 else 'are'} not an "
            f"input of {version.ref}; its inputs are {', '.join(features)}."
        )
    optional = [i.name for i in contract.inputs if not i.required and features[i.name].used]
    if optional:
        raise InvalidInput(
            f"{', '.join(optional)} cannot be optional (required: false): the model uses it."
        )
