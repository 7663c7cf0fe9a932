/**
 * The JSON that the MMDS REST API sends (mmds_jupyter/server/views.py), key for key.
 */

export interface IServerInfo {
  version: string;
  registry: string;
  max_limit: number;
  stages: string[];
  lower_is_better: string[];
  unranked: string[];
  headline_metrics: string[];
}

/**
 * The names a search can use among the versions it covers (GET vocabulary).
 */
export interface IVocabulary {
  metrics: string[];
  features: string[];
  tags: string[];
  slices: string[];
}

/**
 * An application recorded as using a version (GET consumers).
 */
export interface IConsumer {
  id: number;
  application: string;
  version: string;
  owner: string | null;
  purpose: string | null;
  source: string;
  since: string;
  until: string | null;
  rows: number | null;
  calls: number | null;
  last_used: string | null;
}

/**
 * A monitoring alert (GET alerts).
 */
export interface IAlert {
  id: number;
  model: string;
  ref: string | null;
  window: string;
  measure: string;
  level: 'warning' | 'alert';
  value: number;
  threshold: number;
  message: string;
  status: 'open' | 'acknowledged' | 'resolved';
  opened_by: string;
  acknowledged_by: string | null;
  resolved_by: string | null;
}

/**
 * One window of production performance (GET versions/REF/performance?window=...).
 */
export interface IPerformanceWindow {
  window: string;
  ref: string;
  rows: number;
  labelled: number;
  labelled_share: number;
  estimated?: boolean;
  [metric: string]: unknown;
}

/**
 * A chart drawn by the server's one chart module, as SVG text.
 */
export interface IServerChart {
  id: string;
  title: string;
  svg: string;
}

/**
 * Champion vs challenger on the labelled rows both scored (GET versions/MODEL/champion-challenger).
 */
export interface IChallenger {
  champion?: string;
  challenger?: string;
  rows?: number;
  verdict: string;
  metrics: {
    metric: string;
    champion: number;
    challenger: number;
    test: string;
    p_value: number;
    better: string | null;
  }[];
}

/**
 * A model's monitoring view (GET versions/MODEL/monitor).
 */
export interface IMonitorView {
  model: string;
  ref: string | null;
  definition: { window: string; reference: string } | null;
  windows: IPerformanceWindow[];
  metrics: string[];
  estimated_metric: string;
  charts: IServerChart[];
  alerts: IAlert[];
  challenger: IChallenger | null;
  notes: string[];
}

/**
 * One move of an alias (GET aliases/MODEL).
 */
export interface IAliasMove {
  event_id: number;
  time: string;
  alias: string;
  version: string | null;
  previous: string | null;
  actor: string;
  action: 'set' | 'remove';
  reason?: string | null;
  request?: number | null;
  approved_by?: string[] | null;
}

/**
 * A task of a project's or model's checklist (GET tasks).
 */
export interface ITask {
  id: number;
  project: string;
  model: string | null;
  milestone: string | null;
  title: string;
  description: string | null;
  assignee: string | null;
  group: string | null;
  due: string | null;
  depends_on: number[];
  weight: number;
  status: 'open' | 'done';
  completed_by: string | null;
  completed_at: string | null;
  comment: string | null;
}

/**
 * A promotion request with its gates (GET requests).
 */
export interface IGate {
  gate: string;
  passed: boolean;
  message: string;
  evidence?: { [key: string]: unknown };
}

/**
 * A file attached to a version as evidence, as a gate's evidence names it.
 */
export interface IEvidenceFile {
  id: number;
  actor: string;
  time: string;
}

/**
 * One attachment with its text (GET versions/REF/evidence/ID).
 */
export interface IEvidence extends IEvidenceFile {
  ref: string;
  kind: string;
  artifact_sha256: string;
  text: string;
}

export interface IStageRequest {
  id: number;
  ref: string;
  from_stage: string;
  to_stage: string;
  status: 'open' | 'done' | 'rejected';
  author: string;
  comment: string | null;
  created_at: string;
  closed_at: string | null;
  gates: IGate[];
}

export interface IProject {
  name: string;
  models: number;
  versions: number;
  last_tracked: string | null;
}

export interface IModel {
  project: string;
  name: string;
  versions: number;
  last_tracked: string | null;
}

export interface IItems<T> {
  items: T[];
}

/**
 * An `mmds scheduler` process and its last check-in (GET jobs).
 */
export interface ISchedulerProcess {
  owner: string;
  host: string;
  pid: number;
  executor: string;
  poll_interval: number;
  started_at: string;
  seen_at: string;
  stopped_at: string | null;
  alive: boolean;
}

export interface IJobList extends IItems<IJob> {
  schedulers: ISchedulerProcess[];
}

export interface IHeadline {
  name: string;
  value: number;
}

export interface IVersionRow {
  ref: string;
  project: string;
  name: string;
  version: number;
  stage: string;
  author: string;
  created_at: string;
  estimator: string;
  task: string | null;
  framework: string;
  aliases: string[];
  id: number;
  parent_id: number | null;
  slice?: string;
  metrics: { [name: string]: number | null };
  headline: IHeadline | null;
}

export interface IVersionPage {
  items: IVersionRow[];
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
  /** e.g. that the ranked versions were evaluated on different test sets */
  warnings?: string[];
}

export interface IFeature {
  name: string;
  dtype: string;
  used: boolean;
  importance: number | null;
}

export interface IMetric {
  name: string;
  value: number | null;
  slice: string | null;
  dataset: string;
}

export interface IDatasetRef {
  id: number;
  name: string | null;
  relation: string | null;
  content_hash: string;
  n_rows: number;
  n_cols: number;
  schema: { [column: string]: string };
}

/** A version that used a data set, as the data set's page lists it. */
export interface IDatasetUse {
  ref: string;
  project: string;
  stage: string;
  created_at: string | null;
}

/** Statistics of one column as captured: numeric or categorical. */
export interface IColumnStats {
  dtype?: string;
  kind?: 'numeric' | 'categorical' | string;
  nulls?: number;
  mean?: number | null;
  std?: number | null;
  min?: number | null;
  p25?: number | null;
  p50?: number | null;
  p75?: number | null;
  max?: number | null;
  n_unique?: number;
  top?: { [value: string]: number };
}

/** GET datasets/{content_hash}: one data set and the versions trained and tested on it. */
export interface IDatasetPage {
  id: number;
  content_hash: string;
  name: string | null;
  n_rows: number;
  n_cols: number;
  schema: { [column: string]: string };
  stats: { [column: string]: IColumnStats };
  created_at: string | null;
  trained_on: IDatasetUse[];
  tested_on: IDatasetUse[];
}

export interface IEvent {
  id: number;
  time: string;
  actor: string;
  action: string;
  object_kind: string;
  object_ref: string;
  before: { [key: string]: unknown } | null;
  after: { [key: string]: unknown } | null;
  hash: string;
}

export interface IVersion {
  id: number;
  ref: string;
  project: string;
  name: string;
  version: number;
  stage: string;
  framework: string;
  estimator_class: string;
  task: string | null;
  author: string;
  created_at: string;
  params: { [key: string]: unknown };
  steps: { [key: string]: unknown };
  features: IFeature[];
  outputs: { [key: string]: unknown }[];
  metrics: IMetric[];
  provenance: { [key: string]: unknown };
  environment: { [key: string]: unknown };
  artifact_sha256: string | null;
  artifact_format: string | null;
  parent_ref: string | null;
  aliases: string[];
  tags: { [key: string]: string };
  description: string | null;
  datasets: IDatasetRef[];
  children: string[];
  events: IEvent[];
  notebook_link: string | null;
  /** The parameters that hold their estimator class's default value. */
  default_params?: string[];
  /** Its stage's review under the project's template (null: that stage has no review). */
  review?: IReviewState | null;
}

export interface IReviewState {
  stage: string;
  since: string;
  review_due: string | null;
  expires: string | null;
  overdue: boolean;
  expired: boolean;
}

export interface ILineageNode {
  key: string;
  kind: 'version' | 'dataset';
  id: number;
  label: string;
  level: number;
  detail: { [key: string]: unknown };
}

export interface ILineageEdge {
  from: string;
  relation: string;
  to: string;
}

export interface ILineage {
  root: string;
  nodes: ILineageNode[];
  edges: ILineageEdge[];
}

export interface ICompareRow {
  section: string;
  key: string;
  values: unknown[];
  differs: boolean;
  /** Each value minus the first version's where both are numbers (comparison.deltas). */
  deltas?: (number | null)[];
}

export interface IMetricChart {
  metric: string;
  values: (number | null)[];
  lower_is_better: boolean;
  /** The versions without a value for this metric. */
  missing?: string[];
  /** The chart, drawn by the server's one chart module. */
  svg: string;
}

export interface IComparison {
  refs: string[];
  rows: ICompareRow[];
  charts: IMetricChart[];
  /** Three versions or more: every overall metric at once (parallel coordinates, SVG). */
  overview?: string | null;
  warnings?: string[];
}

export interface IChanges {
  latest_event_id: number;
}

export interface IError {
  error: string;
  message: string;
}

export interface IJob {
  id: number;
  name: string;
  notebook: string;
  schedule: string | null;
  timezone: string;
  parameters: { [name: string]: unknown };
  paused: boolean;
  state: 'active' | 'paused';
  next_run_at: string | null;
  last_status: string | null;
  description: string | null;
  created_at: string;
  created_by: string;
  /** Whether the user may run, pause, resume it and cancel its runs (their role, in team mode). */
  may_change?: boolean;
  // The rest of its definition, kept as it is when the panel's form edits a job.
  max_concurrent?: number;
  timeout_s?: number | null;
  max_retries?: number;
  retry_delay_s?: number;
  catchup?: string;
  keep_outputs?: number | null;
  spark_master?: string | null;
}

/**
 * A name that a notebook's `parameters` cell assigns, with its literal default (GET notebooks).
 */
export interface IDeclaredParameter {
  name: string;
  default: unknown;
  has_default: boolean;
}

/**
 * A notebook a job could run: its path under the scheduler's root, and its declared parameters
 * (null, with the `problem`, when a job cannot run it).
 */
export interface INotebookChoice {
  path: string;
  parameters: IDeclaredParameter[] | null;
  problem: string | null;
}

export interface INotebookList {
  items: INotebookChoice[];
}

export interface IRunError {
  ename?: string;
  evalue?: string;
  cell_index?: number;
  cell_source?: string;
  traceback?: string[];
}

export interface IRun {
  id: number;
  job: string;
  status: string;
  trigger: string;
  attempt: number;
  scheduled_for: string;
  started_at: string | null;
  finished_at: string | null;
  duration_s: number | null;
  parameters: { [name: string]: unknown } | null;
  output_path: string | null;
  error: IRunError | null;
  cancel_requested: boolean;
}

export interface IJobDetail extends IJob {
  runs: IRun[];
}

export interface IScoreSet {
  id: number;
  version: string;
  mode: string;
  n_rows: number;
  n_flagged: number | null;
  created_at: string;
  actor: string;
}

/**
 * What the calling user may do to a version (GET versions/REF/permissions): the registry
 * operations their roles allow, the stages they may move it to, and for each alias that needs
 * a role of its own (champion) whether they may set it.
 */
export interface IPermissions {
  ref: string;
  user: string;
  operations: string[];
  stages: string[];
  aliases: { [alias: string]: boolean };
}

/**
 * One input of a score contract (scoring/contract.py InputSpec).
 */
export interface IContractInput {
  name: string;
  type: string;
  required: boolean;
  nullable: boolean;
  min: number | null;
  max: number | null;
  categories: unknown[] | null;
}

/**
 * A version's score contract (GET versions/REF/contract).
 */
export interface IContract {
  version: string;
  policy: string;
  strict: boolean;
  inputs: IContractInput[];
  outputs: { name: string; type?: string; [key: string]: unknown }[];
  inherited_from: string | null;
}

/**
 * One recorded run of a scoring test (GET versions/REF/scoring-tests), newest first.
 */
export interface IScoringTestResult {
  id: number;
  test: string;
  passed: boolean;
  n_rows: number;
  n_mismatched: number;
  max_abs_diff: number | null;
  ran_at: string;
  actor: string;
}

export interface IRunDetail extends IRun {
  score_sets: IScoreSet[];
}

/**
 * The parts of an nbformat 4 notebook that the run view reads.
 */
export interface INotebookOutput {
  output_type: string;
  text?: string | string[];
  data?: { [mime: string]: string | string[] | unknown };
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface INotebookCell {
  cell_type: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: INotebookOutput[];
  metadata?: { tags?: string[] };
}

export interface INotebook {
  nbformat: number;
  cells: INotebookCell[];
}
