"""The one place `mmds server` enforces roles: a registry (and scheduler) that checks the
permission table (:mod:`.permissions`) before each operation, for one request's principal.

:class:`GuardedRegistry` implements the registry service operations, and only those: each
finds the project its reference, body or result touches, checks the principal's permission
there, and calls through to the real registry, or raises :class:`PermissionDenied` (403)
having changed nothing. Listings and searches are narrowed to the projects the principal may
read, so no name or count of another project shows. Team mode builds one per request
(``TeamMode.registry_for``); a laptop's ``Registry`` is never wrapped.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput, MMDSError, NotFound, PermissionDenied, no_such_dataset
from ..refs import MAX_ID, Ref, parse_ref, whole_number
from .permissions import (
    ADMIN,
    ADMIN_ROLE,
    ARCHIVE,
    CREATE_PROJECT,
    EDIT,
    EVERY_USER,
    GRANT,
    JOBS,
    LOGIN,
    OWN_VERSIONS,
    PURGE,
    READ,
    ROLES,
    SCORE,
    TRACK,
    VALIDATE,
    Principal,
    alias_permission,
    allowed_on_version,
    project_of_object,
    smallest_role,
    stage_permissions,
)

if TYPE_CHECKING:
    from ..entities import Version
    from ..query import Query
    from ..registry import Registry
    from ..scheduler import Scheduler
    from ..scheduler.entities import Run
    from .entities import Grant


class Access:
    """The permissions one principal holds, per project, read from the grants once."""

    def __init__(self, principal: Principal, roles: Iterable[tuple[str, str | None]]):
        self.principal = principal
        self.admin = principal.admin
        self.by_project: dict[str, set[str]] = {}
        for role, project in roles:
            if role == ADMIN_ROLE and project is None:
                self.admin = True
            elif role in ROLES and project is not None:
                self.by_project.setdefault(project, set()).update(ROLES[role])
        # A token limited to some projects holds its user's permissions there and nothing else
        # (an admin's: every project permission there, and no server-wide one).
        self.limit = principal.projects
        if self.limit is not None:
            every = set().union(*ROLES.values())
            self.by_project = {
                p: set(every) if self.admin else self.by_project.get(p, set()) for p in self.limit
            }
            self.admin = False

    @classmethod
    def of(cls, registry: Registry, principal: Principal) -> Access:
        """The principal's access, with the groups MMDS keeps for them added to theirs."""
        groups, roles = registry.identities().standing(principal.name, principal.groups)
        return cls(dataclasses.replace(principal, groups=groups), roles)

    def may(self, permission: str, project: str | None = None) -> bool:
        if self.admin:
            return True
        if permission in EVERY_USER and (self.limit is None or permission == LOGIN):
            return True
        return project is not None and permission in self.by_project.get(project, ())

    def readable(self) -> list[str] | None:
        """The projects the principal may read (None: every project)."""
        if self.admin:
            return None
        return sorted(p for p, perms in self.by_project.items() if READ in perms)

    def may_read(self, project: str | None) -> bool:
        return self.admin or (project is not None and self.may(READ, project))

    def may_on(self, version: Version, permission: str) -> bool:
        """Whether the principal holds ``permission`` on ``version``: in its project, and, for
        an edit, on their own version or as one who may edit any."""
        if not self.may(permission, version.project):
            return False
        any_version = OWN_VERSIONS.get(permission)
        return (
            not any_version
            or version.author == self.principal.name
            or self.may(any_version, version.project)
        )

    def require(self, permission: str, project: str | None = None, what: str = "") -> None:
        if self.may(permission, project):
            return
        user = self.principal.name
        if self.limit is not None and (project is None or project not in self.limit):
            where = f"in project {project!r}" if project is not None else "outside a project"
            raise PermissionDenied(
                f"{user} may not {what or permission} {where}: the token of this request is "
                f"limited to the project(s) {', '.join(sorted(self.limit)) or '(none)'} (a "
                "scheduled run's token acts only in its job's projects)."
            )
        if permission == ADMIN or project is None:
            raise PermissionDenied(
                f"{user} may not {what or permission}: it needs the server-wide admin role; "
                f"ask a server admin: mmds grant admin --user {user}"
            )
        role = smallest_role(permission)
        raise PermissionDenied(
            f"{user} may not {what or permission} in project {project!r}: that needs the "
            f"permission {permission!r} (role {role!r} or owner). Ask an owner of project "
            f"{project}: mmds grant {role} --project {project} --user {user}"
        )


def _ref(ref: Any) -> Ref:
    if isinstance(ref, Ref):
        return ref
    if isinstance(ref, str):
        return parse_ref(ref)
    return Ref(name=ref.name, project=ref.project, version=ref.version)


class GuardedRegistry:
    """The registry service for one principal: every operation checked against the table."""

    def __init__(
        self, registry: Registry, principal: Principal, scheduler_config: Any = None
    ) -> None:
        self._inner = registry
        self.principal = principal
        self._access: Access | None = None
        self._scheduler_config = scheduler_config

    @property
    def access(self) -> Access:
        # Read on first use, in the worker thread that runs the operation (not on the event loop).
        if self._access is None:
            self._access = Access.of(self._inner, self.principal)
        return self._access

    # -- what a handler reads besides the operations ---------------------------------------------

    @property
    def url(self) -> str:
        return self._inner.url

    @property
    def actor(self) -> str:
        return self._inner.actor

    @property
    def home(self) -> str:
        return self._inner.home

    @property
    def location(self) -> str:
        return self._inner.location

    def close(self) -> None:
        """A request's view holds nothing of its own: the server closes the registry."""

    # -- checks ----------------------------------------------------------------------------------

    def _project(self, ref: Any, permission: str, what: str) -> str:
        """The project a reference names, after checking ``permission`` there.

        A project named in the reference is checked before anything is looked up, so that a
        refusal says nothing of what the project holds (or whether it exists).
        """
        r = _ref(ref)
        if r.project is not None:
            self.access.require(permission, r.project, what)
            return r.project
        project = self._inner.get(r).project
        if not self.access.may_read(project):
            raise NotFound(
                f"There is no model {r.name!r} in the projects you may read; name its project "
                f"(project/{r.name})."
            )
        self.access.require(permission, project, what)
        return project

    def _version(self, ref: Any, permission: str, what: str) -> Version:
        """The version a reference names, after checking ``permission`` in its project (and,
        for an edit, that it is the principal's own version or they may edit any)."""
        # Every role reads, so checking the permission itself first refuses with the role to ask.
        self._project(ref, permission, what)
        version = self._inner.get(ref)
        self._require_on(version, permission, what)
        return version

    def _require_on(self, version: Version, permission: str, what: str) -> None:
        if self.access.may_on(version, permission):
            return
        self.access.require(permission, version.project, what)
        # Holding the permission in the project, they may use it on their own versions only.
        user = self.access.principal.name
        raise PermissionDenied(
            f"{user} may {permission} only their own versions in project "
            f"{version.project!r}, and {version.ref} is {version.author}'s. Ask its "
            f"author, or an owner of project {version.project}: mmds grant owner "
            f"--project {version.project} --user {user}"
        )

    def _readable_rows(self, frame: pd.DataFrame, project_of: Any) -> pd.DataFrame:
        if self.access.admin or frame.empty:
            return frame
        keep = frame.apply(lambda row: self.access.may_read(project_of(row)), axis=1)
        return frame[keep.astype(bool)].reset_index(drop=True)

    def _restrict(self, query: Query) -> Query:
        if query.project is not None:
            self.access.require(READ, query.project, "search")
        readable = self.access.readable()
        if readable is None:
            return query
        return dataclasses.replace(query, projects=tuple(readable))

    def _capture(self, project: str, what: str) -> bool:
        """Check that the principal may capture into ``project``; True when it is new."""
        if not isinstance(project, str):
            raise InvalidInput(f"project must be a name, not {project!r}.")
        if self._inner.identities().project_exists(project):
            self.access.require(TRACK, project, what)
            return False
        self.access.require(CREATE_PROJECT, None, f"create the project {project!r}")
        return True

    def _own_new_project(self, project: str) -> None:
        # The creator of a project owns it (and may grant roles in it).
        self._inner.identities().own_project(project)

    # -- capture ---------------------------------------------------------------------------------

    def track(
        self, model: Any, name: str | None = None, project: str = "default", **kwargs: Any
    ) -> Version:
        new = self._capture(project, "track")
        version = self._inner.track(model, name, project, **kwargs)
        if new:
            self._own_new_project(project)
        return version

    def track_file(
        self, sha256: str, name: str | None = None, project: str = "default", **kwargs: Any
    ) -> Version:
        new = self._capture(project, "track")
        version = self._inner.track_file(sha256, name, project, **kwargs)
        if new:
            self._own_new_project(project)
        return version

    def import_pmml(
        self, source: Any, name: str, project: str = "default", **kwargs: Any
    ) -> Version:
        new = self._capture(project, "import PMML")
        version = self._inner.import_pmml(source, name, project, **kwargs)
        if new:
            self._own_new_project(project)
        return version

    def import_version(self, record: dict[str, Any], model_file: bytes | None = None) -> Version:
        return self.import_versions([record], [model_file])[0]

    def import_versions(
        self, records: list[dict[str, Any]], model_files: list[bytes | None] | None = None
    ) -> list[Version]:
        if not isinstance(records, list):
            return self._inner.import_versions(records, model_files)  # refuses it
        projects = [
            (r.get("project") if isinstance(r, dict) else None) or "default" for r in records
        ]
        new = {p for p in dict.fromkeys(projects) if self._capture(p, "import a version")}
        if not self.access.admin:
            user = self.access.principal.name
            records = [_authored_by(r, user) if isinstance(r, dict) else r for r in records]
        versions = self._inner.import_versions(records, model_files)
        for project in sorted(new):
            self._own_new_project(project)
        for project, version in zip(projects, versions, strict=True):
            if version.project != project and version.project not in new:
                # An origin imported before answers its version, which may live elsewhere.
                self.access.require(READ, version.project, "read the version it was imported as")
        return versions

    def imported(self, origins: list[str]) -> dict[str, str]:
        self.access.require(LOGIN)
        found = self._inner.imported(origins)
        return {k: ref for k, ref in found.items() if self.access.may_read(parse_ref(ref).project)}

    def export_pmml(self, ref: Any, path: str | None = None) -> bytes:
        return self._inner.export_pmml(self._version(ref, SCORE, "export PMML"), path)

    # -- read ------------------------------------------------------------------------------------

    def get(self, ref: Any) -> Version:
        return self._version(ref, READ, "read")

    def load(self, ref: Any, trusted: bool = False) -> Any:
        return self._inner.load(self._version(ref, SCORE, "load the model"), trusted)

    def model_file(self, ref: Any) -> tuple[bytes, str]:
        return self._inner.model_file(self._version(ref, SCORE, "download the model file"))

    # -- model files arriving and leaving in pieces (the artifact routes, and track) ------------
    # An upload is a blob named by its hash that no version uses until a track names it, and
    # track checks the project; so any active user may upload (bounded by the server's size
    # limit; unused blobs go at the next gc). Reading a version's file is scoring it.

    def has_file(self, sha256: str) -> bool:
        return bool(self._inner.has_file(sha256))

    def receive_file(self, sha256: str) -> Any:
        return self._inner.receive_file(sha256)

    def open_model_file(self, ref: Any) -> Any:
        version = self._version(ref, SCORE, "download the model file")
        return self._inner.open_model_file(version)

    def tracking_once(self, key: str, request_sha256: str) -> GuardedRegistry:
        """This guard over a registry that tracks at most once under ``key``."""
        view = copy.copy(self)
        view._inner = self._inner.tracking_once(key, request_sha256)
        return view

    def query(self, **filters: Any) -> Query:
        return self._restrict(self._inner.query(**filters))

    def search(self, query: Query) -> tuple[list[dict[str, Any]], list[str]]:
        return self._inner.search(self._restrict(query))

    def count(self, query: Query, cap: int | None = None) -> int:
        return self._inner.count(self._restrict(query), cap)

    def vocabulary(self, query: Query, limit: int = 200) -> dict[str, list[str]]:
        return self._inner.vocabulary(self._restrict(query), limit)

    def find(self, **filters: Any) -> pd.DataFrame:
        from ..registry import Registry

        # Registry.find's own steps, through this registry's query and search.
        frame: pd.DataFrame = Registry.find(self, **filters)  # type: ignore[arg-type]
        return frame

    def compare(self, *refs: Any) -> Any:
        if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
            refs = tuple(refs[0])
        return self._inner.compare(*[self._version(r, READ, "compare") for r in refs])

    def evaluate(self, ref: Any, X: Any, y: Any, name: str, slices: Any = None) -> dict[str, Any]:
        version = self._version(ref, TRACK, "evaluate")
        return self._inner.evaluate(version, X, y, name, slices)

    def report(self, *refs: Any, kind: str | None = None, threshold: float = 0.5) -> Any:
        if len(refs) == 1 and isinstance(refs[0], (list, tuple)):
            refs = tuple(refs[0])
        versions = [self._version(r, READ, "report on") for r in refs]
        return self._inner.report(*versions, kind=kind, threshold=threshold)

    def lineage(self, ref: Any, depth: int = 3) -> Any:
        graph = self._inner.lineage(self._version(ref, READ, "read the lineage"), depth)
        if self.access.admin:
            return graph
        # Versions of projects the principal may not read are left out, with their edges.
        hidden = {
            key
            for key, node in graph.nodes.items()
            if node.kind == "version" and not self.access.may_read(_ref(node.label).project)
        }
        graph.nodes = {k: n for k, n in graph.nodes.items() if k not in hidden}
        graph.edges = [
            e
            for e in graph.edges
            if f"{e.src_kind}:{e.src_id}" not in hidden and f"{e.dst_kind}:{e.dst_id}" not in hidden
        ]
        return graph

    def datasets(self, ref: Any) -> list[dict[str, Any]]:
        return self._inner.datasets(self._version(ref, READ, "read"))

    def dataset(self, content_hash: str) -> dict[str, Any]:
        self.access.require(LOGIN)
        page = self._inner.dataset(content_hash)
        if self.access.admin:
            return page
        for key in ("trained_on", "tested_on"):
            page[key] = [v for v in page[key] if self.access.may_read(v["project"])]
        if not page["trained_on"] and not page["tested_on"]:
            # A data set only versions the caller may not read were trained or tested on is
            # not shown, as if it did not exist (its schema and statistics are theirs).
            raise no_such_dataset(content_hash.strip().lower())
        return page

    def children(self, ref: Any) -> list[str]:
        refs = self._inner.children(self._version(ref, READ, "read"))
        return [r for r in refs if self.access.may_read(_ref(r).project)]

    def events(
        self,
        ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: Any = None,
        limit: int | None = 100,
    ) -> pd.DataFrame:
        if ref:
            self._project(ref, READ, "read the events")
        if self.access.admin:
            return self._inner.events(ref, actor, action, since, limit)
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        # Events of unreadable projects (and of users, tokens, the server) are dropped: read
        # pages of growing size until `limit` readable events are found or the log ends.
        fetch = limit
        while True:
            frame = self._inner.events(ref, actor, action, since, fetch)
            keep = self._readable_rows(frame, lambda row: project_of_object(row["object_ref"]))
            if fetch is None or len(frame) < fetch or len(keep) >= (limit or 0):
                return keep.head(limit) if limit is not None else keep
            fetch = fetch * 8 if fetch < 100_000 else None

    def latest_event_id(self) -> int:
        if self.access.admin:
            return self._inner.latest_event_id()
        newest = self.events(limit=1)
        return int(newest["id"].iloc[0]) if len(newest) else 0

    def verify_events(self) -> int | None:
        return self._inner.verify_events()

    def verify_audit(self) -> dict[str, Any]:
        return self._inner.verify_audit()

    def audit_checkpoint(self) -> dict[str, Any]:
        self.access.require(ADMIN, None, "write an audit checkpoint")
        return self._inner.audit_checkpoint()

    def audit_export(self, since: Any = None, project: str | None = None) -> dict[str, Any]:
        # One project's events (the others' reduced to their hashes) for its readers; the
        # whole log for a server admin.
        if project is None:
            self.access.require(ADMIN, None, "export the whole audit log (name a project)")
        else:
            self.access.require(READ, project, "export the audit log")
        return self._inner.audit_export(since, project)

    def projects(self) -> pd.DataFrame:
        return self._readable_rows(self._inner.projects(), lambda row: row["name"])

    def models(self, project: str | None = None) -> pd.DataFrame:
        if project:
            self.access.require(READ, project, "list the models")
        return self._readable_rows(self._inner.models(project), lambda row: row["project"])

    # -- change ----------------------------------------------------------------------------------

    def alias(
        self,
        ref: Any,
        alias: str,
        force: bool = False,
        reason: str | None = None,
        request: int | None = None,
    ) -> Version:
        what = f"set the alias {alias!r}"
        version = self._version(ref, alias_permission(alias), what)
        return self._inner.alias(version, alias, force, reason, request)

    def set_aliases(
        self,
        moves: dict[str, Any],
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> list[Version]:
        # Each move is checked as one alias() call would be, before any is made.
        checked: dict[str, Any] = {}
        for key, ref in moves.items() if isinstance(moves, dict) else []:
            alias = _ref(key).alias if isinstance(key, str) else None
            what = f"set the alias {alias!r}"
            checked[key] = self._version(ref, alias_permission(alias or ""), what)
        return self._inner.set_aliases(checked or moves, reason, force, request)

    def rollback(
        self,
        ref: str,
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> Version:
        # Rolling back is moving the alias: the same permission, on the model's project (the
        # version it returns to is that project's too).
        alias = _ref(ref).alias or ""
        self._project(ref, alias_permission(alias), f"roll back the alias {alias!r}")
        return self._inner.rollback(ref, reason, force, request)

    def alias_history(self, ref: str, alias: str | None = None) -> pd.DataFrame:
        self._project(ref, READ, "read the alias history")
        return self._inner.alias_history(ref, alias)

    def alias_at(self, ref: str, at: Any) -> Any:
        self._project(ref, READ, "read the alias history")
        return self._inner.alias_at(ref, at)

    def set_stage(
        self, ref: Any, stage: str, reason: str | None = None, force: bool = False
    ) -> Version:
        from ..entities import STAGES

        version = self._version(ref, READ, "change the stage")
        if stage in STAGES:  # an unknown stage is the registry's error (400)
            for permission in sorted(stage_permissions(version.stage, stage)):
                what = f"move {version.ref} from {version.stage} to {stage}"
                self._require_on(version, permission, what)
        return self._inner.set_stage(version, stage, reason, force)

    def tag(self, ref: Any, tags: dict[str, Any]) -> Version:
        return self._inner.tag(self._version(ref, EDIT, "tag"), tags)

    def untag(self, ref: Any, *keys: str) -> Version:
        return self._inner.untag(self._version(ref, EDIT, "untag"), *keys)

    def describe(self, ref: Any, text: str | None) -> Version:
        return self._inner.describe(self._version(ref, EDIT, "describe"), text)

    # -- archive and retention -------------------------------------------------------------

    def archive(self, ref: Any, reason: str | None = None, force: bool = False) -> Version:
        version = self._version(ref, ARCHIVE, "archive")
        for permission in sorted(stage_permissions(version.stage, "archived")):
            self._require_on(version, permission, f"archive {version.ref}")
        return self._inner.archive(version, reason, force)

    def restore(self, ref: Any, reason: str | None = None) -> Version:
        return self._inner.restore(self._version(ref, ARCHIVE, "restore from the archive"), reason)

    def hold(self, ref: Any, reason: str) -> dict[str, Any]:
        return self._inner.hold(self._version(ref, ARCHIVE, "put under legal hold"), reason)

    def release(self, ref: Any, reason: str | None = None) -> dict[str, Any]:
        return self._inner.release(self._version(ref, ARCHIVE, "release a legal hold"), reason)

    def purge(self, ref: Any, reason: str) -> dict[str, Any]:
        return self._inner.purge(self._version(ref, PURGE, "purge"), reason)

    def archive_due(self) -> list[dict[str, Any]]:
        self.access.require(ADMIN, None, "run the retention sweep of every project")
        return self._inner.archive_due()

    # -- tasks -------------------------------------------------------------------------------

    def _task_project(self, ref: Any, permission: str, what: str) -> str:
        if isinstance(ref, str) and ref and "/" not in ref:
            self.access.require(permission, ref, what)
            return ref
        return self._project(ref, permission, what)

    def add_task(self, ref: str, title: str, **fields: Any) -> dict[str, Any]:
        self._task_project(ref, EDIT, "add a task")
        return self._inner.add_task(ref, title, **fields)

    def tasks(
        self, ref: str | None = None, mine: bool = False, status: str | None = None
    ) -> pd.DataFrame:
        if ref is not None:
            self._task_project(ref, READ, "read the tasks")
            return self._judging().tasks(ref, mine, status)
        found = self._judging().tasks(None, mine, status)
        return self._readable_rows(found, lambda row: row["project"])

    def complete_task(
        self, task_id: int, comment: str | None = None, attachment: str | None = None
    ) -> dict[str, Any]:
        n = whole_number("task id", task_id, 1)
        self.access.require(READ, self._inner.task_store.get(n)["project"], "complete a task")
        return self._judging().complete_task(n, comment, attachment)

    # -- webhooks ----------------------------------------------------------------------------

    def add_webhook(
        self, project: str, url: str, events: list[str], secret: str | None = None
    ) -> dict[str, Any]:
        self.access.require(GRANT, project, "add a webhook")
        return self._inner.add_webhook(project, url, events, secret)

    def webhooks(self, project: str | None = None) -> list[dict[str, Any]]:
        if project is not None:
            self.access.require(READ, project, "list the webhooks")
        return [w for w in self._inner.webhooks(project) if self.access.may_read(w["project"])]

    def _webhook(self, webhook_id: int, permission: str, what: str) -> int:
        n = whole_number("webhook id", webhook_id, 1)
        project = self._inner.webhook_store.get(n, include_removed=True)["project"]
        self.access.require(permission, project, what)
        return n

    def remove_webhook(self, webhook_id: int) -> dict[str, Any]:
        return self._inner.remove_webhook(self._webhook(webhook_id, GRANT, "remove a webhook"))

    def webhook_deliveries(
        self, webhook_id: int, status: str | None = None
    ) -> list[dict[str, Any]]:
        n = self._webhook(webhook_id, READ, "list a webhook's deliveries")
        return self._inner.webhook_deliveries(n, status)

    def deliver_webhooks(self) -> dict[str, int]:
        self.access.require(ADMIN, None, "deliver the webhooks of every project")
        return self._inner.deliver_webhooks()

    def gc(self, older_than: float | None = None) -> list[dict[str, Any]]:
        self.access.require(ADMIN, None, "collect the artifact store's garbage")
        return self._inner.gc(older_than)

    # -- consumers -------------------------------------------------------------------------------

    def add_consumer(
        self,
        ref: str,
        application: str,
        owner: str | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        self._project(ref, SCORE, "register a consumer")
        return self._inner.add_consumer(ref, application, owner, purpose)

    def consumers(self, ref: str | None = None, include_ended: bool = False) -> pd.DataFrame:
        if ref is not None:
            self._project(ref, READ, "read the consumers")
            return self._inner.consumers(ref, include_ended)
        return self._readable_rows(
            self._inner.consumers(None, include_ended), lambda row: _ref(row["reference"]).project
        )

    def end_consumer(self, consumer_id: int, reason: str | None = None) -> dict[str, Any]:
        n = whole_number("consumer id", consumer_id, 1)
        found = self._inner.consumers(None, include_ended=True)
        match = found[found["id"] == n]
        if match.empty or not self.access.may_read(_ref(match["reference"].iloc[0]).project):
            raise NotFound(f"There is no consumer {n} in the projects you may read.")
        self._project(match["reference"].iloc[0], SCORE, "end a consumer")
        return self._inner.end_consumer(n, reason)

    # -- scoring ---------------------------------------------------------------------------------

    def contract(
        self,
        ref: Any,
        update: dict[str, Any] | None = None,
        policy: str | None = None,
        strict: bool | None = None,
    ) -> Any:
        editing = update is not None or policy is not None or strict is not None
        permission, what = (EDIT, "edit the contract") if editing else (SCORE, "read the contract")
        return self._inner.contract(self._version(ref, permission, what), update, policy, strict)

    def score(self, ref: Any, data: Any, mode: str = "test", **kwargs: Any) -> Any:
        self._version(ref, SCORE, "score")
        if kwargs.get("run_id") is not None:
            kwargs["run_id"] = self._own_running_run(kwargs["run_id"])
        # The reference as given (an alias stays an alias: production scoring records the
        # consumer's binding); it cannot leave the project just checked.
        return self._inner.score(ref, data, mode, **kwargs)

    def _own_running_run(self, run_id: Any) -> int:
        """The scheduler run a scoring call says it belongs to, once it is a running run of a
        job the principal owns: a run's kernel acts as its job's owner, and the run decides
        the score set's run and the consumer's binding (the alias the job named)."""
        n = whole_number("run_id", run_id, 1, MAX_ID)
        jobs = self._inner.job_store()
        run = jobs.run(n)
        user = self.principal.name
        with contextlib.suppress(NotFound):  # a deleted job's run is no one's
            if run.status == "running" and jobs.job(run.job)[0].created_by == user:
                return n
        raise PermissionDenied(
            f"{user} may not score as run {n} (job {run.job}, {run.status}): only a running "
            "run of the caller's own job may be named; a scheduled run's kernel names its own "
            "($MMDS_RUN_ID). Leave run_id out to score as yourself."
        )

    def scores(
        self, ref: Any | None = None, run_id: int | None = None, limit: int | None = 100
    ) -> pd.DataFrame:
        if ref is not None:
            self._project(ref, READ, "read the score sets")
            return self._inner.scores(ref, run_id, limit)
        if self.access.admin:
            return self._inner.scores(None, run_id, limit)
        if limit is not None:
            limit = whole_number("limit", limit, 1)
        frame = self._readable_rows(
            self._inner.scores(None, run_id, None), lambda row: _ref(row["ref"]).project
        )
        return frame.head(limit) if limit is not None else frame

    def load_scores(self, score_set_id: int) -> pd.DataFrame:
        ref = self._inner.score_set_ref(score_set_id)
        if ref is None:  # the version is gone: only an admin reads what is left
            self.access.require(ADMIN, None, "read a score set of no version")
        else:
            self._project(ref, READ, "read the score set")
        return self._inner.load_scores(score_set_id)

    def add_actuals(self, model: str, data: Any, key: str, target: str) -> Any:
        self._project(model, SCORE, "record actuals")
        return self._inner.add_actuals(model, data, key, target)

    def performance(
        self, model: str, window: str | int | None = None, slice: str | None = None
    ) -> pd.DataFrame:
        self._project(model, READ, "read the performance")
        return self._inner.performance(model, window, slice)

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
        self._project(model, EDIT, "define the monitor")
        return self._inner.set_monitor(
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
        self._project(model, SCORE, "check the monitor")
        return self._inner.check_monitor(model)

    def alerts(self, model: str | None = None, status: str | None = None) -> pd.DataFrame:
        if model is not None:
            self._project(model, READ, "read the alerts")
            return self._inner.alerts(model, status)
        return self._readable_rows(
            self._inner.alerts(None, status), lambda row: _ref(row["model"]).project
        )

    def _alert_model(self, alert_id: int) -> str:
        n = whole_number("alert id", alert_id, 1)
        found = self._inner.alerts(None, None)
        match = found[found["id"] == n] if len(found) else found
        if match.empty or not self.access.may_read(_ref(match["model"].iloc[0]).project):
            raise NotFound(f"There is no alert {n} in the projects you may read.")
        return str(match["model"].iloc[0])

    def acknowledge_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        self._project(self._alert_model(alert_id), SCORE, "acknowledge an alert")
        return self._inner.acknowledge_alert(alert_id, note)

    def resolve_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        self._project(self._alert_model(alert_id), SCORE, "resolve an alert")
        return self._inner.resolve_alert(alert_id, note)

    def set_retrain(self, model: str, notebook: str, **options: Any) -> dict[str, Any]:
        self._project(model, JOBS, "define the retraining")
        return self._inner.set_retrain(model, notebook, **options)

    def retrain_definition(self, model: str) -> dict[str, Any]:
        self._project(model, READ, "read the retraining")
        return self._inner.retrain_definition(model)

    def retrain(self, model: str, reason: str | None = None) -> Run:
        self._project(model, JOBS, "retrain the model")
        return self._inner.retrain(model, reason)

    def champion_challenger(
        self, model: str, champion: str = "champion", challenger: str = "challenger"
    ) -> dict[str, Any]:
        self._project(model, READ, "compare champion and challenger")
        return self._inner.champion_challenger(model, champion, challenger)

    def monitor(self, model: str) -> Any:
        self._project(model, READ, "read the monitoring")
        return self._inner.monitor(model)

    def baseline(self, ref: Any) -> dict[str, Any]:
        self._project(ref, READ, "read the baseline")
        return self._inner.baseline(ref)

    def drift(
        self,
        ref: Any = None,
        data: Any = None,
        score_set: int | None = None,
        min_rows: int | None = None,
    ) -> Any:
        # the score set must belong to the model of ``ref`` (checked by the registry)
        from ..monitoring.service import check_request

        check_request(ref, data, score_set)
        self._project(ref, READ, "read the drift")
        return self._inner.drift(ref, data, score_set, min_rows)

    def create_scoring_test(self, ref: Any, inputs: Any, expected: Any, **kwargs: Any) -> Any:
        version = self._version(ref, VALIDATE, "create a scoring test")
        return self._inner.create_scoring_test(version, inputs, expected, **kwargs)

    def run_scoring_tests(self, ref: Any, name: str | None = None) -> list[dict[str, Any]]:
        version = self._version(ref, VALIDATE, "run the scoring tests")
        return self._inner.run_scoring_tests(version, name)

    def permissions(self, ref: Any) -> dict[str, Any]:
        version = self._version(ref, READ, "read")
        return allowed_on_version(
            version.ref,
            self.access.principal.name,
            version.stage,
            lambda permission: self.access.may_on(version, permission),
        )

    def scoring_test_results(self, ref: Any, limit: int = 20) -> pd.DataFrame:
        return self._inner.scoring_test_results(self._version(ref, READ, "read"), limit)

    # -- jobs ------------------------------------------------------------------------------------

    @property
    def jobs(self) -> GuardedScheduler:
        from ..scheduler import Scheduler

        return GuardedScheduler(Scheduler(self._inner, self._scheduler_config), self)

    # -- governance: who may ask and see here; whose approval counts is the template's ---------

    def _judging(self) -> Registry:
        """The registry acting with this principal's standing (permissions and groups in a
        project), which the approval gates of a template read."""
        access = self.access
        every = frozenset().union(*ROLES.values())

        def standing(project: str) -> tuple[frozenset[str], frozenset[str]]:
            held = every if access.admin else frozenset(access.by_project.get(project, ()))
            return held, frozenset(access.principal.groups)

        view = copy.copy(self._inner)
        view.standing = standing
        return view

    def save_template(self, source: str) -> dict[str, Any]:
        self.access.require(ADMIN, None, "save a life-cycle template")
        return self._inner.save_template(source)

    def bind_template(self, project: str, template: str = "default") -> dict[str, Any]:
        if not isinstance(project, str):
            raise InvalidInput(f"project must be a name, not {project!r}.")
        self.access.require(GRANT, project, "bind a life-cycle template")
        return self._inner.bind_template(project, template)

    def templates(self) -> list[dict[str, Any]]:
        found = self._inner.templates()
        return [
            {**t, "projects": [p for p in t["projects"] if self.access.may_read(p)]} for t in found
        ]

    def request(self, ref: Any, stage: str, comment: str | None = None) -> Any:
        version = self._version(ref, EDIT, "request a stage move")
        return self._judging().request(version, stage, comment)

    def _decide(self, verdict: str, request_id: int, comment: str | None) -> Any:
        rid = whole_number("request_id", request_id, 1)
        ref = self._inner.governance_store.request(rid)["ref"]
        self._project(ref, READ, f"{verdict} a request")
        judge = self._judging()
        return judge.approve(rid, comment) if verdict == "approve" else judge.reject(rid, comment)

    def approve(self, request_id: int, comment: str | None = None) -> Any:
        return self._decide("approve", request_id, comment)

    def reject(self, request_id: int, comment: str | None = None) -> Any:
        return self._decide("reject", request_id, comment)

    def requests(
        self, ref: str | None = None, status: str | None = "open", waiting_for_me: bool = False
    ) -> list[Any]:
        if ref is not None:
            self._project(ref, READ, "list the requests")
        found = self._judging().requests(ref, status, waiting_for_me)
        return [r for r in found if self.access.may_read(r.ref.split("/", 1)[0])]

    def evidence_file(self, ref: Any, evidence_id: int) -> dict[str, Any]:
        return self._inner.evidence_file(self._version(ref, READ, "read"), evidence_id)

    def review_state(self, ref: Any) -> dict[str, Any] | None:
        return self._inner.review_state(self._version(ref, READ, "read"))

    def attach(self, ref: Any, kind: str, text: str, name: str | None = None) -> dict[str, Any]:
        version = self._version(ref, VALIDATE, "attach evidence")
        return self._inner.attach(version, kind, text, name)

    # -- grants ----------------------------------------------------------------------------------

    def _require_grant(self, role: str, project: str | None) -> None:
        if role == ADMIN_ROLE or project is None:
            self.access.require(ADMIN, None, "grant the admin role")
        else:
            self.access.require(GRANT, project, "grant roles")

    def grant(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        self._require_grant(role, project)
        return self._inner.identities().grant(role, project, user, group)

    def revoke(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        self._require_grant(role, project)
        return self._inner.identities().revoke(role, project, user, group)

    def grants(self, project: str | None = None) -> list[Grant]:
        if project is not None:
            self.access.require(GRANT, project, "list the grants")
        found = self._inner.identities().grants(project)
        if self.access.admin:
            return found
        return [g for g in found if g.project and self.access.may(GRANT, g.project)]


def job_projects(registry: Registry, keys: Iterable[str], parameters: Any) -> set[str]:
    """The projects a job belongs to: those its model-reference parameters (``keys``) name."""
    projects = set()
    for key in keys:
        if isinstance(parameters, dict) and key in parameters:
            try:
                r = _ref(str(parameters[key]))
                projects.add(r.project or registry.get(r).project)
            except MMDSError:
                continue  # the scheduler refuses a reference that names nothing
    return projects


class GuardedScheduler:
    """Jobs and runs for one principal. A job belongs to the projects that its model-reference
    parameters name (``model_ref``); a job naming no model belongs to the server (admin)."""

    def __init__(self, scheduler: Scheduler, guard: GuardedRegistry):
        self._inner = scheduler
        self.registry = guard
        self.config = scheduler.config

    def _projects(self, parameters: Any) -> set[str]:
        return job_projects(self.registry._inner, self.config.model_ref_parameters, parameters)

    def _require(self, parameters: Any, permission: str, what: str) -> set[str]:
        """The projects of a job's parameters, once ``permission`` is checked on each."""
        projects = self._projects(parameters)
        if not projects:
            self.registry.access.require(ADMIN, None, f"{what} (a job that names no model)")
        for project in sorted(projects):
            self.registry.access.require(permission, project, what)
        return projects

    def _holds(self, permission: str, projects: set[str]) -> bool:
        """Whether the principal holds ``permission`` on every project of a job (admin: any)."""
        access = self.registry.access
        return access.admin or bool(projects) and all(access.may(permission, p) for p in projects)

    def _job(self, name: str, permission: str, what: str) -> tuple[Any, set[str]]:
        job = self._inner.get(name)
        return job, self._require(job.parameters, permission, what)

    def _as_seen(self, job: Any, projects: set[str]) -> Any:
        """The job with whether this principal may change it (the panel offers its buttons
        only then)."""
        return dataclasses.replace(job, may_change=self._holds(JOBS, projects))

    def create(self, name: str, notebook: str, **kwargs: Any) -> Any:
        if kwargs.get("replace"):  # changing a job needs JOBS where it is now, too
            with contextlib.suppress(NotFound):
                self._job(name, JOBS, f"change the job {name!r}")
        projects = self._require(kwargs.get("parameters"), JOBS, "create a job")
        return self._as_seen(self._inner.create(name, notebook, **kwargs), projects)

    def update(self, name: str, /, **changes: Any) -> Any:
        what = f"change the job {name!r}"
        projects: set[str] = set()

        def may_change(stored: Any) -> None:
            # JOBS where the job is now, and where its (changed or kept) parameters put it,
            # checked on the job as it is under the update's lock: a change of its parameters
            # landing meanwhile cannot move it out of the caller's projects unseen.
            self._require(stored.parameters, JOBS, what)
            projects.update(self._require(changes.get("parameters", stored.parameters), JOBS, what))

        return self._as_seen(self._inner.update(name, may_change=may_change, **changes), projects)

    def notebooks(self) -> list[dict[str, Any]]:
        # The server's notebook names and parameters: for anyone who may read some project.
        access = self.registry.access
        if not (access.admin or access.readable()):
            access.require(READ, None, "see the notebooks a job can run")
        return self._inner.notebooks()

    def schedulers(self) -> list[dict[str, Any]]:
        # Whether queued runs can start is everyone's to know (no project's data in it).
        return self._inner.schedulers()

    def list(self) -> list[Any]:
        seen = []
        for job in self._inner.list():
            projects = self._projects(job.parameters)  # once per job: it may look a model up
            if self._holds(READ, projects):
                seen.append(self._as_seen(job, projects))
        return seen

    def get(self, name: str) -> Any:
        return self._as_seen(*self._job(name, READ, f"see the job {name!r}"))

    def pause(self, name: str) -> Any:
        _, projects = self._job(name, JOBS, f"pause the job {name!r}")
        return self._as_seen(self._inner.pause(name), projects)

    def resume(self, name: str) -> Any:
        _, projects = self._job(name, JOBS, f"resume the job {name!r}")
        return self._as_seen(self._inner.resume(name), projects)

    def delete(self, name: str) -> Any:
        _, projects = self._job(name, JOBS, f"delete the job {name!r}")
        return self._as_seen(self._inner.delete(name), projects)

    def run(self, name: str) -> Any:
        self._job(name, JOBS, f"run the job {name!r}")
        return self._inner.run(name)

    def runs(
        self, job: str | None = None, status: str | None = None, limit: int | None = 50
    ) -> Any:
        if job is not None:
            self.get(job)
            return self._inner.runs(job, status, limit)
        visible = {j.name for j in self.list()}
        return [r for r in self._inner.runs(None, status, None) if r.job in visible][:limit]

    def get_run(self, run_id: int) -> Any:
        run = self._inner.get_run(run_id)
        try:
            self.get(run.job)
        except NotFound:  # a deleted job's run: the projects its parameters named decide
            self._require(run.parameters, READ, f"see run {run.id} of a deleted job")
        return run

    def cancel_run(self, run_id: int) -> Any:
        run = self._inner.get_run(run_id)
        self._job(run.job, JOBS, f"cancel run {run.id}")
        return self._inner.cancel_run(run_id)

    def score_sets(self, run_id: int) -> Any:
        self.get_run(run_id)
        return self._inner.score_sets(run_id)


def _authored_by(record: dict[str, Any], user: str) -> dict[str, Any]:
    """``record`` as authored by ``user``: on a server, only an admin may import a version
    under another author's name (an author edits their own versions, and may not approve
    them), so anyone else's import keeps the tool's user as ``source_user`` instead."""
    provenance = record.get("provenance")
    if not isinstance(provenance, dict) or provenance.get("user") in (None, user):
        return record
    moved = {k: v for k, v in provenance.items() if k != "user"}
    moved["source_user"] = provenance["user"]
    return {**record, "provenance": moved}
