import { windowCell, windowMetrics } from '../monitoring';
import { IPerformanceWindow } from '../types';

const WEEK: IPerformanceWindow = {
  window: '2026-01-05/2026-01-11',
  ref: 'watch/churn:1',
  rows: 1000,
  labelled: 1000,
  labelled_share: 1,
  roc_auc: 0.91,
  accuracy: 0.84
};

describe('windowMetrics', () => {
  it('keeps the metrics some window has, in a fixed order', () => {
    expect(windowMetrics([WEEK, { ...WEEK, roc_auc: null, f1: 0.5 }])).toEqual([
      'roc_auc',
      'accuracy',
      'f1'
    ]);
  });
});

describe('windowCell', () => {
  it('marks an estimated accuracy, and only that', () => {
    const unlabelled = {
      ...WEEK,
      labelled: 0,
      labelled_share: 0,
      roc_auc: null,
      estimated: true
    };
    expect(windowCell(unlabelled, 'accuracy')).toBe('0.84 (est.)');
    expect(windowCell(unlabelled, 'roc_auc')).toBe('—');
    expect(windowCell(WEEK, 'accuracy')).toBe('0.84');
  });
});
