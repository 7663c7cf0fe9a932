/**
 * The search form's state and the query string it becomes (no DOM, no fetch: tested alone).
 */
import { IHeadline, IVersionRow } from './types';

export interface ISearch {
  project: string;
  name: string;
  nameContains: string;
  feature: string;
  withoutFeature: string;
  stage: string;
  includeArchived: boolean;
  author: string;
  tag: string;
  estimator: string;
  since: string;
  until: string;
  slice: string;
  dataset: string;
  datasetRole: string;
  where: string;
  orderBy: string;
  limit: number;
  offset: number;
}

export const EMPTY_SEARCH: ISearch = {
  project: '',
  name: '',
  nameContains: '',
  feature: '',
  withoutFeature: '',
  stage: '',
  includeArchived: false,
  author: '',
  tag: '',
  estimator: '',
  since: '',
  until: '',
  slice: '',
  dataset: '',
  datasetRole: '',
  where: '',
  orderBy: '-created',
  limit: 25,
  offset: 0
};

// The text filters and their query argument (the server's search arguments, mmds_jupyter/query.py).
const FIELDS: [keyof ISearch, string][] = [
  ['project', 'project'],
  ['name', 'name'],
  ['nameContains', 'name_contains'],
  ['feature', 'feature'],
  ['withoutFeature', 'without_feature'],
  ['stage', 'stage'],
  ['author', 'author'],
  ['tag', 'tag'],
  ['estimator', 'estimator'],
  ['since', 'since'],
  ['until', 'until'],
  ['slice', 'slice'],
  ['dataset', 'dataset'],
  ['datasetRole', 'dataset_role']
];

/**
 * Split "roc_auc>0.8, accuracy >= 0.9" (commas, semicolons or " and ") into conditions.
 */
export function splitConditions(text: string): string[] {
  return text
    .split(/,|;|\s+and\s+/i)
    .map(part => part.replace(/\s+/g, ''))
    .filter(part => part.length > 0);
}

/**
 * The query string of `GET versions` for a search; empty fields are left out.
 */
export function versionsQuery(search: ISearch): string {
  const params = new URLSearchParams();
  for (const [key, param] of FIELDS) {
    const value = String(search[key]).trim();
    if (value) {
      params.append(param, value);
    }
  }
  if (search.includeArchived) {
    params.append('include_archived', 'true');
  }
  for (const condition of splitConditions(search.where)) {
    params.append('where', condition);
  }
  if (search.orderBy && search.orderBy !== '-created') {
    params.append('order_by', search.orderBy);
  }
  params.append('limit', String(search.limit));
  if (search.offset > 0) {
    params.append('offset', String(search.offset));
  }
  return params.toString();
}

/**
 * Whether a search filters nothing (only paging and order): its empty answer means an empty
 * registry, not a filter that matched nothing.
 */
export function isEmptySearch(search: ISearch): boolean {
  const base = { ...search, orderBy: '-created', offset: 0 };
  return (
    versionsQuery(base) ===
    versionsQuery({ ...EMPTY_SEARCH, limit: search.limit })
  );
}

/**
 * The metric orderings a search offers: every recorded metric, the headline ones first,
 * best first ("Lowest" for metrics where lower is better, "Most" for counts such as rows).
 */
export function metricOrders(
  metrics: string[],
  headline: string[],
  lowerIsBetter: string[],
  unranked: string[] = []
): [string, string][] {
  const lower = new Set(lowerIsBetter);
  const counts = new Set(unranked);
  const known = new Set(metrics);
  const first = headline.filter(m => known.has(m));
  const rest = metrics.filter(m => !first.includes(m));
  return [...first, ...rest].map(m =>
    lower.has(m)
      ? [m, `Lowest ${m}`]
      : [`-${m}`, `${counts.has(m) ? 'Most' : 'Best'} ${m}`]
  );
}

/**
 * The query string of `GET compare` for the given references.
 */
export function compareQuery(refs: string[]): string {
  const params = new URLSearchParams();
  for (const ref of refs) {
    params.append('refs', ref);
  }
  return params.toString();
}

/**
 * "26–50 of 123" and whether there are pages before and after this one.
 */
export function pageInfo(
  offset: number,
  count: number,
  total: number,
  exact = true
): { label: string; hasPrev: boolean; hasNext: boolean } {
  const first = total === 0 ? 0 : offset + 1;
  const last = offset + count;
  const of = exact
    ? total.toLocaleString('en-US')
    : `${total.toLocaleString('en-US')}+`;
  return {
    label: `${first}–${last} of ${of}`,
    hasPrev: offset > 0,
    hasNext: last < total || !exact
  };
}

/**
 * How long ago an ISO time was, in the largest whole unit ("3 d ago").
 */
export function age(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  const units: [number, string][] = [
    [365 * 86400, 'y'],
    [30 * 86400, 'mo'],
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min']
  ];
  for (const [size, unit] of units) {
    if (seconds >= size) {
      return `${Math.floor(seconds / size)} ${unit} ago`;
    }
  }
  return 'just now';
}

/**
 * The metric shown beside a version: the user's headline metric when the version has it,
 * else the server's pick.
 */
export function headlineOf(
  row: IVersionRow,
  preferred: string
): IHeadline | null {
  const value = preferred ? row.metrics?.[preferred] : undefined;
  if (typeof value === 'number') {
    return { name: preferred, value };
  }
  return row.headline;
}
