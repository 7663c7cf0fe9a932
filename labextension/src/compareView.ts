/**
 * Two or more versions side by side: differing rows highlighted, a bar chart per metric.
 */
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { barChart } from './charts';
import { CommandIDs } from './commands';
import { bestIndexes, formatValue, groupRows } from './diff';
import { clear, h, showError } from './dom';
import { IComparison } from './types';

export class CompareView extends Widget {
  private readonly body = h('div', { class: 'mmds-compare-body' });
  private data: IComparison | null = null;
  private lowerIsBetter: ReadonlySet<string> = new Set();
  private onlyDiffering = false;

  constructor(
    readonly refs: string[],
    private readonly commands: CommandRegistry
  ) {
    super();
    this.id = `mmds-compare-${Date.now()}`;
    this.addClass('mmds-view');
    this.title.label = `Compare ${refs.length}`;
    this.title.caption = `MMDS: ${refs.join(' vs ')}`;
    this.title.closable = true;
    this.node.appendChild(this.body);
    void this.load();
  }

  async load(): Promise<void> {
    try {
      const [data, info] = await Promise.all([
        api.compare(this.refs),
        api.serverInfo()
      ]);
      this.data = data;
      this.lowerIsBetter = new Set(info.lower_is_better);
      this.render();
    } catch (error) {
      showError(this.body, error);
    }
  }

  private render(): void {
    const data = this.data;
    if (!data) {
      return;
    }
    clear(this.body);
    const toggle = h('input', { type: 'checkbox', class: 'mmds-only-diff' });
    toggle.checked = this.onlyDiffering;
    toggle.addEventListener('change', () => {
      this.onlyDiffering = toggle.checked;
      this.render();
    });
    this.body.appendChild(h('h2', {}, data.refs.join(' vs ')));
    for (const warning of data.warnings ?? []) {
      this.body.appendChild(h('p', { class: 'mmds-warning' }, `⚠ ${warning}`));
    }
    this.body.appendChild(
      h('label', { class: 'mmds-toggle' }, toggle, ' Only rows that differ')
    );
    const charts = h('div', { class: 'mmds-charts' });
    for (const chart of data.charts) {
      charts.appendChild(
        h('div', { class: 'mmds-chart' }, barChart(chart, data.refs))
      );
    }
    this.body.appendChild(charts);
    const table = h('table', { class: 'mmds-grid mmds-compare-table' });
    const head = h('tr', {}, h('th', {}, 'key'));
    for (const ref of data.refs) {
      const open = h('button', { class: 'mmds-link' }, ref);
      open.addEventListener(
        'click',
        () => void this.commands.execute(CommandIDs.openVersion, { ref })
      );
      head.appendChild(h('th', {}, open));
    }
    table.appendChild(head);
    for (const [sectionName, rows] of groupRows(
      data.rows,
      this.onlyDiffering
    )) {
      table.appendChild(
        h(
          'tr',
          { class: 'mmds-section-row' },
          h('td', { colspan: String(data.refs.length + 1) }, sectionName)
        )
      );
      for (const row of rows) {
        const best = new Set(bestIndexes(row, this.lowerIsBetter));
        const tr = h(
          'tr',
          { class: row.differs ? 'mmds-diff' : 'mmds-same' },
          h('td', {}, row.key)
        );
        row.values.forEach((value, i) => {
          tr.appendChild(
            h(
              'td',
              best.has(i) ? { class: 'mmds-best' } : {},
              formatValue(value)
            )
          );
        });
        table.appendChild(tr);
      }
    }
    this.body.appendChild(table);
  }
}
