/**
 * One version in the main area: everything captured about it, its events and lineage.
 */
import { CommandRegistry } from '@lumino/commands';

import * as api from './api';
import { lineageLegend, lineageView } from './charts';
import { CommandIDs } from './commands';
import { formatValue } from './diff';
import { append, clear, grid, h, keyValueTable, showError } from './dom';
import { exportButtons } from './download';
import { describeEvent } from './events';
import { Refusals } from './jobActions';
import { monitoringSection } from './monitoring';
import { INotebookLike, revealCell } from './notebookCell';
import { taskList } from './tasks';
import { RefreshingView } from './refreshing';
import { offered, versionActions } from './versionActions';
import {
  contractSection,
  paramsSection,
  reviewCell,
  scoringTestsSection
} from './versionSections';
import { age } from './query';
import {
  IAliasMove,
  IConsumer,
  IContract,
  IMetric,
  IScoreSet,
  IScoringTestResult,
  IServerInfo,
  IVersion
} from './types';

function section(
  title: string,
  ...body: (Node | string | null)[]
): HTMLElement {
  return h('section', { class: 'mmds-section' }, h('h3', {}, title), ...body);
}

function pre(text: unknown): HTMLElement {
  return h(
    'pre',
    { class: 'mmds-pre' },
    typeof text === 'string' ? text : JSON.stringify(text, null, 2)
  );
}

/**
 * Metrics as a table: one row per slice (overall first), one column per metric: the
 * counts first (the rows each line was measured on), then the headline metrics in the
 * server's order, then the others by name.
 */
export function metricsTable(
  metrics: IMetric[],
  headline: string[] = [],
  counts: string[] = []
): HTMLTableElement {
  const present = new Set(metrics.map(m => m.name));
  const first = [...counts, ...headline].filter(n => present.has(n));
  const names = [
    ...first,
    ...[...present].filter(n => !first.includes(n)).sort()
  ];
  const slices = [...new Set(metrics.map(m => m.slice ?? ''))].sort();
  const value = new Map(
    metrics.map(m => [`${m.slice ?? ''}\u0000${m.name}`, m.value])
  );
  return grid(
    ['slice', ...names],
    slices.map(s => [
      s || 'overall',
      ...names.map(n => formatValue(value.get(`${s}\u0000${n}`)))
    ]),
    'mmds-grid mmds-metrics'
  );
}

export class VersionView extends RefreshingView {
  private readonly body = h('div', { class: 'mmds-version-body' });
  // What the last action on this page did (kept across the reload it causes).
  private said = '';
  // Refusals of task completions, kept while the page is drawn again.
  private readonly refusals = new Refusals();
  // A change came while the page was hidden: it loads when shown again.

  constructor(
    readonly ref: string,
    private readonly commands: CommandRegistry
  ) {
    super();
    this.id = `mmds-version-${ref.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.addClass('mmds-view');
    this.title.label = ref;
    this.title.caption = `MMDS version ${ref}`;
    this.title.closable = true;
    this.node.appendChild(this.body);
    void this.load();
  }

  private link(ref: string): HTMLButtonElement {
    const button = h(
      'button',
      { class: 'mmds-link', title: `Open ${ref}` },
      ref
    );
    button.addEventListener(
      'click',
      () => void this.commands.execute(CommandIDs.openVersion, { ref })
    );
    return button;
  }

  private openDataset(contentHash: string): void {
    void this.commands.execute(CommandIDs.openDataset, { hash: contentHash });
  }

  /**
   * A button that opens a data set's page (its name or hash on the version page).
   */
  private datasetLink(text: string, contentHash: string): HTMLButtonElement {
    const button = h(
      'button',
      {
        class: 'mmds-link mmds-dataset-link',
        title: `Open data set ${contentHash.slice(0, 12)}`
      },
      text
    );
    button.addEventListener('click', () => this.openDataset(contentHash));
    return button;
  }

  /**
   * (Re)load the page; an open page keeps its place and shows the new state when the
   * version changes (the panel's poll calls this on every new event).
   */
  async load(): Promise<void> {
    if (!this.body.hasChildNodes()) {
      this.body.appendChild(h('p', {}, `Loading ${this.ref}…`));
    }
    try {
      const model = this.ref.split(/[:@]/)[0];
      const [
        v,
        lin,
        users,
        scored,
        info,
        checklist,
        moves,
        monitored,
        allowed,
        tested
      ] = await Promise.all([
        api.version(this.ref),
        api.lineage(this.ref),
        api.consumers(this.ref),
        api.scoreSets(this.ref),
        api.serverInfo(),
        api.tasks(model, false, true),
        api.aliasHistory(model),
        api.monitorView(model),
        api.permissions(this.ref),
        api.scoringTestResults(this.ref)
      ]);
      // The contract is a scorer's to read: asked for only when the user's role allows it.
      const contract = allowed.operations.includes('contract')
        ? await api.contract(this.ref)
        : null;
      const scroll = this.node.scrollTop;
      clear(this.body);
      this.refusals.detachAll(); // the lines of the previous drawing are gone
      this.title.label = v.ref;
      this.render(
        v,
        users.items,
        scored.items,
        moves.items,
        contract,
        tested.items,
        info
      );
      const status = h(
        'p',
        { class: 'mmds-status mmds-action-status' },
        this.said
      );
      const reload = async (message: string): Promise<void> => {
        this.said = message;
        await this.load();
      };
      const offer = offered(allowed, info.stages, v.stage);
      const actions = versionActions(v, offer, allowed, this.refusals, reload);
      this.body.insertBefore(
        section(
          'Actions',
          actions,
          offer.report || offer.pmml
            ? exportButtons([v.ref], { report: offer.report, pmml: offer.pmml })
            : null,
          status
        ),
        this.body.children[1] ?? null
      );
      this.body.insertBefore(
        section(
          'Tasks',
          checklist.items.length
            ? taskList(checklist.items, this.refusals, reload)
            : h('p', {}, 'No checklist for this model or its project.')
        ),
        this.body.children[2] ?? null
      );
      if (
        scored.items.length ||
        monitored.definition ||
        monitored.alerts.length
      ) {
        this.body.insertBefore(
          section(
            'Monitoring',
            monitoringSection(
              monitored,
              this.refusals,
              reload,
              allowed.operations.includes('acknowledge_alert')
            )
          ),
          this.body.children[3] ?? null
        );
      }
      this.node.scrollTop = scroll;
      const graph = h('div', { class: 'mmds-graph' });
      graph.append(
        lineageView(
          lin,
          ref => void this.commands.execute(CommandIDs.openVersion, { ref }),
          hash => this.openDataset(hash)
        ),
        lineageLegend()
      );
      this.body.insertBefore(
        section('Lineage', graph),
        this.body.children[2] ?? null
      );
      // The metrics open the page: how good the version is, overall and per slice.
      const overview = this.body.querySelector(':scope > .mmds-overview');
      if (overview) {
        this.body.insertBefore(overview, this.body.children[1] ?? null);
      }
    } catch (error) {
      showError(this.body, error);
    }
  }

  private render(
    v: IVersion,
    users: IConsumer[],
    scored: IScoreSet[],
    moves: IAliasMove[],
    contract: IContract | null,
    tested: IScoringTestResult[],
    info: IServerInfo
  ): void {
    const prov = v.provenance;
    const env = v.environment;
    const overview = section(
      'Metrics',
      v.metrics.length
        ? metricsTable(v.metrics, info.headline_metrics, info.unranked)
        : h(
            'p',
            {},
            'No metrics: the version was tracked without test data (X_test, y_test).'
          )
    );
    overview.classList.add('mmds-overview');
    let notebook: Node | string = String(prov['notebook'] ?? '—');
    if (v.notebook_link) {
      const path = v.notebook_link;
      const open = h(
        'button',
        { class: 'mmds-link mmds-notebook', title: `Open ${path}` },
        path
      );
      open.addEventListener('click', () => {
        void this.commands
          .execute('docmanager:open', { path })
          .then(widget =>
            revealCell(widget as INotebookLike, prov['cell'] as string | null)
          );
      });
      notebook = open;
    }
    const header = h(
      'header',
      { class: 'mmds-version-header' },
      h('h2', {}, v.ref),
      h('span', { class: `mmds-stage mmds-stage-${v.stage}` }, v.stage),
      ...v.aliases.map(a => h('span', { class: 'mmds-alias' }, `@${a}`)),
      v.description
        ? h('p', { class: 'mmds-description' }, v.description)
        : null
    );
    const summary = keyValueTable([
      ['estimator', v.estimator_class],
      ['task', v.task ?? '—'],
      ...(v.review
        ? [['review', reviewCell(v.review)] as [string, HTMLElement]]
        : []),
      ['framework', v.framework],
      ['author', v.author],
      [
        'created',
        `${new Date(v.created_at).toLocaleString()} (${age(v.created_at)})`
      ],
      ['parent', v.parent_ref ? this.link(v.parent_ref) : '—'],
      [
        'derived versions',
        v.children.length
          ? h('span', {}, ...v.children.map(c => this.link(c)))
          : '—'
      ],
      [
        'tags',
        Object.entries(v.tags)
          .map(([k, val]) => `${k}=${val}`)
          .join(', ') || '—'
      ],
      [
        'artifact',
        `${v.artifact_format ?? '—'} sha256:${(v.artifact_sha256 ?? '').slice(0, 16)}`
      ]
    ]);
    const features = grid(
      ['feature', 'type', 'used', 'importance'],
      v.features.map(f => [
        f.name,
        f.dtype,
        f.used ? 'yes' : 'no',
        formatValue(f.importance)
      ])
    );
    const params = paramsSection(v.params, v.default_params);
    const datasets = grid(
      ['relation', 'name', 'rows', 'columns', 'content hash'],
      v.datasets.map(d => [
        d.relation ?? '—',
        this.datasetLink(d.name ?? 'unnamed', d.content_hash),
        String(d.n_rows),
        String(d.n_cols),
        this.datasetLink(d.content_hash.slice(0, 16), d.content_hash)
      ]),
      'mmds-grid mmds-version-datasets'
    );
    const libs = (env['libraries'] ?? {}) as { [name: string]: string | null };
    const environment = keyValueTable([
      ['python', String(env['python'] ?? '—')],
      ['platform', String(env['platform'] ?? '—')],
      ...Object.entries(libs).map(
        ([k, val]) => [k, val ?? '—'] as [string, string]
      )
    ]);
    const git = prov['git'] as
      { commit?: string; dirty?: boolean } | null | undefined;
    const provenance = keyValueTable([
      ['notebook', notebook],
      ['user', String(prov['user'] ?? '—')],
      ['host', String(prov['hostname'] ?? '—')],
      ['execution count', formatValue(prov['execution_count'])],
      ['git', git ? `${git.commit ?? ''}${git.dirty ? ' (dirty)' : ''}` : '—'],
      ['cell', prov['cell'] ? pre(prov['cell']) : '—']
    ]);
    const events = grid(
      ['time', 'who', 'what', 'change'],
      v.events.map(e => [
        new Date(e.time).toLocaleString(),
        e.actor,
        e.action,
        describeEvent(e)
      ]),
      'mmds-grid mmds-events'
    );
    const consumers = users.length
      ? grid(
          [
            'application',
            'owner',
            'purpose',
            'since',
            'rows scored',
            'last used'
          ],
          users.map(c => [
            c.application,
            c.owner ?? '—',
            c.purpose ?? '—',
            age(c.since),
            c.rows === null ? '—' : c.rows.toLocaleString('en-US'),
            c.last_used ? age(c.last_used) : '—'
          ])
        )
      : h('p', {}, 'No application is recorded as using this version.');
    const scoreSets = scored.length
      ? grid(
          ['score set', 'mode', 'rows', 'flagged', 'when', 'by'],
          scored.map(s => [
            `#${s.id}`,
            s.mode,
            s.n_rows.toLocaleString('en-US'),
            s.n_flagged === null ? '—' : s.n_flagged.toLocaleString('en-US'),
            age(s.created_at),
            s.actor
          ])
        )
      : h('p', {}, 'Not scored in production yet.');
    append(
      this.body,
      header,
      section('Summary', summary),
      overview,
      section('Parameters', params),
      section('Features', features),
      section('Score contract', contractSection(contract)),
      section('Data sets', datasets),
      section('Provenance', provenance),
      section('Environment', environment),
      section('Used by', consumers),
      section(
        'Alias history',
        moves.length
          ? grid(
              ['time', 'alias', 'now', 'before', 'who', 'why', 'approved by'],
              moves.map(m => [
                new Date(m.time).toLocaleString(),
                `@${m.alias.split('@').pop()}`,
                m.action === 'remove' ? 'removed' : (m.version ?? '—'),
                m.previous ?? '—',
                m.actor,
                m.reason ?? '—',
                m.approved_by?.length ? m.approved_by.join(', ') : '—'
              ]),
              'mmds-grid mmds-alias-history'
            )
          : h('p', {}, 'No alias of this model has moved yet.')
      ),
      section('Score sets', scoreSets),
      section('Scoring tests', scoringTestsSection(tested)),
      section('Events', events)
    );
  }
}
