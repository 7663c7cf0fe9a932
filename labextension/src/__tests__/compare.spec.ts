import { compareKey, compareTitle, formatDelta, missingNote } from '../diff';

describe('compareTitle', () => {
  it('names the versions, saying a shared project once', () => {
    expect(compareTitle(['risk/churn:1', 'risk/churn:2'])).toBe(
      'churn:1 vs churn:2'
    );
  });

  it('keeps the projects when they differ', () => {
    expect(compareTitle(['risk/churn:1', 'ops/churn:2'])).toBe(
      'risk/churn:1 vs ops/churn:2'
    );
  });

  it('counts versions beyond the first two of many', () => {
    expect(compareTitle(['a/m:1', 'a/m:2', 'a/m:3', 'a/m:4'])).toBe(
      'm:1 vs m:2 +2 more'
    );
  });
});

describe('compareKey', () => {
  it('is the same for the same versions in the same order only', () => {
    expect(compareKey(['a', 'b'])).toBe(compareKey(['a', 'b']));
    expect(compareKey(['a', 'b'])).not.toBe(compareKey(['b', 'a']));
    expect(compareKey(['a,b', 'c'])).not.toBe(compareKey(['a', 'b,c']));
  });
});

describe('formatDelta', () => {
  it('signs a difference and leaves none empty', () => {
    expect(formatDelta(0.012345)).toBe('+0.01235');
    expect(formatDelta(-2)).toBe('-2');
    expect(formatDelta(0)).toBe('');
    expect(formatDelta(null)).toBe('');
    expect(formatDelta(undefined)).toBe('');
  });
});

describe('missingNote', () => {
  it('names the versions a chart has no bar for', () => {
    expect(missingNote('roc_auc', ['risk/odd:1'])).toBe(
      'no roc_auc for risk/odd:1'
    );
    expect(missingNote('roc_auc', [])).toBe('');
  });
});
