"""Who may do what on `mmds server`: THE permission table of team mode (one place).

A user holds roles per project, granted to them or to one of their groups
(``mmds grant ROLE --project P --user U|--group G``); a role is a set of permissions, and
every operation of the registry service (the names of :mod:`mmds_jupyter.service` and of
``x-mmds-operation`` in openapi.json) needs one permission on the project it touches.
:mod:`.guard` enforces this table on the server; an operation missing here is refused.

On a laptop (no server) nothing is checked: every role is the user's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..entities import STAGES

# -- permissions -------------------------------------------------------------------------------
READ = "read"  # see a project's models, versions, events, lineage, scores
SCORE = "score"  # score with a model, see its contract and model file, record actuals
TRACK = "track"  # track (capture) new versions into an existing project
EDIT = "edit"  # tag, untag, describe, alias (not champion), edit the contract: own versions
EDIT_ANY = "edit_any"  # the same on anyone's versions
JOBS = "jobs"  # create, run, pause and resume scheduled jobs of the project
VALIDATE = "validate"  # scoring tests; move versions to and out of `validation`
APPROVE = "approve"  # move to/out of `production` (and `retired`); set `@champion`
ARCHIVE = "archive"  # move to/out of `archived`, restore, legal hold and release
PURGE = "purge"  # delete a retired or archived version's files for good (owner only)
GRANT = "grant"  # grant and revoke roles in the project, list its grants
# Server-wide permissions (not of a project).
LOGIN = "login"  # any active user: what reveals nothing of any project
CREATE_PROJECT = "create_project"  # track into a project that does not exist yet (becomes owner)
ADMIN = "admin"  # everything, everywhere: gc, jobs of no project, grants anywhere

ROLES: dict[str, frozenset[str]] = {
    "viewer": frozenset({READ}),
    "consumer": frozenset({READ, SCORE}),
    "modeller": frozenset({READ, SCORE, TRACK, EDIT, JOBS}),
    "validator": frozenset({READ, VALIDATE}),
    "approver": frozenset({READ, APPROVE}),
    "owner": frozenset(
        {READ, SCORE, TRACK, EDIT, EDIT_ANY, JOBS, VALIDATE, APPROVE, ARCHIVE, PURGE, GRANT}
    ),
}
# The server-wide role (granted with no project): every permission on every project.
ADMIN_ROLE = "admin"
# Every active user may create a project (and so owns the projects they start).
EVERY_USER: frozenset[str] = frozenset({LOGIN, CREATE_PROJECT})

# Operation -> the permission it needs on the project it touches. Some depend on the call:
# `set_stage` (see STAGE_ENTER/STAGE_LEAVE), `alias` (champion is approval), `contract` (an
# edit needs EDIT), `track`/`import_pmml` (a new project needs CREATE_PROJECT). Listing
# operations (projects, models, search, events, ...) need READ and show only readable projects.
OPERATIONS: dict[str, str] = {
    # capture
    "track": TRACK,
    "import_pmml": TRACK,
    "import_version": TRACK,
    "import_versions": TRACK,
    "imported": LOGIN,  # answers only the versions of projects the caller may read
    "export_pmml": SCORE,
    # read
    "get": READ,
    "load": SCORE,
    "model_file": SCORE,
    "query": LOGIN,
    "search": READ,
    "count": READ,
    "vocabulary": READ,
    "find": READ,
    "compare": READ,
    "lineage": READ,
    "datasets": READ,
    "children": READ,
    "dataset": LOGIN,  # answers only the versions of projects the caller may read
    "events": READ,
    "latest_event_id": READ,
    "verify_events": LOGIN,
    "verify_audit": LOGIN,
    "audit_checkpoint": ADMIN,
    "audit_export": READ,  # of the project exported; the whole log: ADMIN
    "projects": READ,
    "models": READ,
    # change
    "alias": EDIT,
    "set_aliases": EDIT,
    "rollback": EDIT,
    "alias_history": READ,
    "alias_at": READ,
    "set_stage": EDIT,
    "tag": EDIT,
    "untag": EDIT,
    "describe": EDIT,
    "gc": ADMIN,
    # archive and retention (governance/retention.py)
    "archive": ARCHIVE,
    "restore": ARCHIVE,
    "hold": ARCHIVE,
    "release": ARCHIVE,
    "purge": PURGE,
    "archive_due": ADMIN,
    # webhooks: a project's owner sends its events out; its readers see where to
    "add_webhook": GRANT,
    "webhooks": READ,
    "remove_webhook": GRANT,
    "webhook_deliveries": READ,
    "deliver_webhooks": ADMIN,
    # tasks (who may complete one is the task's: its assignee, group, or an owner)
    "add_task": EDIT,
    "tasks": READ,
    "complete_task": READ,
    # consumers (declaring a use is a consumer's own call)
    "add_consumer": SCORE,
    "consumers": READ,
    "end_consumer": SCORE,
    # scoring
    "contract": SCORE,
    "score": SCORE,
    "scores": READ,
    "load_scores": READ,
    "add_actuals": SCORE,
    "performance": READ,
    "baseline": READ,
    # reports (an evaluation adds evidence to a version, as a capture does)
    "evaluate": TRACK,
    "report": READ,
    "drift": READ,
    # monitoring (a check records alerts, as storing scores does)
    "set_monitor": EDIT,
    "check_monitor": SCORE,
    "alerts": READ,
    "acknowledge_alert": SCORE,
    "resolve_alert": SCORE,
    "champion_challenger": READ,
    "monitor": READ,
    "set_retrain": JOBS,  # it creates (or changes) the job that runs the notebook
    "retrain_definition": READ,
    "retrain": JOBS,
    "create_scoring_test": VALIDATE,
    "run_scoring_tests": VALIDATE,
    "scoring_test_results": READ,
    "permissions": READ,  # what the caller may do to a version (what the panel offers)
    # jobs (of the projects their model-reference parameters name)
    "jobs": JOBS,
    # governance (whose approval counts is the template's: governance/gates.py)
    "save_template": ADMIN,
    "bind_template": GRANT,
    "templates": LOGIN,
    "request": EDIT,
    "approve": READ,
    "reject": READ,
    "requests": READ,
    "review_state": READ,
    "attach": VALIDATE,
    "evidence_file": READ,
    # grants
    "grant": GRANT,
    "revoke": GRANT,
    "grants": GRANT,
}

# Moving a version needs the permission of the stage it enters and of the stage it leaves.
STAGE_ENTER = {
    "development": EDIT,
    "validation": VALIDATE,
    "production": APPROVE,
    "retired": APPROVE,
    "archived": ARCHIVE,
}
STAGE_LEAVE: dict[str, str | None] = {
    "development": None,
    "validation": None,
    "production": APPROVE,
    "retired": APPROVE,
    "archived": ARCHIVE,
}
# Aliases that only an approver may set.
APPROVED_ALIASES = ("champion",)
# Permissions that edit a version: held as EDIT, they apply to the holder's own versions only.
OWN_VERSIONS = {EDIT: EDIT_ANY}


def stage_permissions(current: str, target: str) -> frozenset[str]:
    """What moving a version from ``current`` to ``target`` needs.

    A validator sends a version back from validation to development (their call, not the
    modeller's); otherwise entering development is an edit by its author.
    """
    enter = VALIDATE if (current, target) == ("validation", "development") else STAGE_ENTER[target]
    leave = STAGE_LEAVE.get(current)
    return frozenset({enter} | ({leave} if leave else set()))


def alias_permission(alias: str) -> str:
    return APPROVE if alias in APPROVED_ALIASES else EDIT


def smallest_role(permission: str) -> str:
    """The role to grant for one permission (the first, smallest role that holds it)."""
    if permission in (ADMIN, CREATE_PROJECT, LOGIN):
        return ADMIN_ROLE
    return min(
        (r for r, perms in ROLES.items() if permission in perms),
        key=lambda r: (len(ROLES[r]), list(ROLES).index(r)),
    )


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a user name, the groups they belong to, and whether they are a
    server admin. An identity provider fills it in: groups of `mmds groups` (from the store)
    and, with JupyterHub, the user's Hub groups (set on the jupyter_server ``User`` object as
    ``groups``, see server/hub_auth.HubUser); ``admin`` comes from an `admin` grant.
    ``projects`` is the limit of the token the request came with (a scheduled run's token acts
    in its job's projects only); None: no limit beyond the user's roles."""

    name: str
    groups: frozenset[str] = field(default_factory=frozenset)
    admin: bool = False
    projects: frozenset[str] | None = None


def project_of_object(object_ref: str) -> str | None:
    """The project an audit event's object belongs to (None: a user, a token, a job, a run)."""
    if object_ref.startswith("project:"):
        return object_ref.split(":", 1)[1]
    head, slash, _ = object_ref.partition("/")
    if slash and ":" not in head:
        return head
    return None


def required(
    operation: str,
    method: str = "POST",
    *,
    stage: tuple[str, str] | None = None,
    alias: str | None = None,
    editing: bool = False,
) -> frozenset[str]:
    """The project permissions one call of ``operation`` needs (empty: any active user).

    ``stage`` is (current, target) of a ``set_stage``; ``alias`` the alias an ``alias`` call
    sets; ``editing`` whether a ``contract`` call changes the contract. Reading jobs and runs
    (a GET) needs READ; changing them, JOBS.
    """
    if operation == "set_stage" and stage is not None:
        return stage_permissions(*stage)
    if operation in ("alias", "set_aliases", "rollback") and alias is not None:
        return frozenset({alias_permission(alias)})
    if operation == "contract" and editing:
        return frozenset({EDIT})
    if operation == "jobs" and method.upper() == "GET":
        return frozenset({READ})
    base = OPERATIONS[operation]
    return frozenset() if base == LOGIN else frozenset({base})


def allowed_on_version(
    ref: str, user: str, stage: str, may: Callable[[str], bool]
) -> dict[str, Any]:
    """What ``user`` may do to the version ``ref`` (now in ``stage``), given ``may``: whether
    they hold a permission on it (the guard's check; on a laptop, always).

    ``operations``: the operations whose permission (:func:`required`) they hold there;
    ``stages``: the stages they may move it to; ``aliases``: for each alias that needs a role
    of its own (``champion``), whether they may set it.
    """

    def holds(perms: frozenset[str]) -> bool:
        return all(may(p) for p in perms)

    return {
        "ref": ref,
        "user": user,
        "operations": sorted(op for op in OPERATIONS if holds(required(op))),
        "stages": [
            s for s in STAGES if s != stage and holds(required("set_stage", stage=(stage, s)))
        ],
        "aliases": {a: holds(required("alias", alias=a)) for a in APPROVED_ALIASES},
    }
