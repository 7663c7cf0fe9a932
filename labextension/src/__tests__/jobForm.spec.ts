import {
  emptyForm,
  everyOf,
  formOf,
  intervalText,
  jobBody,
  scheduleText,
  typedValue
} from '../jobForm';
import { IDeclaredParameter } from '../types';
import { JOB } from './fixtures';

const DECLARED: IDeclaredParameter[] = [
  { name: 'region', default: 'north', has_default: true },
  { name: 'rows', default: 10, has_default: true },
  { name: 'fail', default: false, has_default: true },
  { name: 'cutoff', default: null, has_default: false }
];

describe('the job form', () => {
  it('types parameter text like the notebook default', () => {
    const [region, rows, fail, cutoff] = DECLARED;
    expect(typedValue('10', region)).toBe('10');
    expect(typedValue(' 25 ', rows)).toBe(25);
    expect(typedValue('False', fail)).toBe(false);
    expect(typedValue('true', fail)).toBe(true);
    expect(typedValue('[1, 2]', cutoff)).toEqual([1, 2]);
    expect(typedValue('churn@champion', cutoff)).toBe('churn@champion');
  });

  it('sends only the parameters given, and the schedule chosen', () => {
    const form = {
      ...emptyForm(),
      name: ' nightly ',
      notebook: 'score.ipynb',
      timing: 'every' as const,
      when: '1h',
      parameters: { region: 'south', rows: '', fail: 'True' }
    };
    expect(jobBody(form, DECLARED)).toEqual({
      name: 'nightly',
      notebook: 'score.ipynb',
      cron: null,
      every: '1h',
      parameters: { region: 'south', fail: true },
      description: null,
      paused: false
    });
    const demand = jobBody({ ...form, timing: 'none' }, DECLARED);
    expect([demand.cron, demand.every]).toEqual([null, null]);
  });

  it('prefills an edit and sends only the fields the form shows', () => {
    const job = {
      ...JOB,
      notebook: 'reports/score.ipynb',
      schedule: 'every 3600s',
      parameters: { rows: 5, region: 'west' },
      description: 'Scores churn',
      paused: true,
      max_concurrent: 2,
      timeout_s: 600,
      max_retries: 1,
      retry_delay_s: 5,
      catchup: 'skip',
      keep_outputs: 3,
      spark_master: 'local[2]'
    };
    const form = formOf(job);
    expect(form).toEqual({
      name: 'nightly',
      notebook: 'reports/score.ipynb',
      timing: 'every',
      when: '1h',
      parameters: { rows: '5', region: 'west' },
      description: 'Scores churn',
      paused: true
    });
    expect(formOf(JOB).timing).toBe('cron');
    // The fields the form does not show are not sent: the server (PATCH) keeps them.
    expect(jobBody({ ...form, when: '2h' }, DECLARED)).toEqual({
      name: 'nightly',
      notebook: 'reports/score.ipynb',
      cron: null,
      every: '2h',
      parameters: { rows: 5, region: 'west' },
      description: 'Scores churn',
      paused: true
    });
  });

  it('writes an interval as the form takes one, in the largest whole unit', () => {
    expect(intervalText(604800)).toBe('7d');
    expect(intervalText(43200)).toBe('12h');
    expect(intervalText(1800)).toBe('30m');
    expect(intervalText(90)).toBe('90s');
    expect(intervalText(45)).toBe('45s');
    expect(intervalText(1.5)).toBe('1.5s');
    // A day and a quarter: one number and one unit, as the form and the server read it.
    expect(intervalText(108000)).toBe('30h');
    expect(intervalText(86400 + 60)).toBe('1441m');
    // What the server accepts (scheduler/timing.py): one number, one unit.
    for (const seconds of [1, 59, 61, 3599, 3600, 86399, 86400, 31622400]) {
      expect(intervalText(seconds)).toMatch(/^\d+(\.\d+)?[smhd]$/);
    }
  });

  it('shows a stored schedule the way the form writes it', () => {
    expect(everyOf('every 604800s')).toBe('7d');
    expect(everyOf('every 6.048e+05s')).toBe('7d');
    expect(everyOf('0 2 * * *')).toBeNull();
    expect(everyOf(null)).toBeNull();
    expect(scheduleText('every 604800s')).toBe('every 7d');
    expect(scheduleText('every 1800s')).toBe('every 30m');
    expect(scheduleText('0 2 * * *')).toBe('0 2 * * *');
    expect(scheduleText(null)).toBe('on demand only');
    // The sidebar and an edit's form say the same.
    const job = { ...JOB, schedule: 'every 43200s' };
    expect(scheduleText(job.schedule)).toBe(`every ${formOf(job).when}`);
  });
});
