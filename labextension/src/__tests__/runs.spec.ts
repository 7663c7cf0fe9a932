import {
  schedulerLine,
  duration,
  errorLine,
  jobMeta,
  notebookBlocks,
  runMeta,
  utcTime
} from '../runs';
import { INotebook, IRun } from '../types';
import { JOB } from './fixtures';

const RUN: IRun = {
  id: 7,
  job: 'nightly',
  status: 'failed',
  trigger: 'schedule',
  attempt: 2,
  scheduled_for: '2026-11-26T02:00:00+00:00',
  started_at: '2026-11-26T02:00:00+00:00',
  finished_at: '2026-11-26T02:00:04+00:00',
  duration_s: 4.25,
  parameters: {},
  output_path: null,
  error: { ename: 'ValueError', evalue: 'no rows', cell_index: 3 },
  cancel_requested: false
};

describe('jobs and runs as text', () => {
  it('shows the schedule and the next run in UTC, or that the job is paused', () => {
    expect(jobMeta(JOB)).toBe('0 2 * * * · next 2026-11-27 02:00 UTC');
    expect(jobMeta({ ...JOB, paused: true, state: 'paused' })).toBe(
      '0 2 * * * · paused: no new runs'
    );
    expect(jobMeta({ ...JOB, schedule: null, next_run_at: null })).toBe(
      'on demand only · no next run'
    );
    expect(jobMeta({ ...JOB, schedule: 'every 604800s' })).toBe(
      'every 7d · next 2026-11-27 02:00 UTC'
    );
    expect(utcTime(null)).toBe('—');
  });

  it('describes a run by id, trigger, age, duration and attempt', () => {
    const now = Date.parse('2026-11-26T05:00:00Z');
    expect(runMeta(RUN, now)).toBe(
      '#7 · schedule · 3 h ago · 4.3 s · attempt 2'
    );
    expect(duration(125)).toBe('2 min 5 s');
  });

  it('names the error and the failing cell', () => {
    expect(errorLine(RUN.error)).toBe('ValueError: no rows (cell 3)');
    expect(errorLine({ ename: 'Timeout' })).toBe('Timeout');
    expect(errorLine(null)).toBe('');
  });
});

describe('notebookBlocks', () => {
  const nb: INotebook = {
    nbformat: 4,
    cells: [
      { cell_type: 'markdown', source: ['# <b>Title</b>'] },
      {
        cell_type: 'code',
        source: ['x = 1\n', 'print(x)'],
        execution_count: 2,
        metadata: { tags: ['parameters'] },
        outputs: [
          { output_type: 'stream', text: ['1\n'] },
          {
            output_type: 'execute_result',
            data: { 'text/html': '<script>x</script>', 'text/plain': 'X()' }
          },
          { output_type: 'display_data', data: { 'image/png': 'AAAA' } },
          {
            output_type: 'error',
            ename: 'ValueError',
            evalue: 'bad',
            traceback: ['\u001b[0;31mValueError\u001b[0m: bad']
          }
        ]
      }
    ]
  };

  it('keeps sources and outputs as text, preferring text/plain over markup', () => {
    const [md, code] = notebookBlocks(nb);
    expect(md).toEqual({
      kind: 'markdown',
      label: '0 markdown',
      source: '# <b>Title</b>',
      outputs: []
    });
    expect(code.label).toBe('1 [2] (parameters)');
    expect(code.source).toBe('x = 1\nprint(x)');
    expect(code.outputs).toEqual([
      { kind: 'text', text: '1\n' },
      { kind: 'text', text: 'X()' },
      { kind: 'text', text: '[image/png output not shown]' },
      { kind: 'error', text: 'ValueError: bad' }
    ]);
  });
});

describe('schedulerLine', () => {
  const proc = {
    owner: 'h:1:a',
    host: 'h',
    pid: 1,
    executor: 'local',
    poll_interval: 5,
    started_at: '2026-01-01T00:00:00Z',
    seen_at: '2026-01-01T00:00:10Z',
    stopped_at: null,
    alive: true
  };
  it('says how to start one when none is alive', () => {
    const line = schedulerLine([{ ...proc, alive: false }]);
    expect(line.alive).toBe(false);
    expect(line.text).toContain('mmds scheduler');
  });
  it('names where the live ones run and when each last checked in', () => {
    const line = schedulerLine([proc], Date.parse('2026-01-01T00:00:13Z'));
    expect(line).toEqual({
      alive: true,
      text: 'Scheduler running on h (seen 3 s ago).'
    });
  });
});
