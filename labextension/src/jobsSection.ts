/**
 * The Jobs tab of the sidebar: each scheduled notebook job, its state and its newest runs.
 */
import { CommandRegistry } from '@lumino/commands';

import * as api from './api';
import { CommandIDs } from './commands';
import { clear, errorText, h } from './dom';
import {
  cancellable,
  cancelMessage,
  offersChanges,
  Refusals,
  send,
  stopping,
  toggleFor
} from './jobActions';
import { confirmDelete, editJob } from './jobFormView';
import { errorLine, jobMeta, runMeta, schedulerLine, utcTime } from './runs';
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
  // Whether a scheduler is alive to start queued runs (from GET jobs).
  private readonly heartbeat = h('div', {
    class: 'mmds-scheduler',
    role: 'status'
  });
  private schedulerAlive = false;
  private readonly refusals = new Refusals();

  constructor(private readonly commands: CommandRegistry) {
    const reload = h(
      'button',
      { class: 'mmds-jobs-refresh jp-mod-styled', title: 'Reload jobs' },
      'Reload'
    );
    reload.addEventListener('click', () => {
      this.refusals.clear();
      void this.refresh();
    });
    const create = h(
      'button',
      {
        class: 'mmds-job-new jp-mod-styled',
        title:
          'Schedule a notebook: pick it, set when it runs and its parameters'
      },
      'New job'
    );
    create.addEventListener('click', () => void this.edit());
    this.node.append(
      h(
        'div',
        { class: 'mmds-row mmds-jobs-bar' },
        this.status,
        h('span', { class: 'mmds-job-actions' }, create, reload)
      ),
      this.heartbeat,
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
      const listing = await api.jobs();
      const jobs = listing.items;
      const line = schedulerLine(listing.schedulers);
      this.schedulerAlive = line.alive;
      this.heartbeat.textContent = line.text;
      this.heartbeat.dataset.alive = String(line.alive);
      const details = await Promise.all(
        jobs.map(j => api.job(j.name, RECENT_RUNS))
      );
      this.errorBox.textContent = '';
      this.render(details);
      this.status.textContent = `${jobs.length} job${jobs.length === 1 ? '' : 's'}`;
    } catch (error) {
      this.errorBox.textContent = errorText(error);
      this.status.textContent = '';
    }
  }

  /**
   * Open the job form: a new job, or `job` to edit it; the list shows the saved job.
   */
  async edit(job?: IJobDetail): Promise<void> {
    const saved = await editJob(job);
    if (saved) {
      await this.refresh();
      this.status.textContent = `${job ? 'Saved' : 'Created'} job ${saved.name}`;
    }
  }

  private render(jobs: IJobDetail[]): void {
    clear(this.list);
    this.refusals.detachAll();
    if (jobs.length === 0) {
      this.list.appendChild(
        h(
          'li',
          { class: 'mmds-empty' },
          'No jobs yet. Schedule a notebook with New job, `mmds jobs create --name NAME --notebook NOTEBOOK --cron ...`, `%mmds schedule` or POST /mmds/api/jobs.'
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
    const toggle = toggleFor(job);
    const stateButton = h(
      'button',
      {
        class: 'mmds-job-toggle jp-mod-styled',
        'data-verb': toggle.verb,
        title: toggle.title
      },
      toggle.label
    );
    const refusal = h('div', { class: 'mmds-job-error', role: 'alert' });
    const key = `job:${job.name}`;
    this.refusals.attach(key, refusal);
    const editButton = h(
      'button',
      { class: 'mmds-job-edit jp-mod-styled', title: `Edit ${job.name}` },
      'Edit'
    );
    const deleteButton = h(
      'button',
      {
        class: 'mmds-job-delete jp-mod-styled',
        title: `Delete ${job.name} (its past runs stay)`
      },
      'Delete'
    );
    // The buttons wait for any request: a pause, a run now and a delete never cross.
    const controls = [stateButton, runNow, editButton, deleteButton];
    editButton.addEventListener('click', () => void this.edit(job));
    deleteButton.addEventListener('click', async () => {
      if (!(await confirmDelete(job))) {
        return;
      }
      await send(controls, this.refusals.lineFor(key), async () => {
        const gone = await api.deleteJob(job.name);
        await this.refresh();
        this.status.textContent = `Deleted job ${gone.name}; its past runs stay`;
      });
    });
    runNow.addEventListener('click', async () => {
      await send(controls, this.refusals.lineFor(key), async () => {
        const run = await api.runNow(job.name);
        await this.refresh();
        this.status.textContent = this.schedulerAlive
          ? `Queued run #${run.id} of ${job.name}`
          : `Queued run #${run.id} of ${job.name}; it starts when a scheduler runs (\`mmds scheduler\`)`;
      });
    });
    stateButton.addEventListener('click', async () => {
      await send(controls, this.refusals.lineFor(key), async () => {
        const changed = await api.setJobState(job.name, toggle.verb);
        await this.refresh();
        this.status.textContent = `${changed.name} is ${changed.state}`;
      });
    });
    const mayChange = offersChanges(job);
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
        mayChange
          ? h(
              'span',
              { class: 'mmds-job-actions' },
              stateButton,
              runNow,
              editButton,
              deleteButton
            )
          : null
      ),
      h('div', { class: 'mmds-result-meta' }, jobMeta(job)),
      h('div', { class: 'mmds-result-meta' }, lastText),
      mayChange
        ? null
        : h(
            'div',
            { class: 'mmds-result-meta mmds-view-only' },
            'View only: your role in its project does not let you run or pause this job.'
          ),
      refusal,
      h(
        'ul',
        { class: 'mmds-run-list' },
        ...job.runs.map(r => this.renderRun(r, mayChange))
      )
    );
  }

  private renderRun(run: IRun, mayChange: boolean): HTMLLIElement {
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
    const refused = h('div', { class: 'mmds-run-error', role: 'alert' });
    this.refusals.attach(`run:${run.id}`, refused);
    return h(
      'li',
      { class: 'mmds-run', 'data-run': String(run.id) },
      h('span', { class: `mmds-badge mmds-run-${run.status}` }, run.status),
      title,
      mayChange && cancellable(run) ? this.cancelButton(run) : null,
      error ? h('div', { class: 'mmds-run-error' }, error) : null,
      refused
    );
  }

  private cancelButton(run: IRun): HTMLButtonElement {
    if (stopping(run)) {
      const waiting = h(
        'button',
        {
          class: 'mmds-run-cancel jp-mod-styled',
          title: `Run #${run.id} stops when its scheduler next checks in`
        },
        'Stopping…'
      );
      waiting.disabled = true;
      return waiting;
    }
    const cancel = h(
      'button',
      {
        class: 'mmds-run-cancel jp-mod-styled',
        title:
          run.status === 'queued'
            ? `Cancel run #${run.id} before it starts`
            : `Stop run #${run.id}: its scheduler stops the kernel within seconds`
      },
      'Cancel'
    );
    cancel.addEventListener('click', async () => {
      await send([cancel], this.refusals.lineFor(`run:${run.id}`), async () => {
        const answer = await api.cancelRun(run.id);
        await this.refresh();
        this.status.textContent = cancelMessage(answer);
      });
    });
    return cancel;
  }
}
