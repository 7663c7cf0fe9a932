import { attachedReports, requestLine } from '../approvalsSection';

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

describe('attachedReports', () => {
  const file = { id: 7, actor: 'vera', time: '2026-01-01T00:00:00Z' };
  it('lists the files a comparison_report gate found', () => {
    expect(
      attachedReports({
        gate: 'comparison_report',
        passed: true,
        message: 'a comparison report is attached',
        evidence: { files: [file, { id: 'x' }] }
      })
    ).toEqual([file]);
  });
  it('lists nothing for other gates or without evidence', () => {
    expect(
      attachedReports({
        gate: 'approvals',
        passed: false,
        message: '0 of 1',
        evidence: { files: [file] }
      })
    ).toEqual([]);
    expect(
      attachedReports({ gate: 'comparison_report', passed: false, message: '' })
    ).toEqual([]);
  });
});
