/**
 * A job as the REST API returns it, shared by the front-end tests.
 */
import { IJob } from '../types';

export const JOB: IJob = {
  id: 1,
  name: 'nightly',
  notebook: '/nb/score.ipynb',
  schedule: '0 2 * * *',
  timezone: 'UTC',
  parameters: {},
  paused: false,
  state: 'active',
  next_run_at: '2026-11-27T02:00:00+00:00',
  last_status: 'succeeded',
  description: null,
  created_at: '2026-11-01T00:00:00+00:00',
  created_by: 'sam'
};
