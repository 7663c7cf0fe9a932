import { bestIndexes, formatValue, groupRows, metricName } from '../diff';
import { ICompareRow } from '../types';

const row = (
  section: string,
  key: string,
  values: unknown[],
  differs = true
): ICompareRow => ({ section, key, values, differs });

// What the server sends as lower_is_better (GET /mmds/api/).
const LOWER: ReadonlySet<string> = new Set(['log_loss', 'mae', 'rmse']);

describe('bestIndexes', () => {
  it('takes the directions from the server, not from a list of its own', () => {
    const brier = row('metrics', 'brier', [0.2, 0.1]);
    expect(bestIndexes(brier, LOWER)).toEqual([0]);
    expect(bestIndexes(brier, new Set(['brier']))).toEqual([1]);
  });

  it('picks the highest value of a metric where higher is better', () => {
    expect(
      bestIndexes(row('metrics', 'roc_auc', [0.8, 0.93, 0.9]), LOWER)
    ).toEqual([1]);
  });

  it('picks the lowest value for losses and errors', () => {
    expect(
      bestIndexes(row('metrics', 'log_loss', [0.3, 0.2, 0.25]), LOWER)
    ).toEqual([1]);
    expect(
      bestIndexes(row('slice metrics', 'country=US rmse', [4, 3, 5]), LOWER)
    ).toEqual([1]);
  });

  it('marks ties, skips missing values, ignores non-metric rows and equal rows', () => {
    expect(
      bestIndexes(row('metrics', 'f1', [0.9, null, 0.9, 0.5]), LOWER)
    ).toEqual([0, 2]);
    expect(bestIndexes(row('params', 'C', [1, 2]), LOWER)).toEqual([]);
    expect(bestIndexes(row('metrics', 'f1', [0.9, 0.9], false), LOWER)).toEqual(
      []
    );
    expect(bestIndexes(row('metrics', 'f1', [null, null]), LOWER)).toEqual([]);
  });

  it('never calls a count such as rows best (the server names them unranked)', () => {
    const rows = row('slice metrics', 'country=US rows', [120, 300]);
    expect(bestIndexes(rows, LOWER)).toEqual([1]);
    expect(bestIndexes(rows, LOWER, new Set(['rows']))).toEqual([]);
  });
});

describe('metricName', () => {
  it('reads the metric of a slice row', () => {
    expect(metricName(row('slice metrics', 'country=US roc_auc', []))).toBe(
      'roc_auc'
    );
  });
});

describe('formatValue', () => {
  it('prints numbers, objects and missing values', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(12)).toBe('12');
    expect(formatValue(null)).toBe('—');
    expect(formatValue('—')).toBe('—');
    expect(formatValue({ a: 1 })).toBe('{"a":1}');
    expect(formatValue('<b>')).toBe('<b>');
  });
});

describe('groupRows', () => {
  const rows = [
    row('metrics', 'f1', [1, 2]),
    row('metrics', 'roc_auc', [1, 1], false),
    row('params', 'C', [1, 2])
  ];
  it('groups consecutive rows by section', () => {
    expect(groupRows(rows).map(([s, r]) => [s, r.length])).toEqual([
      ['metrics', 2],
      ['params', 1]
    ]);
  });
  it('can keep only the rows that differ', () => {
    expect(groupRows(rows, true).map(([s, r]) => [s, r.length])).toEqual([
      ['metrics', 1],
      ['params', 1]
    ]);
  });
});
