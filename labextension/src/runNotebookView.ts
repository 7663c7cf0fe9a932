/**
 * A run's executed notebook in the main area, read-only. With JupyterLab's rendermime (always
 * there in a real Lab), markdown cells and outputs are rendered as a notebook shows them, as
 * *untrusted* content: HTML is sanitized and no script runs. Without it, everything is text.
 */
import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { OutputModel } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { clear, h, keyValueTable, showError } from './dom';
import { errorLine, notebookBlocks, utcTime } from './runs';
import { IRunDetail } from './types';

export class RunNotebookView extends Widget {
  private readonly body = h('div', { class: 'mmds-run-body' });

  constructor(
    readonly runId: number,
    private readonly rendermime: IRenderMimeRegistry | null = null
  ) {
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
      const cells = notebook.cells ?? [];
      for (const [index, block] of notebookBlocks(notebook).entries()) {
        const cell = h(
          'div',
          { class: `mmds-cell mmds-cell-${block.kind}` },
          h('div', { class: 'mmds-cell-label' }, block.label)
        );
        this.body.appendChild(cell);
        if (block.kind === 'markdown' && this.rendermime) {
          cell.appendChild(
            await this.rendered('mmds-cell-markdown', {
              output_type: 'display_data',
              data: { 'text/markdown': block.source },
              metadata: {}
            })
          );
          continue;
        }
        cell.appendChild(h('pre', { class: 'mmds-cell-source' }, block.source));
        const outputs = cells[index]?.outputs ?? [];
        for (const [i, o] of block.outputs.entries()) {
          const cls = `mmds-cell-output mmds-output-${o.kind}`;
          cell.appendChild(
            this.rendermime && outputs[i]
              ? await this.rendered(cls, outputs[i])
              : h('pre', { class: cls }, o.text)
          );
        }
      }
    } catch (error) {
      showError(this.body, error);
    }
  }

  /** One output (or a markdown source) rendered by Lab's renderers, untrusted. */
  private async rendered(cls: string, output: object): Promise<HTMLElement> {
    const box = h('div', { class: cls });
    const rendermime = this.rendermime as IRenderMimeRegistry;
    const model = new OutputModel({
      value: output as ConstructorParameters<typeof OutputModel>[0]['value'],
      trusted: false
    });
    const mime = rendermime.preferredMimeType(model.data, 'any');
    if (!mime) {
      box.textContent = `[${Object.keys(model.data).join(', ')} output not shown]`;
      return box;
    }
    const renderer = rendermime.createRenderer(mime);
    await renderer.renderModel(model);
    box.appendChild(renderer.node);
    return box;
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
