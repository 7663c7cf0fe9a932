import { windowCell } from '../monitoring';
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

describe('windowCell', () => {
  it('marks the estimated metric of a window without labels, and only that', () => {
    const unlabelled = {
      ...WEEK,
      labelled: 0,
      labelled_share: 0,
      roc_auc: null,
      estimated: true
    };
    expect(windowCell(unlabelled, 'accuracy', 'accuracy')).toBe('0.84 (est.)');
    expect(windowCell(unlabelled, 'roc_auc', 'accuracy')).toBe('—');
    expect(windowCell(WEEK, 'accuracy', 'accuracy')).toBe('0.84');
  });
});
