"""The registry service interface: every operation a front end needs, in one place.

The magics, the CLI, the REST routes, the widgets and the scheduler depend on this interface
alone. :class:`~mmds_jupyter.registry.Registry` (an SQL database and an artifact root) is one
implementation; team mode adds one that talks HTTP to ``mmds server``. So nothing here names a
database, a session or a local file: arguments and results are references, plain entities,
DataFrames and bytes.

Every operation here has a REST route (openapi.json names it with ``x-mmds-operation``), and
a test holds the two together and checks that ``Registry`` implements each one with the same
parameters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from .auth.entities import Grant
    from .entities import Version
    from .governance.alias_history import AliasMove
    from .query import Query
    from .refs import Ref
    from .scheduler.entities import Run
    from .scoring.performance import ActualsResult

    AnyRef = str | Ref | Version


@runtime_checkable
class RegistryService(Protocol):
    """Capture, find, compare, change and score model versions of one registry."""

    url: str
    actor: str

    @property
    def location(self) -> str:
        """Where the registry lives, safe to show (no password or token)."""
        ...

    def close(self) -> None:
        """Release the connection(s); the service is not used afterwards."""

    # -- capture ---------------------------------------------------------------------------------

    def track(
        self, model: Any, name: str | None = None, project: str = "default", **kwargs: Any
    ) -> Version:
        """Capture a fitted model as a new version (see ``mmds.track`` for the keywords)."""
        ...

    def import_pmml(
        self, source: Any, name: str, project: str = "default", **kwargs: Any
    ) -> Version:
        """Register a PMML file from any producer as a version (framework ``pmml``)."""
        ...

    def import_version(self, record: dict[str, Any], model_file: bytes | None = None) -> Version:
        """Register a model made elsewhere (an MLflow run) as a version, once per origin key."""
        ...

    def import_versions(
        self, records: list[dict[str, Any]], model_files: list[bytes | None] | None = None
    ) -> list[Version]:
        """``import_version`` of many records, the new ones in one transaction."""
        ...

    def imported(self, origins: list[str]) -> dict[str, str]:
        """Which origin keys were imported already: origin key → version reference."""
        ...

    def export_pmml(self, ref: AnyRef, path: str | None = None) -> bytes:
        """A version's model as PMML 4.4 (recorded as a file of the version)."""
        ...

    # -- read ------------------------------------------------------------------------------------

    def get(self, ref: AnyRef) -> Version:
        """The version a reference names (``churn:3``, ``risk/churn@champion``, ``churn``)."""
        ...

    def load(self, ref: AnyRef, trusted: bool = False) -> Any:
        """The working model of a version, after checking its file against its hash."""
        ...

    def model_file(self, ref: AnyRef) -> tuple[bytes, str]:
        """A version's model file as stored (verified) and its format (``skops``, ``pmml``)."""
        ...

    def query(self, **filters: Any) -> Query:
        """Validate search filters (the fields of :class:`Query`) into one query."""
        ...

    def search(self, query: Query) -> tuple[list[dict[str, Any]], list[str]]:
        """One page of versions matching the query, and warnings the reader must see."""
        ...

    def count(self, query: Query, cap: int | None = None) -> int:
        """How many versions match the query, counting at most ``cap``."""
        ...

    def vocabulary(self, query: Query, limit: int = 200) -> dict[str, list[str]]:
        """Metric, feature, tag and slice names among the versions the query matches."""
        ...

    def find(self, **filters: Any) -> pd.DataFrame:
        """Versions that match every filter, as a DataFrame (one row per version)."""
        ...

    def compare(self, *refs: str | Version) -> Any:
        """Two or more versions side by side."""
        ...

    def evaluate(
        self, ref: AnyRef, X: Any, y: Any, name: str, slices: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """Re-evaluate a version on a new data set; keep its metrics and predictions as ``name``."""
        ...

    def report(self, *refs: AnyRef, kind: str | None = None, threshold: float = 0.5) -> Any:
        """A comparison (two or more versions) or validation (one) report, kept as evidence."""
        ...

    def lineage(self, ref: str | Version, depth: int = 3) -> Any:
        """Data sets and parent versions upstream, child versions downstream."""
        ...

    def datasets(self, ref: AnyRef) -> list[dict[str, Any]]:
        """The data sets a version was trained or tested on, each with its relation."""
        ...

    def dataset(self, content_hash: str) -> dict[str, Any]:
        """One data set by its content hash or a unique prefix: schema, statistics, versions."""
        ...

    def children(self, ref: AnyRef) -> list[str]:
        """References of the versions derived from this one."""
        ...

    def events(
        self,
        ref: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | str | None = None,
        limit: int | None = 100,
    ) -> pd.DataFrame:
        """The audit log, newest first: a model reference means all its versions and aliases."""
        ...

    def latest_event_id(self) -> int:
        """The newest event's id (0 for an empty log): front ends poll it to see changes."""
        ...

    def verify_events(self) -> int | None:
        """The id of the first tampered event, or None when the hash chain checks out."""
        ...

    def verify_audit(self) -> dict[str, Any]:
        """The chain and the log against its newest signed checkpoint (a cut log shows too)."""
        ...

    def audit_checkpoint(self) -> dict[str, Any]:
        """Sign the log's head with the audit key kept outside the database."""
        ...

    def audit_export(
        self, since: datetime | str | None = None, project: str | None = None
    ) -> dict[str, Any]:
        """The event log with its hash chain up to a new signed checkpoint, for auditors."""
        ...

    def projects(self) -> pd.DataFrame:
        """Every project with its number of models and versions."""
        ...

    def models(self, project: str | None = None) -> pd.DataFrame:
        """Every model (of one project) with its latest version."""
        ...

    # -- consumers -------------------------------------------------------------------------------

    def add_consumer(
        self,
        ref: str,
        application: str,
        owner: str | None = None,
        purpose: str | None = None,
    ) -> dict[str, Any]:
        """Register that an application uses the model through ``ref`` (e.g. churn@champion)."""
        ...

    def consumers(self, ref: str | None = None, include_ended: bool = False) -> pd.DataFrame:
        """Who uses a model (or every model), with what production scoring recorded."""
        ...

    def end_consumer(self, consumer_id: int, reason: str | None = None) -> dict[str, Any]:
        """Record that a consumer no longer uses its model."""
        ...

    # -- archive and retention ---------------------------------------------------------------

    def archive(self, ref: Any, reason: str | None = None, force: bool = False) -> Version:
        """Archive a version: its files move to the cold artifact root; records all stay."""
        ...

    def restore(self, ref: Any, reason: str | None = None) -> Version:
        """Bring an archived version back to the stage it was archived from."""
        ...

    def hold(self, ref: Any, reason: str) -> dict[str, Any]:
        """Put a version under legal hold (no archiving, no purging until released)."""
        ...

    def release(self, ref: Any, reason: str | None = None) -> dict[str, Any]:
        """Release a version's legal hold."""
        ...

    def purge(self, ref: Any, reason: str) -> dict[str, Any]:
        """Delete a retired or archived version's files; a tombstone event keeps the hash."""
        ...

    def archive_due(self) -> list[dict[str, Any]]:
        """Archive the retired versions whose template's retention period has passed."""
        ...

    # -- tasks ---------------------------------------------------------------------------------

    def add_task(self, ref: str, title: str, **fields: Any) -> dict[str, Any]:
        """Add a task to a project (``risk``) or a model (``risk/churn``)."""
        ...

    def tasks(
        self, ref: str | None = None, mine: bool = False, status: str | None = None
    ) -> pd.DataFrame:
        """The tasks of a project or a model, or mine (assigned to me or my groups)."""
        ...

    def complete_task(
        self, task_id: int, comment: str | None = None, attachment: str | None = None
    ) -> dict[str, Any]:
        """Complete a task with a comment and an optional attachment."""
        ...

    # -- webhooks --------------------------------------------------------------------------------

    def add_webhook(
        self, project: str, url: str, events: list[str], secret: str | None = None
    ) -> dict[str, Any]:
        """POST a project's events of these types to ``url``, HMAC-signed with ``secret``."""
        ...

    def webhooks(self, project: str | None = None) -> list[dict[str, Any]]:
        """The active webhooks (of one project), never their secrets."""
        ...

    def remove_webhook(self, webhook_id: int) -> dict[str, Any]:
        """Stop a webhook (kept with its delivery records)."""
        ...

    def webhook_deliveries(
        self, webhook_id: int, status: str | None = None
    ) -> list[dict[str, Any]]:
        """A webhook's delivery records: status, attempts, last error."""
        ...

    def deliver_webhooks(self) -> dict[str, int]:
        """One delivery pass: new events to deliveries, then POST those due."""
        ...

    # -- change ----------------------------------------------------------------------------------

    def alias(
        self,
        ref: AnyRef,
        alias: str,
        force: bool = False,
        reason: str | None = None,
        request: int | None = None,
    ) -> Version:
        """Point an alias of the version's model at this version (why, under which request)."""
        ...

    def set_aliases(
        self,
        moves: dict[str, Any],
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> list[Version]:
        """Move several aliases ({"churn@champion": "churn:3", ...}) all or none."""
        ...

    def rollback(
        self,
        ref: str,
        reason: str | None = None,
        force: bool = False,
        request: int | None = None,
    ) -> Version:
        """Move an alias back to the version it named before its latest move."""
        ...

    def alias_history(self, ref: str, alias: str | None = None) -> pd.DataFrame:
        """Every move of a model's aliases (or of one alias), newest first."""
        ...

    def alias_at(self, ref: str, at: datetime | date | str) -> AliasMove | None:
        """The move in force for an alias at a time (a date: the end of that day, UTC)."""
        ...

    def set_stage(
        self, ref: AnyRef, stage: str, reason: str | None = None, force: bool = False
    ) -> Version:
        """Move a version to another life-cycle stage."""
        ...

    # -- governance (life-cycle templates and promotion requests) --------------------------------

    def save_template(self, source: str) -> dict[str, Any]:
        """Store a life-cycle template (YAML text) as the next version of its name."""
        ...

    def bind_template(self, project: str, template: str = "default") -> dict[str, Any]:
        """Make a project follow a life-cycle template."""
        ...

    def templates(self) -> list[dict[str, Any]]:
        """The newest version of each template and the projects bound to it."""
        ...

    def review_state(self, ref: AnyRef) -> dict[str, Any] | None:
        """The version's review: last review, review due, expiry, overdue, expired."""
        ...

    def request(self, ref: AnyRef, stage: str, comment: str | None = None) -> Any:
        """Ask to move a version to a stage (its own: a review); gates show with evidence."""
        ...

    def approve(self, request_id: int, comment: str | None = None) -> Any:
        """Approve a request; the version moves when every gate passes."""
        ...

    def reject(self, request_id: int, comment: str | None = None) -> Any:
        """Reject a request (its author may withdraw it)."""
        ...

    def requests(
        self, ref: str | None = None, status: str | None = "open", waiting_for_me: bool = False
    ) -> list[Any]:
        """Promotion requests, newest first; waiting_for_me: those this user may approve."""
        ...

    def attach(self, ref: AnyRef, kind: str, text: str, name: str | None = None) -> dict[str, Any]:
        """Attach evidence (e.g. a comparison report) to a version."""
        ...

    def evidence_file(self, ref: AnyRef, evidence_id: int) -> dict[str, Any]:
        """One piece of evidence attached to a version, with its text."""
        ...

    def tag(self, ref: AnyRef, tags: dict[str, Any]) -> Version:
        """Set tags of a version, replacing values of existing keys."""
        ...

    def untag(self, ref: AnyRef, *keys: str) -> Version:
        """Remove tags of a version by key."""
        ...

    def describe(self, ref: AnyRef, text: str | None) -> Version:
        """Replace (or with None, clear) a version's description."""
        ...

    def gc(self, older_than: float | None = None) -> list[dict[str, Any]]:
        """Remove stale temporary files that interrupted writes left; return them."""
        ...

    # -- scoring ---------------------------------------------------------------------------------

    def contract(
        self,
        ref: AnyRef,
        update: dict[str, Any] | None = None,
        policy: str | None = None,
        strict: bool | None = None,
    ) -> Any:
        """The score contract of a version; with arguments, an audited edit of it."""
        ...

    def score(self, ref: AnyRef, data: Any, mode: str = "test", **kwargs: Any) -> Any:
        """Check data against the contract and score it; production mode stores a score set."""
        ...

    def scores(
        self, ref: AnyRef | None = None, run_id: int | None = None, limit: int | None = 100
    ) -> pd.DataFrame:
        """Stored score sets of a model or one version, newest first."""
        ...

    def load_scores(self, score_set_id: int) -> pd.DataFrame:
        """The outputs of one stored score set."""
        ...

    def add_actuals(self, model: str, data: Any, key: str, target: str) -> ActualsResult:
        """Attach observed outcomes to a model's stored score sets, by key."""
        ...

    def performance(
        self, model: str, window: str | int | None = None, slice: str | None = None
    ) -> pd.DataFrame:
        """Metrics of each stored score set with actuals, or per window (and slice)."""
        ...

    def baseline(self, ref: AnyRef) -> dict[str, Any]:
        """The reference distributions frozen with a version at capture (its drift baseline)."""
        ...

    def drift(
        self,
        ref: AnyRef | None = None,
        data: Any = None,
        score_set: int | None = None,
        min_rows: int | None = None,
    ) -> Any:
        """Drift against a version's baseline of ``data``, or stored with ``score_set``."""
        ...

    # -- monitoring -------------------------------------------------------------------------------

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
        """Define how a model is monitored: reference, window, measures and thresholds."""
        ...

    def check_monitor(self, model: str) -> dict[str, Any]:
        """Judge the model's windows against its monitor now; opens alerts for findings."""
        ...

    def alerts(self, model: str | None = None, status: str | None = None) -> pd.DataFrame:
        """Alerts of a model (or every model), newest first; of one status if given."""
        ...

    def acknowledge_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        """Mark an alert as seen and being handled."""
        ...

    def resolve_alert(self, alert_id: int, note: str | None = None) -> dict[str, Any]:
        """Close an alert."""
        ...

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
        """Define how a model is retrained: notebook, trigger, cool-down, data window."""
        ...

    def retrain_definition(self, model: str) -> dict[str, Any]:
        """The model's retrain definition, its job and the job's last runs."""
        ...

    def retrain(self, model: str, reason: str | None = None) -> Run:
        """Queue a retraining run of the model now, by hand."""
        ...

    def champion_challenger(
        self, model: str, champion: str = "champion", challenger: str = "challenger"
    ) -> dict[str, Any]:
        """Two versions on the labelled rows both scored: metrics, paired tests, the better."""
        ...

    def monitor(self, model: str) -> Any:
        """A model's monitoring view: judged metrics and drift by window as charts, the
        open alerts, champion vs challenger (rich output in a notebook)."""
        ...

    def create_scoring_test(
        self, ref: AnyRef, inputs: Any, expected: Any, **kwargs: Any
    ) -> dict[str, Any]:
        """Store inputs, expected outputs and a tolerance with a version (or its model)."""
        ...

    def run_scoring_tests(self, ref: AnyRef, name: str | None = None) -> list[dict[str, Any]]:
        """Run a version's scoring tests and record each result."""
        ...

    def scoring_test_results(self, ref: AnyRef, limit: int = 20) -> pd.DataFrame:
        """The latest results of a version's scoring tests."""
        ...

    # -- roles (team mode: `mmds server` checks them; see auth/permissions.py) -------------------

    def permissions(self, ref: AnyRef) -> dict[str, Any]:
        """What the caller may do to a version: operations, stages to move it to, aliases."""
        ...

    def grant(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Give ``role`` in ``project`` (``admin``: the whole server) to a user or a group."""
        ...

    def revoke(
        self,
        role: str,
        project: str | None = None,
        user: str | None = None,
        group: str | None = None,
    ) -> Grant:
        """Take back a role given with ``grant``."""
        ...

    def grants(self, project: str | None = None) -> list[Grant]:
        """The roles granted (in one project)."""
        ...

    # -- jobs ------------------------------------------------------------------------------------

    @property
    def jobs(self) -> Any:
        """Scheduled notebook and scoring jobs and their runs (``create``, ``update``, ``list``,
        ``get``, ``pause``, ``resume``, ``delete``, ``run``, ``runs``, ``get_run``,
        ``cancel_run``)."""
        ...


def operations() -> list[str]:
    """The names of the interface's operations (what REST must route)."""
    return sorted(
        n
        for n, v in vars(RegistryService).items()
        if not n.startswith("_")
        and n not in ("close", "location")
        and (callable(v) or isinstance(v, property))
    )
