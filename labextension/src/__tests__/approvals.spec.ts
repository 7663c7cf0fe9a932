import { requestLine } from '../approvalsSection';

describe('requestLine', () => {
  it('says the move, who asked and when', () => {
    expect(
      requestLine(
        {
          id: 3,
          ref: 'gov/churn:1',
          from_stage: 'validation',
          to_stage: 'production',
          status: 'open',
          author: 'omar',
          comment: null,
          created_at: '2026-01-01T00:00:00Z',
          closed_at: null,
          gates: []
        },
        Date.parse('2026-01-01T00:03:00Z')
      )
    ).toBe('validation → production, asked by omar 3 min ago');
  });
});
