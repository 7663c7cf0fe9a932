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
 * `lowerIsBetter` names the metrics where lower wins (the server's `lower_is_better`).
 */
export function bestIndexes(
  row: ICompareRow,
  lowerIsBetter: ReadonlySet<string>
): number[] {
  if (!row.differs || !METRIC_SECTIONS.has(row.section)) {
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
