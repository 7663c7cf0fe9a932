import { taskLine } from '../tasks';
import { ITask } from '../types';

const TASK: ITask = {
  id: 4,
  project: 'credit',
  model: 'credit/churn',
  milestone: 'validation',
  title: 'Write the validation memo',
  description: null,
  assignee: 'vera',
  group: null,
  due: '2026-12-01T00:00:00+00:00',
  depends_on: [3],
  weight: 1,
  status: 'open',
  completed_by: null,
  completed_at: null,
  comment: null
};

describe('taskLine', () => {
  it('says who, when, after what and in which milestone', () => {
    expect(taskLine(TASK)).toBe(
      'Write the validation memo · vera · due 2026-12-01 · after #3 · milestone validation'
    );
  });
  it('names a group when no one is assigned, and who completed it', () => {
    expect(
      taskLine({
        ...TASK,
        assignee: null,
        group: 'validators',
        due: null,
        depends_on: [],
        milestone: null,
        status: 'done',
        completed_by: 'vera'
      })
    ).toBe('Write the validation memo · group validators · done by vera');
  });
});
