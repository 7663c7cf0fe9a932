import { IPermissions } from '../types';
import { compareSnippet, offered, parseTag, snippet } from '../versionActions';
import { latestPerTest } from '../versionSections';

describe('parseTag', () => {
  it('splits key=value at the first =', () => {
    expect(parseTag(' owner = maya ')).toEqual(['owner', 'maya']);
    expect(parseTag('rule=a=b')).toEqual(['rule', 'a=b']);
  });
  it('refuses what is not a tag', () => {
    expect(parseTag('owner')).toBeNull();
    expect(parseTag('=maya')).toBeNull();
    expect(parseTag('owner=')).toBeNull();
  });
});

describe('snippet', () => {
  it('loads the version by its reference', () => {
    expect(snippet('risk/churn:2')).toBe(
      'import mmds_jupyter as mmds\nmodel = mmds.load("risk/churn:2")'
    );
  });
});

describe('offered', () => {
  const STAGES = [
    'development',
    'validation',
    'production',
    'retired',
    'archived'
  ];
  const permissions = (
    operations: string[],
    stages: string[] = [],
    champion = false
  ): IPermissions => ({
    ref: 'risk/churn:1',
    user: 'u',
    operations,
    stages,
    aliases: { champion }
  });

  it('offers a viewer nothing that changes the version', () => {
    const offer = offered(
      permissions(['get', 'report', 'events']),
      STAGES,
      'development'
    );
    expect(offer).toEqual({
      stages: [],
      move: false,
      request: false,
      alias: 'none',
      tag: false,
      untag: false,
      describe: false,
      runTests: false,
      report: true,
      pmml: false
    });
    // a consumer, who may score it, may also take its PMML file
    expect(
      offered(permissions(['get', 'export_pmml']), STAGES, 'development').pmml
    ).toBe(true);
  });

  it('offers a modeller the edits of their own version and requests', () => {
    const ops = ['get', 'tag', 'untag', 'describe', 'alias', 'set_stage'];
    const offer = offered(
      permissions([...ops, 'request']),
      STAGES,
      'development'
    );
    // No role to move it anywhere: the menu lists what may be requested.
    expect(offer.move).toBe(false);
    expect(offer.request).toBe(true);
    expect(offer.stages).toEqual(STAGES.slice(1));
    expect([offer.alias, offer.tag, offer.describe, offer.runTests]).toEqual([
      'any',
      true,
      true,
      false
    ]);
  });

  it('offers an approver only the moves and the alias their role allows', () => {
    const offer = offered(
      permissions(['get', 'set_stage'], ['production', 'retired'], true),
      STAGES,
      'development'
    );
    expect(offer.move).toBe(true);
    expect(offer.request).toBe(false);
    expect(offer.stages).toEqual(['production', 'retired']);
    expect(offer.alias).toBe('reserved');
    expect(offer.tag).toBe(false);
  });
});

describe('latestPerTest', () => {
  it('keeps the newest result of each test', () => {
    const result = (id: number, test: string, passed: boolean) => ({
      id,
      test,
      passed,
      n_rows: 3,
      n_mismatched: passed ? 0 : 1,
      max_abs_diff: null,
      ran_at: '2026-01-01T00:00:00+00:00',
      actor: 'maya'
    });
    const latest = latestPerTest([
      result(3, 'golden', false),
      result(2, 'edge', true),
      result(1, 'golden', true)
    ]);
    expect(latest.map(r => [r.id, r.passed])).toEqual([
      [3, false],
      [2, true]
    ]);
  });
});

describe('compareSnippet', () => {
  it('is the magic line of the same comparison', () => {
    expect(compareSnippet(['risk/churn:1', 'risk/churn@champion'])).toBe(
      '%mmds compare risk/churn:1 risk/churn@champion'
    );
  });
});
