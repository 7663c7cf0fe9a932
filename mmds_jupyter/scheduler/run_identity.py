"""Team mode of the scheduler: a run's notebook acts as its job's owner, through `mmds server`.

With ``MMDSScheduler.server_url`` set (``mmds scheduler --server-url URL``) the kernel of a run
gets ``MMDS_URL=<the server>`` and ``MMDS_TOKEN=<a token minted for this run>``, never the
database URL or the artifact root. The token belongs to the job's owner (``created_by``), is
limited to the job's projects (those its model-reference parameters name), expires after the
job's timeout plus a margin (or a few hours), and is revoked when the run ends. Before each run
the owner is checked: a disabled owner, or one who no longer holds the ``jobs`` permission in
a project of the job, fails the run at once with :class:`JobOwnerRefused`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..auth.guard import Access, job_projects
from ..auth.identities import now_utc
from ..auth.permissions import ADMIN_ROLE, JOBS, Principal, smallest_role
from ..refs import MAX_NAME
from .errors import JobOwnerRefused

if TYPE_CHECKING:
    from ..registry import Registry
    from .entities import Job

# A run token outlives its job's timeout by this much (the runner revokes it sooner).
MARGIN_S = 600.0
# How long the token of a run with no timeout lives.
NO_TIMEOUT_S = 6 * 3600.0
# A run token that no longer lets anyone in is listed (`mmds tokens list`) this long after it
# was revoked or expired, then deleted (its events stay): one token per run would pile up.
KEEP_ENDED_S = 24 * 3600.0


def check_owner(registry: Registry, job: Job, keys: list[str]) -> frozenset[str] | None:
    """The projects the run's token is limited to, once the job's owner may still run it
    (None: a job naming no model, which only a server admin's may be, acts unlimited)."""
    owner = job.created_by
    users = {u.name: u for u in registry.identities().users()}
    again = "or re-create the job as a user who may run it"
    if owner not in users:
        raise JobOwnerRefused(
            f"Job {job.name}'s owner {owner} is not a user of mmds server, so the job cannot "
            f"run in team mode: add the user (`mmds users add {owner}`) {again}."
        )
    if users[owner].disabled:
        raise JobOwnerRefused(
            f"Job {job.name}'s owner {owner} is disabled, so the job no longer runs: ask a "
            f"server admin to enable {owner} again, {again}."
        )
    projects = job_projects(registry, keys, job.parameters)
    access = Access.of(registry, Principal(name=owner))
    if not projects:
        if not access.admin:
            raise JobOwnerRefused(
                f"Job {job.name} names no model, so it is a server admin's job, and its owner "
                f"{owner} is no longer a server admin: ask one to grant it "
                f"(`mmds grant {ADMIN_ROLE} --user {owner}`), {again}."
            )
        return None
    role = smallest_role(JOBS)
    for project in sorted(projects):
        if not access.may(JOBS, project):
            raise JobOwnerRefused(
                f"Job {job.name}'s owner {owner} may no longer run jobs in project {project}: "
                f"ask an owner of project {project} to grant it "
                f"(`mmds grant {role} --project {project} --user {owner}`), {again}."
            )
    return frozenset(projects)


# Every run token's name starts so (``token_name``); users' own tokens are told apart by it.
RUN_TOKEN_PREFIX = "run "


def token_name(run_id: int, job: str) -> str:
    return f"{RUN_TOKEN_PREFIX}{run_id} of job {job}"[:MAX_NAME]


def mint_token(
    registry: Registry, job: Job, run_id: int, projects: frozenset[str] | None
) -> tuple[int, str]:
    """(id, secret) of a new token of the job's owner for one run; the secret is never
    printed or stored (only its hash)."""
    life_s = job.timeout_s + MARGIN_S if job.timeout_s else NO_TIMEOUT_S
    token, secret = registry.identities().create_token(
        job.created_by,
        token_name(run_id, job.name),
        expires_days=life_s / 86400,
        projects=projects,
    )
    return token.id, secret


def revoke_token(registry: Registry, token_id: int) -> None:
    registry.identities().revoke_token(token_id)


def revoke_run_tokens(registry: Registry, run_id: int) -> int:
    """Revoke the live tokens of a run whose runner could not (it was killed or died); how many."""
    prefix = token_name(run_id, "")
    identities = registry.identities()
    now = now_utc()
    live = [
        t
        for t in identities.tokens()
        if (t.name or "").startswith(prefix) and t.state(now) == "active"
    ]
    for token in live:
        identities.revoke_token(token.id)
    return len(live)


def prune_run_tokens(registry: Registry, keep_s: float | None = None) -> int:
    """Delete the tokens of runs revoked or expired more than ``keep_s`` seconds ago (default
    ``KEEP_ENDED_S``); how many. Users' own tokens are left alone."""
    identities = registry.identities()
    cutoff = now_utc() - timedelta(seconds=KEEP_ENDED_S if keep_s is None else keep_s)
    ended = [
        t.id
        for t in identities.tokens()
        if (t.name or "").startswith(RUN_TOKEN_PREFIX)
        and (t.revoked_at or t.expires_at or cutoff) < cutoff
    ]
    return identities.delete_tokens(ended) if ended else 0
