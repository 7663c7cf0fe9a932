/**
 * A data set column's captured statistics, in the words its page shows.
 */
import { formatValue } from './diff';
import { IColumnStats } from './types';

// Top values shown per categorical column.
const TOP_SHOWN = 5;

/**
 * One column's statistics in words: numbers as min / mean / max, categories as their most
 * frequent values with counts.
 */
export function columnSummary(stats: IColumnStats | undefined): {
  min: string;
  mean: string;
  max: string;
  top: string;
} {
  const none = { min: '—', mean: '—', max: '—', top: '—' };
  if (!stats) {
    return none;
  }
  if (stats.kind === 'categorical') {
    const top = Object.entries(stats.top ?? {})
      .slice(0, TOP_SHOWN)
      .map(([value, count]) => `${value} (${count.toLocaleString('en-US')})`);
    const more =
      stats.n_unique !== undefined && stats.n_unique > top.length
        ? ` … of ${stats.n_unique.toLocaleString('en-US')} values`
        : '';
    return { ...none, top: top.length ? top.join(', ') + more : '—' };
  }
  return {
    min: formatValue(stats.min ?? null),
    mean: formatValue(stats.mean ?? null),
    max: formatValue(stats.max ?? null),
    top: '—'
  };
}
