/**
 * The Jobs tab of the sidebar: each scheduled notebook job, its state and its newest runs.
 */
import { CommandRegistry } from '@lumino/commands';

import * as api from './api';
import { CommandIDs } from './commands';
import { clear, h } from './dom';
import { errorLine, jobMeta, runMeta, utcTime } from './runs';
import { IJobDetail, IRun } from './types';

export const RECENT_RUNS = 5;

function badge(status: string | null, prefix = 'last'): HTMLElement {
  const text = status ? `${prefix} ${status}` : 'never run';
  return h(
    'span',
    { class: `mmds-badge mmds-run-${status ?? 'none'}`, title: text },
    status ?? 'never run'
  );
}

export class JobsSection {
  readonly node = h('div', { class: 'mmds-jobs' });
  private readonly status = h('div', {
    class: 'mmds-status',
    'aria-live': 'polite'
  });
  private readonly errorBox = h('div', { class: 'mmds-error', role: 'alert' });
  private readonly list = h('ul', { class: 'mmds-job-list' });

  constructor(private readonly commands: CommandRegistry) {
    const reload = h(
      'button',
      { class: 'mmds-jobs-refresh jp-mod-styled', title: 'Reload jobs' },
      'Reload'
    );
    reload.addEventListener('click', () => void this.refresh());
    this.node.append(
      h('div', { class: 'mmds-row mmds-jobs-bar' }, this.status, reload),
      this.errorBox,
      this.list
    );
  }

  /**
   * Reload every job with its newest runs.
   */
  async refresh(): Promise<void> {
    this.status.textContent = 'Loading…';
    try {
      const jobs = (await api.jobs()).items;
      const details = await Promise.all(
        jobs.map(j => api.job(j.name, RECENT_RUNS))
      );
      this.errorBox.textContent = '';
      this.render(details);
      this.status.textContent = `${jobs.length} job${jobs.length === 1 ? '' : 's'}`;
    } catch (error) {
      this.errorBox.textContent =
        error instanceof Error ? error.message : String(error);
      this.status.textContent = '';
    }
  }

  private render(jobs: IJobDetail[]): void {
    clear(this.list);
    if (jobs.length === 0) {
      this.list.appendChild(
        h(
          'li',
          { class: 'mmds-empty' },
          'No jobs yet. Schedule a notebook with `mmds jobs create NAME NOTEBOOK --cron ...`.'
        )
      );
    }
    for (const job of jobs) {
      this.list.appendChild(this.renderJob(job));
    }
  }

  private renderJob(job: IJobDetail): HTMLLIElement {
    const runNow = h(
      'button',
      {
        class: 'mmds-run-now jp-mod-styled',
        title: `Queue a run of ${job.name} now (a running \`mmds scheduler\` starts it)`
      },
      'Run now'
    );
    runNow.addEventListener('click', async () => {
      runNow.disabled = true;
      try {
        const run = await api.runNow(job.name);
        this.status.textContent = `Queued run #${run.id} of ${job.name}`;
        await this.refresh();
      } catch (error) {
        this.errorBox.textContent =
          error instanceof Error ? error.message : String(error);
      } finally {
        runNow.disabled = false;
      }
    });
    const last = job.runs[0];
    const lastText = last
      ? `last run ${utcTime(last.finished_at ?? last.started_at ?? last.scheduled_for)}`
      : 'no runs yet';
    return h(
      'li',
      { class: 'mmds-job', 'data-job': job.name },
      h(
        'div',
        { class: 'mmds-result-title' },
        h('strong', { class: 'mmds-job-name', title: job.notebook }, job.name),
        h('span', { class: `mmds-badge mmds-job-${job.state}` }, job.state),
        badge(job.last_status),
        runNow
      ),
      h('div', { class: 'mmds-result-meta' }, jobMeta(job)),
      h('div', { class: 'mmds-result-meta' }, lastText),
      h(
        'ul',
        { class: 'mmds-run-list' },
        ...job.runs.map(r => this.renderRun(r))
      )
    );
  }

  private renderRun(run: IRun): HTMLLIElement {
    const label = runMeta(run);
    const title = run.output_path
      ? h(
          'button',
          {
            class: 'mmds-link mmds-run-open',
            title: `Open the executed notebook of run #${run.id}`
          },
          label
        )
      : h('span', { class: 'mmds-run-label' }, label);
    if (run.output_path) {
      title.addEventListener('click', () => {
        void this.commands.execute(CommandIDs.openRunNotebook, {
          id: run.id,
          job: run.job
        });
      });
    }
    const error = errorLine(run.error);
    return h(
      'li',
      { class: 'mmds-run', 'data-run': String(run.id) },
      h('span', { class: `mmds-badge mmds-run-${run.status}` }, run.status),
      title,
      error ? h('div', { class: 'mmds-run-error' }, error) : null
    );
  }
}
