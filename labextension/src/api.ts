/**
 * Typed calls of the MMDS REST API; everything goes through requestAPI.
 */
import { compareQuery, ISearch, versionsQuery } from './query';
import { requestAPI } from './request';
import {
  IChanges,
  IComparison,
  IItems,
  ILineage,
  IModel,
  IProject,
  IServerInfo,
  IVersion,
  IVersionPage
} from './types';

function refPath(ref: string): string {
  return `versions/${encodeURIComponent(ref)}`;
}

export function serverInfo(): Promise<IServerInfo> {
  return requestAPI<IServerInfo>('');
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

export function version(ref: string): Promise<IVersion> {
  return requestAPI<IVersion>(refPath(ref));
}

export function lineage(ref: string, depth = 3): Promise<ILineage> {
  return requestAPI<ILineage>(`${refPath(ref)}/lineage?depth=${depth}`);
}

export function compare(refs: string[]): Promise<IComparison> {
  return requestAPI<IComparison>(`compare?${compareQuery(refs)}`);
}

export function changes(): Promise<IChanges> {
  return requestAPI<IChanges>('changes');
}
