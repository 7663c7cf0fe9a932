import { parseTag, snippet } from '../versionActions';

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
