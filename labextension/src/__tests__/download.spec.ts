import { reportQuery } from '../download';

describe('reportQuery', () => {
  it('names every version, the kind and the format', () => {
    expect(
      reportQuery(['risk/churn:1', 'risk/churn:2'], 'comparison', 'pdf')
    ).toBe(
      'report?refs=risk%2Fchurn%3A1&refs=risk%2Fchurn%3A2&kind=comparison&format=pdf'
    );
  });
});
