import { reviewText, splitParams } from '../versionSections';

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

describe('reviewText', () => {
  const review = {
    stage: 'production',
    since: '2026-01-10T09:00:00+00:00',
    review_due: '2026-07-10T09:00:00+00:00',
    expires: '2027-01-10T09:00:00+00:00',
    overdue: false,
    expired: false
  };

  it('words the review as mmds show does', () => {
    expect(reviewText(review)).toBe(
      'production review: last 2026-01-10, due 2026-07-10, expires 2027-01-10'
    );
  });

  it('says when it is overdue or expired, and leaves out what the template does not ask', () => {
    expect(
      reviewText({ ...review, overdue: true, expired: true, review_due: null })
    ).toBe('production review: last 2026-01-10, EXPIRED 2027-01-10');
    expect(reviewText({ ...review, overdue: true, expires: null })).toBe(
      'production review: last 2026-01-10, due 2026-07-10 (OVERDUE)'
    );
  });
});
