import { DEFAULT_SETTINGS, readSettings } from '../settings';

describe('readSettings', () => {
  it('takes the defaults for anything missing', () => {
    expect(readSettings({})).toEqual(DEFAULT_SETTINGS);
  });

  it('reads what the user set', () => {
    expect(
      readSettings({
        refreshInterval: 10,
        pageSize: 50,
        defaultProject: ' risk ',
        headlineMetric: 'f1'
      })
    ).toEqual({
      refreshInterval: 10,
      pageSize: 50,
      defaultProject: 'risk',
      headlineMetric: 'f1'
    });
  });

  it('holds numbers within the schema bounds and ignores wrong types', () => {
    const s = readSettings({
      refreshInterval: 0,
      pageSize: 10000,
      defaultProject: 3
    });
    expect(s.refreshInterval).toBe(1);
    expect(s.pageSize).toBe(200);
    expect(s.defaultProject).toBe('');
    expect(readSettings({ refreshInterval: 'x' }).refreshInterval).toBe(3);
  });
});
