import { columnSummary } from '../datasetStats';

describe('columnSummary', () => {
  it('gives min, mean and max of a numeric column', () => {
    expect(
      columnSummary({ kind: 'numeric', nulls: 0, min: 1, mean: 2.5, max: 4 })
    ).toEqual({ min: '1', mean: '2.5', max: '4', top: '—' });
  });
  it('gives the top values of a categorical column with counts', () => {
    const s = columnSummary({
      kind: 'categorical',
      nulls: 1,
      n_unique: 7,
      top: { US: 10, DE: 5, FR: 4, IT: 3, ES: 2, PL: 1 }
    });
    expect(s.top).toBe('US (10), DE (5), FR (4), IT (3), ES (2) … of 7 values');
    expect(s.min).toBe('—');
  });
  it('says nothing it does not know', () => {
    expect(columnSummary(undefined).mean).toBe('—');
    expect(columnSummary({ kind: 'numeric', nulls: 3 }).max).toBe('—');
  });
});
