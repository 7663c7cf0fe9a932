import { describeEvent } from '../events';

describe('describeEvent', () => {
  it('says a stage move with its reason', () => {
    expect(
      describeEvent({
        action: 'version.stage',
        before: { stage: 'development' },
        after: { stage: 'production', reason: 'validated' }
      })
    ).toBe("stage: development → production — 'validated'");
  });
  it('names the estimator and parent of a new version', () => {
    expect(
      describeEvent({
        action: 'version.create',
        before: null,
        after: {
          estimator: 'sklearn.linear_model.LogisticRegression',
          stage: 'development',
          parent: 'risk/churn:1',
          metrics: { roc_auc: 0.9 }
        }
      })
    ).toBe('tracked: LogisticRegression in development, from risk/churn:1');
  });
  it('says tags set and removed', () => {
    expect(
      describeEvent({
        action: 'version.untag',
        before: { tags: { owner: 'maya' } },
        after: { tags: { owner: null } }
      })
    ).toBe('removed tag owner');
    expect(
      describeEvent({
        action: 'version.tag',
        before: { tags: { owner: null } },
        after: { tags: { owner: 'maya' } }
      })
    ).toBe('tag owner=maya');
  });
  it('lists new fields and falls back to the action', () => {
    expect(
      describeEvent({
        action: 'consumer.add',
        before: null,
        after: { application: 'crm', owner: null, purpose: 'calls' }
      })
    ).toBe('application: crm, purpose: calls');
    expect(
      describeEvent({ action: 'run.started', before: null, after: null })
    ).toBe('run.started');
  });
});
