import {
  isEmptySearch,
  metricOrders,
  age,
  compareQuery,
  EMPTY_SEARCH,
  headlineOf,
  pageInfo,
  splitConditions,
  versionsQuery
} from '../query';
import { IVersionRow } from '../types';

describe('versionsQuery', () => {
  it('sends only the limit for an empty search', () => {
    expect(versionsQuery(EMPTY_SEARCH)).toBe('limit=25');
  });

  it('encodes every filter and repeats where for each condition', () => {
    const query = versionsQuery({
      ...EMPTY_SEARCH,
      project: 'risk',
      name: 'churn',
      nameContains: 'Chu rn%',
      feature: 'income',
      withoutFeature: 'zip_code',
      where: 'roc_auc>0.8, accuracy >= 0.9',
      stage: 'production',
      tag: 'team=credit',
      orderBy: '-roc_auc',
      offset: 50
    });
    const params = new URLSearchParams(query);
    expect(params.get('project')).toBe('risk');
    expect(params.get('name')).toBe('churn');
    expect(params.get('name_contains')).toBe('Chu rn%');
    expect(params.get('feature')).toBe('income');
    expect(params.get('without_feature')).toBe('zip_code');
    expect(params.getAll('where')).toEqual(['roc_auc>0.8', 'accuracy>=0.9']);
    expect(params.get('tag')).toBe('team=credit');
    expect(params.get('order_by')).toBe('-roc_auc');
    expect(params.get('offset')).toBe('50');
    expect(query).toContain('where=roc_auc%3E0.8');
  });

  it('sends every search argument of the server, archived only when asked', () => {
    const params = new URLSearchParams(
      versionsQuery({
        ...EMPTY_SEARCH,
        includeArchived: true,
        estimator: 'Ridge',
        since: '7d',
        until: '2026-03-01',
        dataset: 'aa11',
        datasetRole: 'train'
      })
    );
    expect(params.get('include_archived')).toBe('true');
    expect(params.get('estimator')).toBe('Ridge');
    expect(params.get('since')).toBe('7d');
    expect(params.get('until')).toBe('2026-03-01');
    expect(params.get('dataset')).toBe('aa11');
    expect(params.get('dataset_role')).toBe('train');
    expect(versionsQuery({ ...EMPTY_SEARCH, includeArchived: false })).toBe(
      'limit=25'
    );
  });

  it('trims blanks and leaves out empty fields', () => {
    const params = new URLSearchParams(
      versionsQuery({ ...EMPTY_SEARCH, feature: '  ', author: ' maya ' })
    );
    expect(params.has('feature')).toBe(false);
    expect(params.get('author')).toBe('maya');
  });

  it('encodes markup and separators as data', () => {
    const params = new URLSearchParams(
      versionsQuery({ ...EMPTY_SEARCH, feature: '<img src=x>&a=b' })
    );
    expect(params.get('feature')).toBe('<img src=x>&a=b');
    expect(params.has('a')).toBe(false);
  });
});

describe('splitConditions', () => {
  it('splits on commas, semicolons and "and"', () => {
    expect(splitConditions('roc_auc > 0.8 and rmse<3; f1>=0.5,')).toEqual([
      'roc_auc>0.8',
      'rmse<3',
      'f1>=0.5'
    ]);
  });
});

describe('compareQuery', () => {
  it('repeats refs and encodes the slash and colon', () => {
    expect(compareQuery(['risk/churn:1', 'churn@champion'])).toBe(
      'refs=risk%2Fchurn%3A1&refs=churn%40champion'
    );
  });
});

describe('pageInfo', () => {
  it('labels pages and knows its neighbours', () => {
    expect(pageInfo(0, 25, 60)).toEqual({
      label: '1–25 of 60',
      hasPrev: false,
      hasNext: true
    });
    expect(pageInfo(50, 10, 60)).toEqual({
      label: '51–60 of 60',
      hasPrev: true,
      hasNext: false
    });
    expect(pageInfo(0, 0, 0).label).toBe('0–0 of 0');
    expect(pageInfo(0, 25, 1000, false)).toEqual({
      label: '1–25 of 1,000+',
      hasPrev: false,
      hasNext: true
    });
  });
});

describe('age', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  it('says how long ago in the largest unit', () => {
    expect(age('2026-03-10T11:59:30Z', now)).toBe('just now');
    expect(age('2026-03-10T11:55:00Z', now)).toBe('5 min ago');
    expect(age('2026-03-10T09:00:00Z', now)).toBe('3 h ago');
    expect(age('2026-03-07T12:00:00Z', now)).toBe('3 d ago');
    expect(age('2025-01-01T00:00:00Z', now)).toBe('1 y ago');
  });
});

describe('headlineOf', () => {
  const row = {
    metrics: { roc_auc: 0.9, f1: 0.8 },
    headline: { name: 'roc_auc', value: 0.9 }
  } as unknown as IVersionRow;

  it("shows the user's headline metric when the version has it", () => {
    expect(headlineOf(row, 'f1')).toEqual({ name: 'f1', value: 0.8 });
  });

  it("falls back to the server's pick", () => {
    expect(headlineOf(row, 'rmse')).toEqual({ name: 'roc_auc', value: 0.9 });
    expect(headlineOf(row, '')).toEqual({ name: 'roc_auc', value: 0.9 });
  });
});

describe('isEmptySearch', () => {
  it('is true for no filter, whatever the order and page', () => {
    expect(
      isEmptySearch({ ...EMPTY_SEARCH, orderBy: 'name', offset: 25 })
    ).toBe(true);
  });
  it('is false as soon as one filter is set', () => {
    expect(isEmptySearch({ ...EMPTY_SEARCH, slice: 'country=US' })).toBe(false);
    expect(isEmptySearch({ ...EMPTY_SEARCH, where: 'roc_auc>0.8' })).toBe(
      false
    );
  });
});

describe('metricOrders', () => {
  it('offers every recorded metric, headline ones first, lower-is-better as Lowest', () => {
    expect(
      metricOrders(
        ['accuracy', 'log_loss', 'roc_auc'],
        ['roc_auc', 'f1'],
        ['log_loss']
      )
    ).toEqual([
      ['-roc_auc', 'Best roc_auc'],
      ['-accuracy', 'Best accuracy'],
      ['log_loss', 'Lowest log_loss']
    ]);
  });

  it('orders by a count such as rows as Most, not Best', () => {
    expect(
      metricOrders(['roc_auc', 'rows'], ['roc_auc'], [], ['rows'])
    ).toEqual([
      ['-roc_auc', 'Best roc_auc'],
      ['-rows', 'Most rows']
    ]);
  });
});
