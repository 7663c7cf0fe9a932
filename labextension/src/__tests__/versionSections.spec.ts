import { splitParams } from '../versionSections';

describe('splitParams', () => {
  it('puts the parameters someone set first and folds the defaults, each by name', () => {
    const [set, atDefault] = splitParams(
      { tol: 1e-4, C: 0.5, max_iter: 3000, penalty: 'l2' },
      ['tol', 'penalty']
    );
    expect(set).toEqual([
      ['C', 0.5],
      ['max_iter', 3000]
    ]);
    expect(atDefault).toEqual([
      ['penalty', 'l2'],
      ['tol', 1e-4]
    ]);
  });

  it('shows every parameter as set when the server named no defaults', () => {
    const [set, atDefault] = splitParams({ b: 1, a: 2 }, undefined);
    expect(set.map(([k]) => k)).toEqual(['a', 'b']);
    expect(atDefault).toEqual([]);
  });
});
