import {
  emptyForm,
  formOf,
  jobBody,
  relativePath,
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
  it('shows a stored notebook relative to the root', () => {
    expect(relativePath('/nb/reports/score.ipynb', '/nb')).toBe(
      'reports/score.ipynb'
    );
    expect(relativePath('/other/score.ipynb', '/nb')).toBe(
      '/other/score.ipynb'
    );
  });

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
      every: '1h',
      parameters: { region: 'south', fail: true },
      description: null,
      paused: false
    });
    const demand = jobBody({ ...form, timing: 'none' }, DECLARED);
    expect('every' in demand || 'cron' in demand).toBe(false);
  });

  it('prefills an edit and keeps the rest of the definition', () => {
    const job = {
      ...JOB,
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
      spark_master: null
    };
    const form = formOf(job, '/nb');
    expect(form).toEqual({
      name: 'nightly',
      notebook: 'score.ipynb',
      timing: 'every',
      when: '3600s',
      parameters: { rows: '5', region: 'west' },
      description: 'Scores churn',
      paused: true
    });
    expect(formOf(JOB, '/nb').timing).toBe('cron');
    expect(jobBody({ ...form, when: '2h' }, DECLARED, job)).toEqual({
      name: 'nightly',
      notebook: 'score.ipynb',
      every: '2h',
      parameters: { rows: 5, region: 'west' },
      description: 'Scores churn',
      paused: true,
      timezone: 'UTC',
      max_concurrent: 2,
      timeout: 600,
      retries: 1,
      retry_delay: 5,
      catchup: 'skip',
      keep_outputs: 3,
      spark_master: null
    });
  });
});
