/**
 * How a comparison is shown: which cells are best, how values print (tested alone).
 */
import { ICompareRow } from './types';

const METRIC_SECTIONS = new Set(['metrics', 'slice metrics']);

/**
 * The metric name of a compare row: "country=US roc_auc" -> "roc_auc".
 */
export function metricName(row: ICompareRow): string {
  const parts = row.key.split(' ');
  return parts[parts.length - 1];
}

/**
 * Indexes of the best values of a metric row that differs; none for other rows.
 * `lowerIsBetter` names the metrics where lower wins (the server's `lower_is_better`);
 * `unranked` the counts that rank nothing, such as rows (the server's `unranked`).
 */
export function bestIndexes(
  row: ICompareRow,
  lowerIsBetter: ReadonlySet<string>,
  unranked: ReadonlySet<string> = new Set()
): number[] {
  if (
    !row.differs ||
    !METRIC_SECTIONS.has(row.section) ||
    unranked.has(metricName(row))
  ) {
    return [];
  }
  const numbers = row.values
    .map((v, i) => [v, i] as [unknown, number])
    .filter((pair): pair is [number, number] => typeof pair[0] === 'number');
  if (numbers.length === 0) {
    return [];
  }
  const lower = lowerIsBetter.has(metricName(row));
  const best = numbers.reduce(
    (acc, [v]) => (lower ? Math.min(acc, v) : Math.max(acc, v)),
    lower ? Infinity : -Infinity
  );
  return numbers.filter(([v]) => v === best).map(([, i]) => i);
}

/**
 * A value as text: numbers to 4 significant digits, objects as JSON, missing as a dash.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '—') {
    return '—';
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      return String(value);
    }
    return Number(value.toPrecision(4)).toString();
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * Rows grouped by section, keeping the server's order; optionally only the differing ones.
 */
export function groupRows(
  rows: ICompareRow[],
  onlyDiffering = false
): [string, ICompareRow[]][] {
  const groups: [string, ICompareRow[]][] = [];
  for (const row of rows) {
    if (onlyDiffering && !row.differs) {
      continue;
    }
    const last = groups[groups.length - 1];
    if (last && last[0] === row.section) {
      last[1].push(row);
    } else {
      groups.push([row.section, [row]]);
    }
  }
  return groups;
}

/**
 * The section every version leaves at its class's default: folded (comparison.SECTIONS).
 */
export const DEFAULTS_SECTION = 'default params';

/**
 * A difference against the first version, signed ("+0.012"); empty when there is none.
 */
export function formatDelta(delta: number | null | undefined): string {
  if (delta === null || delta === undefined || delta === 0) {
    return '';
  }
  const text = Number(delta.toPrecision(4)).toString();
  return delta > 0 ? `+${text}` : text;
}

/**
 * A tab title that names the compared versions: the shared project (and model) said once.
 * ["risk/churn:1", "risk/churn:2"] -> "churn:1 vs churn:2"; more than three are counted.
 */
export function compareTitle(refs: string[]): string {
  const projects = new Set(refs.map(r => r.split('/')[0]));
  const short =
    projects.size === 1 && refs.every(r => r.includes('/'))
      ? refs.map(r => r.slice(r.indexOf('/') + 1))
      : refs;
  if (short.length <= 3) {
    return short.join(' vs ');
  }
  return `${short.slice(0, 2).join(' vs ')} +${short.length - 2} more`;
}

/**
 * The key of a comparison: the same versions in the same order (the first is the baseline
 * of the deltas) are the same comparison, shown once.
 */
export function compareKey(refs: string[]): string {
  return refs.join('\n');
}

/**
 * What a chart says about the versions it has no bar for ("no roc_auc for risk/odd:1").
 */
export function missingNote(metric: string, missing: string[] = []): string {
  return missing.length ? `no ${metric} for ${missing.join(', ')}` : '';
}
