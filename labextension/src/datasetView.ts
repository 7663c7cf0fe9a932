/**
 * One data set in the main area: its schema with per-column statistics, and the versions
 * trained and tested on it (links to their pages).
 */
import { InputDialog, showErrorMessage } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';

import * as api from './api';
import { CommandIDs } from './commands';
import { columnSummary } from './datasetStats';
import {
  append,
  clear,
  errorText,
  grid,
  h,
  keyValueTable,
  showError
} from './dom';
import { age } from './query';
import { RefreshingView } from './refreshing';
import { IDatasetPage, IDatasetUse } from './types';

export class DatasetView extends RefreshingView {
  private readonly body = h('div', { class: 'mmds-version-body' });

  constructor(
    readonly contentHash: string,
    private readonly commands: CommandRegistry
  ) {
    super();
    this.id = `mmds-dataset-${contentHash.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.addClass('mmds-view');
    this.addClass('mmds-dataset-view');
    this.title.label = `data set ${contentHash.slice(0, 10)}`;
    this.title.caption = `MMDS data set ${contentHash}`;
    this.title.closable = true;
    this.node.appendChild(this.body);
    void this.load();
  }

  async load(): Promise<void> {
    if (!this.body.hasChildNodes()) {
      this.body.appendChild(
        h('p', {}, `Loading data set ${this.contentHash.slice(0, 10)}…`)
      );
    }
    try {
      const page = await api.dataset(this.contentHash);
      clear(this.body);
      this.render(page);
    } catch (error) {
      showError(this.body, error);
    }
  }

  private link(use: IDatasetUse): HTMLElement {
    const button = h(
      'button',
      { class: 'mmds-link mmds-dataset-version', title: `Open ${use.ref}` },
      use.ref
    );
    button.addEventListener(
      'click',
      () => void this.commands.execute(CommandIDs.openVersion, { ref: use.ref })
    );
    return h(
      'li',
      {},
      button,
      h('span', { class: `mmds-stage mmds-stage-${use.stage}` }, use.stage),
      use.created_at
        ? h('span', { class: 'mmds-result-meta' }, ` ${age(use.created_at)}`)
        : null
    );
  }

  private uses(uses: IDatasetUse[], role: string): HTMLElement {
    return uses.length
      ? h(
          'ul',
          { class: `mmds-dataset-uses mmds-dataset-${role}` },
          ...uses.map(u => this.link(u))
        )
      : h(
          'p',
          { class: `mmds-dataset-${role}` },
          `No version you may read was ${role === 'trained' ? 'trained' : 'tested'} on it.`
        );
  }

  private render(page: IDatasetPage): void {
    const name = page.name ?? 'unnamed data set';
    this.title.label = `${name} ${page.content_hash.slice(0, 10)}`;
    const header = h(
      'header',
      { class: 'mmds-version-header' },
      h('h2', {}, name),
      h(
        'span',
        { class: 'mmds-dataset-shape' },
        `${page.n_rows.toLocaleString('en-US')} rows × ${page.n_cols.toLocaleString('en-US')} columns`
      )
    );
    const summary = keyValueTable([
      ['content hash', h('code', { class: 'mmds-hash' }, page.content_hash)],
      [
        'first seen',
        page.created_at
          ? `${new Date(page.created_at).toLocaleString()} (${age(page.created_at)})`
          : '—'
      ],
      ['trained on it', String(page.trained_on.length)],
      ['tested on it', String(page.tested_on.length)]
    ]);
    const columns = Object.keys(page.schema);
    const schema = grid(
      ['column', 'dtype', 'nulls', 'min', 'mean', 'max', 'top values'],
      columns.map(column => {
        const stats = page.stats[column];
        const s = columnSummary(stats);
        return [
          column,
          page.schema[column],
          stats?.nulls === undefined
            ? '—'
            : stats.nulls.toLocaleString('en-US'),
          s.min,
          s.mean,
          s.max,
          s.top
        ];
      }),
      'mmds-grid mmds-dataset-schema'
    );
    const section = (title: string, body: Node): HTMLElement =>
      h('section', { class: 'mmds-section' }, h('h3', {}, title), body);
    append(
      this.body,
      header,
      section('Summary', summary),
      section('Versions trained on it', this.uses(page.trained_on, 'trained')),
      section('Versions tested on it', this.uses(page.tested_on, 'tested')),
      section('Schema and statistics', schema)
    );
  }
}

/**
 * Ask for a data set by its content hash or a unique prefix of one: its full hash, or null when
 * the person cancels or the server knows no such data set (its one error shown in a dialog).
 */
export async function askDatasetHash(): Promise<string | null> {
  const answer = await InputDialog.getText({
    title: 'Open data set',
    label: 'Content hash, or its first 8 or more hex digits',
    placeholder: 'e.g. 3fa41c2d',
    okLabel: 'Open'
  });
  const text = (answer.value ?? '').trim();
  if (!answer.button.accept || !text) {
    return null;
  }
  try {
    return (await api.dataset(text)).content_hash;
  } catch (error) {
    await showErrorMessage('Cannot open the data set', errorText(error));
    return null;
  }
}
