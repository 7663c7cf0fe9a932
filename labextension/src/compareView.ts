/**
 * Two or more versions side by side: by default only the rows that differ, metrics first,
 * a delta against the first version, parameters at their defaults folded, a bar chart per
 * metric that names the versions without it. The order and the flags come from the server
 * (mmds_jupyter/comparison.py), shared with the notebook table and `--html` reports.
 */
import { CommandRegistry } from '@lumino/commands';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { exportButtons } from './download';
import { compareSnippet } from './versionActions';
import { CommandIDs } from './commands';
import {
  bestIndexes,
  compareKey,
  compareTitle,
  DEFAULTS_SECTION,
  formatDelta,
  formatValue,
  groupRows,
  missingNote
} from './diff';
import { clear, h, serverSvg, showError } from './dom';
import { IComparison } from './types';

/**
 * A stable DOM id for a comparison, so that a reloaded page finds the same tab.
 */
function compareId(refs: string[]): string {
  let hash = 5381;
  for (const char of compareKey(refs)) {
    hash = ((hash * 33) ^ char.charCodeAt(0)) >>> 0;
  }
  return `mmds-compare-${hash.toString(36)}`;
}

export class CompareView extends Widget {
  private readonly body = h('div', { class: 'mmds-compare-body' });
  private data: IComparison | null = null;
  private lowerIsBetter: ReadonlySet<string> = new Set();
  private unranked: ReadonlySet<string> = new Set();
  private onlyDiffering = true;
  private readonly unfolded = new Set<string>();

  constructor(
    readonly refs: string[],
    private readonly commands: CommandRegistry
  ) {
    super();
    this.id = compareId(refs);
    this.addClass('mmds-view');
    this.addClass('mmds-compare-view');
    this.title.label = compareTitle(refs);
    this.title.caption = `MMDS: ${refs.join(' vs ')}`;
    this.title.closable = true;
    this.node.appendChild(this.body);
    void this.load();
  }

  /**
   * The key under which the same comparison is found again (see diff.compareKey).
   */
  get key(): string {
    return compareKey(this.refs);
  }

  async load(): Promise<void> {
    try {
      const [data, info] = await Promise.all([
        api.compare(this.refs),
        api.serverInfo()
      ]);
      this.data = data;
      this.lowerIsBetter = new Set(info.lower_is_better);
      this.unranked = new Set(info.unranked);
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
    this.body.appendChild(exportButtons(data.refs));
    this.body.appendChild(this.copyButton(data.refs));
    for (const warning of data.warnings ?? []) {
      this.body.appendChild(h('p', { class: 'mmds-warning' }, `⚠ ${warning}`));
    }
    this.body.appendChild(this.renderCharts(data));
    this.body.appendChild(
      h('label', { class: 'mmds-toggle' }, toggle, ' Only rows that differ')
    );
    this.body.appendChild(this.renderTable(data));
  }

  /** "Copy %mmds compare": the magic line that shows this comparison in a notebook. */
  private copyButton(refs: string[]): HTMLElement {
    const line = compareSnippet(refs);
    const said = h('span', { class: 'mmds-status', role: 'status' });
    const button = h(
      'button',
      {
        class: 'mmds-copy-compare jp-mod-styled',
        title: `Copy "${line}" to paste into a notebook`
      },
      'Copy %mmds compare'
    );
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(line).then(
        () => (said.textContent = `Copied: ${line}`),
        () => (said.textContent = `Could not copy; the line is: ${line}`)
      );
    });
    return h('div', { class: 'mmds-row' }, button, said);
  }

  private renderCharts(data: IComparison): HTMLElement {
    const charts = h('div', { class: 'mmds-charts' });
    const overview = data.overview ? serverSvg(data.overview) : null;
    if (overview) {
      charts.appendChild(
        h('figure', { class: 'mmds-chart mmds-overview' }, overview)
      );
    }
    for (const chart of data.charts) {
      const note = missingNote(chart.metric, chart.missing);
      charts.appendChild(
        h(
          'figure',
          { class: 'mmds-chart', 'data-metric': chart.metric },
          serverSvg(chart.svg) ??
            h('p', {}, `The chart of ${chart.metric} could not be read.`),
          note ? h('figcaption', { class: 'mmds-chart-note' }, note) : null
        )
      );
    }
    return charts;
  }

  private renderTable(data: IComparison): HTMLElement {
    const later = data.refs.slice(1);
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
    for (const ref of later) {
      const label = later.length === 1 ? `Δ vs ${data.refs[0]}` : `Δ ${ref}`;
      head.appendChild(h('th', { class: 'mmds-delta' }, label));
    }
    table.appendChild(head);
    const width = String(data.refs.length + later.length + 1);
    const groups = groupRows(data.rows, this.onlyDiffering);
    if (groups.length === 0) {
      table.appendChild(
        h(
          'tr',
          { class: 'mmds-empty' },
          h(
            'td',
            { colspan: width },
            'No row differs. Untick "Only rows that differ" to see them all.'
          )
        )
      );
    }
    for (const [section, rows] of groups) {
      const folded =
        section === DEFAULTS_SECTION && !this.unfolded.has(section);
      const fold = h(
        'button',
        {
          class: 'mmds-fold',
          'aria-expanded': String(!folded),
          'data-section': section
        },
        `${folded ? '▸' : '▾'} ${section} · ${rows.length} row${rows.length === 1 ? '' : 's'}`
      );
      fold.addEventListener('click', () => {
        if (this.unfolded.has(section)) {
          this.unfolded.delete(section);
        } else {
          this.unfolded.add(section);
        }
        this.render();
      });
      table.appendChild(
        h(
          'tr',
          { class: 'mmds-section-row', 'data-section': section },
          h(
            'td',
            { colspan: width },
            section === DEFAULTS_SECTION ? fold : section
          )
        )
      );
      if (folded) {
        continue;
      }
      for (const row of rows) {
        const best = new Set(
          bestIndexes(row, this.lowerIsBetter, this.unranked)
        );
        const tr = h(
          'tr',
          {
            class: row.differs ? 'mmds-diff' : 'mmds-same',
            'data-key': row.key
          },
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
        const deltas = row.deltas ?? [];
        later.forEach((_, i) => {
          tr.appendChild(
            h(
              'td',
              { class: 'mmds-delta' },
              row.differs ? formatDelta(deltas[i + 1]) : ''
            )
          );
        });
        table.appendChild(tr);
      }
    }
    return table;
  }
}
