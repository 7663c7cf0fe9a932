/**
 * A run's executed notebook in the main area, read-only: cell sources and outputs as text.
 */
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { clear, h, keyValueTable, showError } from './dom';
import { errorLine, notebookBlocks, utcTime } from './runs';
import { IRunDetail } from './types';

export class RunNotebookView extends Widget {
  private readonly body = h('div', { class: 'mmds-run-body' });

  constructor(readonly runId: number) {
    super();
    this.id = `mmds-run-${runId}`;
    this.addClass('mmds-view');
    this.addClass('mmds-run-view');
    this.title.label = `Run #${runId}`;
    this.title.caption = `MMDS run ${runId}: executed notebook (read-only)`;
    this.title.closable = true;
    this.node.appendChild(this.body);
    void this.load();
  }

  async load(): Promise<void> {
    clear(this.body);
    this.body.appendChild(h('p', {}, 'Loading…'));
    try {
      const [run, notebook] = await Promise.all([
        api.run(this.runId),
        api.runNotebook(this.runId)
      ]);
      clear(this.body);
      this.title.label = `${run.job} #${run.id}`;
      this.body.append(this.header(run));
      for (const block of notebookBlocks(notebook)) {
        this.body.appendChild(
          h(
            'div',
            { class: `mmds-cell mmds-cell-${block.kind}` },
            h('div', { class: 'mmds-cell-label' }, block.label),
            h('pre', { class: 'mmds-cell-source' }, block.source),
            ...block.outputs.map(o =>
              h(
                'pre',
                { class: `mmds-cell-output mmds-output-${o.kind}` },
                o.text
              )
            )
          )
        );
      }
    } catch (error) {
      showError(this.body, error);
    }
  }

  private header(run: IRunDetail): HTMLElement {
    return h(
      'div',
      { class: 'mmds-version-header' },
      h('h2', {}, `${run.job} — run #${run.id}`),
      h('span', { class: `mmds-badge mmds-run-${run.status}` }, run.status),
      keyValueTable([
        ['trigger', run.trigger],
        ['started', utcTime(run.started_at)],
        ['finished', utcTime(run.finished_at)],
        ['parameters', JSON.stringify(run.parameters ?? {})],
        ['error', errorLine(run.error) || '—'],
        [
          'score sets',
          run.score_sets
            .map(s => `${s.version} (${s.n_rows} rows)`)
            .join(', ') || '—'
        ],
        ['output', run.output_path ?? '—']
      ])
    );
  }
}
