/**
 * The Approvals tab of the sidebar: promotion requests waiting for this user (or every open
 * one), their gates with the evidence, and Approve / Reject with a comment.
 */
import { CommandRegistry } from '@lumino/commands';

import * as api from './api';
import { CommandIDs } from './commands';
import { clear, errorText, h } from './dom';
import { Refusals, send } from './jobActions';
import { age } from './query';
import { taskList } from './tasks';
import { IEvidenceFile, IGate, IStageRequest } from './types';

/**
 * The files a comparison_report gate found attached (none for any other gate).
 */
export function attachedReports(gate: IGate): IEvidenceFile[] {
  const files = gate.evidence?.['files'];
  if (gate.gate !== 'comparison_report' || !Array.isArray(files)) {
    return [];
  }
  return files.filter(
    (f): f is IEvidenceFile =>
      typeof f === 'object' && f !== null && typeof f.id === 'number'
  );
}

/**
 * "validation → production, asked by omar 3 min ago".
 */
export function requestLine(request: IStageRequest, now = Date.now()): string {
  return `${request.from_stage} → ${request.to_stage}, asked by ${request.author} ${age(request.created_at, now)}`;
}

export class ApprovalsSection {
  readonly node = h('div', { class: 'mmds-approvals' });
  private readonly status = h('div', {
    class: 'mmds-status',
    'aria-live': 'polite'
  });
  private readonly errorBox = h('div', { class: 'mmds-error', role: 'alert' });
  private readonly list = h('ul', { class: 'mmds-request-list' });
  private readonly myTasks = h('div', { class: 'mmds-my-tasks' });
  private readonly refusals = new Refusals();
  private readonly scope = h(
    'select',
    { class: 'mmds-request-scope', 'aria-label': 'Requests shown' },
    h('option', { value: 'mine' }, 'Waiting for me'),
    h('option', { value: 'open' }, 'Every open request')
  );

  constructor(private readonly commands: CommandRegistry) {
    this.scope.addEventListener('change', () => void this.refresh());
    this.node.append(
      h('div', { class: 'mmds-row mmds-jobs-bar' }, this.scope, this.status),
      this.errorBox,
      this.list,
      h('h3', { class: 'mmds-subhead' }, 'My tasks'),
      this.myTasks
    );
  }

  /**
   * Reload the requests in the chosen scope.
   */
  async refresh(): Promise<void> {
    try {
      const mine = this.scope.value === 'mine';
      const [items, mineTasks] = await Promise.all([
        api.requests(mine).then(r => r.items),
        api.tasks('', true).then(r => r.items)
      ]);
      this.errorBox.textContent = '';
      this.render(items, mine);
      clear(this.myTasks);
      this.refusals.detachAll(); // the lines of the previous drawing are gone
      this.myTasks.appendChild(
        mineTasks.length
          ? taskList(mineTasks, this.refusals, async message => {
              await this.refresh();
              this.status.textContent = message;
            })
          : h('p', { class: 'mmds-empty' }, 'No open task is assigned to you.')
      );
      this.status.textContent = `${items.length} open request${items.length === 1 ? '' : 's'}`;
    } catch (error) {
      this.errorBox.textContent = errorText(error);
    }
  }

  private render(items: IStageRequest[], mine: boolean): void {
    clear(this.list);
    if (items.length === 0) {
      this.list.appendChild(
        h(
          'li',
          { class: 'mmds-empty' },
          mine
            ? 'Nothing waits for your approval.'
            : 'No open promotion requests. A version moves to a gated stage with mmds.request(ref, stage).'
        )
      );
    }
    for (const request of items) {
      this.list.appendChild(this.renderRequest(request));
    }
  }

  /**
   * A button that downloads an attached report (as a file: the browser never renders it in
   * the Lab's page); a refusal shows in the request's error line.
   */
  private reportLink(
    ref: string,
    file: IEvidenceFile,
    refusal: HTMLElement
  ): HTMLElement {
    const button = h(
      'button',
      {
        class: 'mmds-link mmds-evidence',
        'data-evidence': String(file.id),
        title: `Download the comparison report ${file.actor} attached to ${ref}`
      },
      `report #${file.id} by ${file.actor}`
    );
    button.addEventListener('click', () => {
      void send([button], refusal, async () => {
        const found = await api.evidenceFile(ref, file.id);
        const blob = new Blob([found.text], { type: 'text/html' });
        const url = URL.createObjectURL(blob);
        const name = `${found.kind}-${ref.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${file.id}.html`;
        const link = h('a', { href: url, download: name });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      });
    });
    return button;
  }

  private renderRequest(request: IStageRequest): HTMLLIElement {
    const open = h(
      'button',
      { class: 'mmds-link mmds-ref', title: `Open ${request.ref}` },
      request.ref
    );
    open.addEventListener(
      'click',
      () =>
        void this.commands.execute(CommandIDs.openVersion, {
          ref: request.ref
        })
    );
    const comment = h('input', {
      type: 'text',
      class: 'mmds-input mmds-decision-comment',
      'aria-label': `Comment on request #${request.id}`,
      placeholder: 'comment (optional)'
    });
    const approve = h(
      'button',
      { class: 'mmds-approve jp-mod-styled jp-mod-accept' },
      'Approve'
    );
    const reject = h(
      'button',
      { class: 'mmds-reject jp-mod-styled jp-mod-warn' },
      'Reject'
    );
    const refusal = h('div', { class: 'mmds-job-error', role: 'alert' });
    const controls = [approve, reject];
    const decide = (verb: 'approve' | 'reject'): void => {
      void send(controls, refusal, async () => {
        const done = await api.decide(
          request.id,
          verb,
          comment.value.trim() || null
        );
        await this.refresh();
        this.status.textContent =
          done.status === 'done'
            ? `Approved: ${done.ref} is now in ${done.to_stage}`
            : done.status === 'rejected'
              ? `Rejected request #${done.id}`
              : `Approved request #${done.id}; it waits for its other gates`;
      });
    };
    approve.addEventListener('click', () => decide('approve'));
    reject.addEventListener('click', () => decide('reject'));
    const gates = h(
      'ul',
      { class: 'mmds-gates' },
      ...request.gates.map(g =>
        h(
          'li',
          {
            class: `mmds-gate mmds-gate-${g.passed ? 'passed' : 'open'}`,
            'data-gate': g.gate
          },
          `${g.passed ? '✓' : '✗'} ${g.gate}: ${g.message}`,
          ...attachedReports(g).map(f =>
            this.reportLink(request.ref, f, refusal)
          )
        )
      )
    );
    return h(
      'li',
      { class: 'mmds-request', 'data-request': String(request.id) },
      h('div', { class: 'mmds-result-title' }, open),
      h('div', { class: 'mmds-result-meta' }, requestLine(request)),
      request.comment
        ? h('div', { class: 'mmds-result-meta' }, `“${request.comment}”`)
        : null,
      gates,
      h('div', { class: 'mmds-row mmds-decision' }, comment, approve, reject),
      refusal
    );
  }
}
