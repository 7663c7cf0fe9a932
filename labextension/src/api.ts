/**
 * Typed calls of the MMDS REST API; everything goes through requestAPI.
 */
import { IJobBody } from './jobForm';
import { JobVerb } from './jobActions';
import { compareQuery, ISearch, versionsQuery } from './query';
import { requestAPI } from './request';
import {
  IAlert,
  IAliasMove,
  IEvidence,
  IChanges,
  IComparison,
  IConsumer,
  IContract,
  IDatasetPage,
  IItems,
  IMonitorView,
  IJob,
  IJobDetail,
  IJobList,
  INotebookList,
  ILineage,
  IModel,
  INotebook,
  IPermissions,
  IProject,
  IRun,
  IRunDetail,
  IScoreSet,
  IScoringTestResult,
  IStageRequest,
  ITask,
  IServerInfo,
  IVersion,
  IVersionPage,
  IVocabulary
} from './types';

function refPath(ref: string): string {
  return `versions/${encodeURIComponent(ref)}`;
}

let info: Promise<IServerInfo> | null = null;

/**
 * The server's version and vocabulary (stages, metric directions), fetched once per page load.
 */
export function serverInfo(): Promise<IServerInfo> {
  if (!info) {
    info = requestAPI<IServerInfo>('').catch(error => {
      info = null; // ask again next time
      throw error;
    });
  }
  return info;
}

export function projects(): Promise<IItems<IProject>> {
  return requestAPI<IItems<IProject>>('projects');
}

export function models(project = ''): Promise<IItems<IModel>> {
  const query = project ? `?project=${encodeURIComponent(project)}` : '';
  return requestAPI<IItems<IModel>>(`models${query}`);
}

export function searchVersions(search: ISearch): Promise<IVersionPage> {
  return requestAPI<IVersionPage>(`versions?${versionsQuery(search)}`);
}

/**
 * The metric, feature, tag and slice names in use in a project (or one model, or all).
 */
export function vocabulary(project = '', name = ''): Promise<IVocabulary> {
  const params = new URLSearchParams();
  if (project) {
    params.append('project', project);
  }
  if (name) {
    params.append('name', name);
  }
  return requestAPI<IVocabulary>(`vocabulary?${params.toString()}`);
}

export function consumers(ref: string): Promise<IItems<IConsumer>> {
  return requestAPI<IItems<IConsumer>>(
    `consumers?ref=${encodeURIComponent(ref)}`
  );
}

export function scoreSets(ref: string, limit = 20): Promise<IItems<IScoreSet>> {
  return requestAPI<IItems<IScoreSet>>(
    `score-sets?ref=${encodeURIComponent(ref)}&limit=${limit}`
  );
}

/**
 * Open promotion requests: those this user may decide (`mine`) or all.
 */
export function requests(mine: boolean): Promise<IItems<IStageRequest>> {
  return requestAPI<IItems<IStageRequest>>(
    `requests?status=open&mine=${String(mine)}`
  );
}

/**
 * One piece of evidence attached to a version (a gate's evidence names its id), with its text.
 */
export function evidenceFile(ref: string, id: number): Promise<IEvidence> {
  return requestAPI<IEvidence>(`${refPath(ref)}/evidence/${id}`);
}

export function decide(
  id: number,
  verb: 'approve' | 'reject',
  comment: string | null
): Promise<IStageRequest> {
  return requestAPI<IStageRequest>(`requests/${id}/${verb}`, {
    method: 'POST',
    body: JSON.stringify({ comment })
  });
}

function post<T>(path: string, body: unknown): Promise<T> {
  return requestAPI<T>(path, { method: 'POST', body: JSON.stringify(body) });
}

export function setStage(
  ref: string,
  stage: string,
  reason: string
): Promise<IVersion> {
  return post(`${refPath(ref)}/stage`, { stage, reason: reason || null });
}

export function requestStage(
  ref: string,
  stage: string,
  comment: string
): Promise<IStageRequest> {
  return post(`${refPath(ref)}/request`, { stage, comment: comment || null });
}

export function setAlias(
  ref: string,
  alias: string,
  reason: string
): Promise<unknown> {
  return post(`${refPath(ref)}/alias`, { alias, reason: reason || null });
}

export function tag(
  ref: string,
  tags: { [key: string]: string }
): Promise<IVersion> {
  return post(`${refPath(ref)}/tag`, { tags });
}

export function untag(ref: string, keys: string[]): Promise<IVersion> {
  return post(`${refPath(ref)}/untag`, { keys });
}

export function describe(ref: string, description: string): Promise<IVersion> {
  return post(`${refPath(ref)}/describe`, { description });
}

export function runScoringTests(
  ref: string
): Promise<IItems<{ name: string; passed: boolean }>> {
  return post(`${refPath(ref)}/scoring-tests/run`, {});
}

/**
 * Tasks: of a project or model (`ref`), or assigned to me (`mine`), open only unless `all`.
 */
export function tasks(
  ref: string,
  mine: boolean,
  all = false
): Promise<IItems<ITask>> {
  const params = new URLSearchParams();
  if (ref) {
    params.append('ref', ref);
  }
  params.append('mine', String(mine));
  if (!all) {
    params.append('status', 'open');
  }
  return requestAPI<IItems<ITask>>(`tasks?${params.toString()}`);
}

export function completeTask(
  id: number,
  comment: string | null
): Promise<ITask> {
  return post(`tasks/${id}/complete`, { comment });
}

/**
 * Every move of a model's aliases, newest first.
 */
export function aliasHistory(model: string): Promise<IItems<IAliasMove>> {
  return requestAPI<IItems<IAliasMove>>(`aliases/${encodeURIComponent(model)}`);
}

export function monitorView(model: string): Promise<IMonitorView> {
  return requestAPI<IMonitorView>(`${refPath(model)}/monitor`);
}

export function settleAlert(
  id: number,
  verb: 'acknowledge' | 'resolve'
): Promise<IAlert> {
  return post(`alerts/${id}/${verb}`, {});
}

export function permissions(ref: string): Promise<IPermissions> {
  return requestAPI<IPermissions>(`${refPath(ref)}/permissions`);
}

export function contract(ref: string): Promise<IContract> {
  return requestAPI<IContract>(`${refPath(ref)}/contract`);
}

export function scoringTestResults(
  ref: string,
  limit = 50
): Promise<IItems<IScoringTestResult>> {
  return requestAPI<IItems<IScoringTestResult>>(
    `${refPath(ref)}/scoring-tests?limit=${limit}`
  );
}

export function version(ref: string): Promise<IVersion> {
  return requestAPI<IVersion>(refPath(ref));
}

export function lineage(ref: string, depth = 3): Promise<ILineage> {
  return requestAPI<ILineage>(`${refPath(ref)}/lineage?depth=${depth}`);
}

export function dataset(contentHash: string): Promise<IDatasetPage> {
  return requestAPI<IDatasetPage>(
    `datasets/${encodeURIComponent(contentHash)}`
  );
}

export function compare(refs: string[]): Promise<IComparison> {
  return requestAPI<IComparison>(`compare?${compareQuery(refs)}`);
}

export function changes(): Promise<IChanges> {
  return requestAPI<IChanges>('changes');
}

export function jobs(): Promise<IJobList> {
  return requestAPI<IJobList>('jobs');
}

export function job(name: string, limit = 5): Promise<IJobDetail> {
  return requestAPI<IJobDetail>(
    `jobs/${encodeURIComponent(name)}?limit=${limit}`
  );
}

export function runs(jobName = '', limit = 20): Promise<IItems<IRun>> {
  const query = jobName ? `job=${encodeURIComponent(jobName)}&` : '';
  return requestAPI<IItems<IRun>>(`runs?${query}limit=${limit}`);
}

export function run(id: number): Promise<IRunDetail> {
  return requestAPI<IRunDetail>(`runs/${id}`);
}

export function runNotebook(id: number): Promise<INotebook> {
  return requestAPI<INotebook>(`runs/${id}/notebook`);
}

export function runNow(name: string): Promise<IRun> {
  return requestAPI<IRun>(`jobs/${encodeURIComponent(name)}/run`, {
    method: 'POST'
  });
}

/**
 * The notebooks a job can run, by path relative to the scheduler's root (not shown), with
 * their declared parameters.
 */
export function notebooks(): Promise<INotebookList> {
  return requestAPI<INotebookList>('notebooks');
}

/**
 * Create a job (POST jobs), or, `editing`, change the fields the body names (PATCH jobs/NAME:
 * the server keeps the others).
 */
export function saveJob(body: IJobBody, editing: boolean): Promise<IJob> {
  if (!editing) {
    return post<IJob>('jobs', body);
  }
  return requestAPI<IJob>(`jobs/${encodeURIComponent(body.name)}`, {
    method: 'PATCH',
    body: JSON.stringify(body)
  });
}

/**
 * Delete a job (refused while a run of it is queued or running); its past runs stay.
 */
export function deleteJob(name: string): Promise<IJob> {
  return requestAPI<IJob>(`jobs/${encodeURIComponent(name)}`, {
    method: 'DELETE'
  });
}

/**
 * Pause or resume a job; the server answers with the job in its new state.
 */
export function setJobState(name: string, verb: JobVerb): Promise<IJob> {
  return requestAPI<IJob>(`jobs/${encodeURIComponent(name)}/${verb}`, {
    method: 'POST'
  });
}

/**
 * Cancel a queued run, or ask the scheduler running it to stop (cancel_requested).
 */
export function cancelRun(id: number): Promise<IRun> {
  return requestAPI<IRun>(`runs/${id}/cancel`, { method: 'POST' });
}
