import { reportQuery } from '../download';

describe('reportQuery', () => {
  it('names every version and the format, and leaves the kind to the server', () => {
    expect(reportQuery(['risk/churn:1', 'risk/churn:2'], 'pdf')).toBe(
      'report?refs=risk%2Fchurn%3A1&refs=risk%2Fchurn%3A2&format=pdf'
    );
  });
});
