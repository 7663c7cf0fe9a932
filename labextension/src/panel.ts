/**
 * The MMDS sidebar: browse projects and models, search versions, tick versions to compare.
 */
import { CommandRegistry } from '@lumino/commands';
import { IPoll, Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { CommandIDs } from './commands';
import { formatValue } from './diff';
import { append, clear, errorText, h } from './dom';
import { ApprovalsSection } from './approvalsSection';
import { JobsSection } from './jobsSection';
import {
  age,
  EMPTY_SEARCH,
  headlineOf,
  isEmptySearch,
  ISearch,
  metricOrders,
  pageInfo
} from './query';
import { DEFAULT_SETTINGS, IPanelSettings } from './settings';
import { IModel, IProject, IVersionPage, IVersionRow } from './types';

// The orderings that need no metric.
const BASE_ORDERS: [string, string][] = [
  ['-created', 'Newest first'],
  ['created', 'Oldest first'],
  ['name', 'Name']
];

// While the server does not answer, the looks for changes back off up to this.
const MAX_POLL_MS = 60_000;

function select(
  label: string,
  options: [string, string][],
  attrs: { [name: string]: string } = {}
): HTMLSelectElement {
  const element = h('select', { 'aria-label': label, ...attrs });
  for (const [value, text] of options) {
    element.appendChild(h('option', { value }, text));
  }
  return element;
}

function input(
  label: string,
  placeholder: string,
  name: string,
  list = ''
): HTMLInputElement {
  const element = h('input', {
    type: 'text',
    'aria-label': label,
    placeholder,
    name,
    class: 'mmds-input'
  });
  if (list) {
    element.setAttribute('list', list); // completions of the names in use
  }
  return element;
}

/**
 * A form control under its visible label.
 */
function field(control: HTMLInputElement | HTMLSelectElement): HTMLElement {
  return h(
    'label',
    { class: 'mmds-field' },
    h(
      'span',
      { class: 'mmds-field-label' },
      control.getAttribute('aria-label') ?? ''
    ),
    control
  );
}

// The completion lists of the search fields, filled from GET vocabulary.
const LISTS = {
  metrics: 'mmds-names-metrics',
  features: 'mmds-names-features',
  tags: 'mmds-names-tags',
  slices: 'mmds-names-slices'
};

export class MMDSPanel extends Widget {
  private settings: IPanelSettings = { ...DEFAULT_SETTINGS };
  private search: ISearch = { ...EMPTY_SEARCH };
  private readonly checked = new Set<string>();
  private latestEvent: number | null = null;
  private readonly changedSignal = new Signal<this, number>(this);
  private poller: Poll | null = null;
  private busy = false;
  // The default project is applied once, when the projects first arrive.
  private projectChosen = false;

  private readonly projectSelect = select('Project', [['', 'All projects']], {
    class: 'mmds-project'
  });
  private readonly modelSelect = select('Model', [['', 'All models']], {
    class: 'mmds-model'
  });
  private readonly nameInput = input('Name contains', 'churn', 'name_contains');
  private readonly featureInput = input(
    'Feature',
    'income',
    'feature',
    LISTS.features
  );
  private readonly withoutFeatureInput = input(
    'Without feature',
    'zip_code',
    'without_feature',
    LISTS.features
  );
  private readonly whereInput = input(
    'Metric condition',
    'roc_auc>0.8',
    'where',
    LISTS.metrics
  );
  private readonly sliceInput = input(
    'Slice',
    'country=US',
    'slice',
    LISTS.slices
  );
  // Filled with the server's stages on the first refresh.
  private readonly stageSelect = select('Stage', [['', 'Any stage']]);
  private readonly authorInput = input('Author', 'maya', 'author');
  private readonly tagInput = input('Tag', 'team=risk', 'tag', LISTS.tags);
  // "Best <metric>" options follow the metrics recorded (GET vocabulary).
  private readonly orderSelect = select('Order', BASE_ORDERS);
  private readonly lists = Object.fromEntries(
    Object.entries(LISTS).map(([kind, id]) => [kind, h('datalist', { id })])
  ) as { [kind in keyof typeof LISTS]: HTMLDataListElement };
  private readonly status = h('div', {
    class: 'mmds-status',
    'aria-live': 'polite'
  });
  private readonly errorBox = h('div', { class: 'mmds-error', role: 'alert' });
  private readonly list = h('ul', { class: 'mmds-results' });
  private readonly pager = h('span', { class: 'mmds-page-label' });
  private readonly prevButton = h(
    'button',
    { class: 'mmds-prev', title: 'Previous page' },
    '‹ Prev'
  );
  private readonly nextButton = h(
    'button',
    { class: 'mmds-next', title: 'Next page' },
    'Next ›'
  );
  private readonly compareButton = h(
    'button',
    { class: 'mmds-compare jp-mod-styled jp-mod-accept' },
    'Compare'
  );
  private readonly unselectButton = h(
    'button',
    {
      class: 'mmds-unselect jp-mod-styled',
      title: 'Untick every version'
    },
    'Clear'
  );
  private readonly selectionLabel = h('span', {
    class: 'mmds-selection-label',
    'aria-live': 'polite'
  });

  private readonly jobs: JobsSection;
  private readonly approvals: ApprovalsSection;
  private readonly modelsTab = h('div', { class: 'mmds-tab-models' });
  private readonly tabs = {
    models: h(
      'button',
      { class: 'mmds-tab', role: 'tab', 'data-tab': 'models' },
      'Models'
    ),
    jobs: h(
      'button',
      { class: 'mmds-tab', role: 'tab', 'data-tab': 'jobs' },
      'Jobs'
    ),
    approvals: h(
      'button',
      { class: 'mmds-tab', role: 'tab', 'data-tab': 'approvals' },
      'Approvals'
    )
  };

  constructor(private readonly commands: CommandRegistry) {
    super();
    this.jobs = new JobsSection(commands);
    this.approvals = new ApprovalsSection(commands);
    this.id = 'mmds-panel';
    this.addClass('mmds-panel');
    this.title.caption = 'MMDS model registry';
    this.buildDom();
  }

  private buildDom(): void {
    const searchButton = h(
      'button',
      { class: 'mmds-search jp-mod-styled jp-mod-accept' },
      'Search'
    );
    const clearButton = h(
      'button',
      { class: 'mmds-clear jp-mod-styled' },
      'Clear'
    );
    const form = h(
      'form',
      { class: 'mmds-form', role: 'search' },
      h('div', { class: 'mmds-row' }, field(this.nameInput)),
      h(
        'div',
        { class: 'mmds-row' },
        field(this.projectSelect),
        field(this.modelSelect)
      ),
      h(
        'div',
        { class: 'mmds-row' },
        field(this.featureInput),
        field(this.withoutFeatureInput)
      ),
      h(
        'div',
        { class: 'mmds-row' },
        field(this.whereInput),
        field(this.sliceInput)
      ),
      h(
        'div',
        { class: 'mmds-row' },
        field(this.stageSelect),
        field(this.authorInput)
      ),
      h(
        'div',
        { class: 'mmds-row' },
        field(this.tagInput),
        field(this.orderSelect)
      ),
      h('div', { class: 'mmds-row mmds-actions' }, searchButton, clearButton),
      ...Object.values(this.lists)
    );
    form.addEventListener('submit', event => {
      event.preventDefault();
      this.runSearch();
    });
    clearButton.addEventListener('click', event => {
      event.preventDefault();
      form.reset();
      this.search = { ...EMPTY_SEARCH, limit: this.settings.pageSize };
      void this.loadModels().then(() => {
        this.runSearch();
        return this.loadVocabulary();
      });
    });
    this.projectSelect.addEventListener('change', () => {
      this.modelSelect.value = '';
      void this.loadModels().then(() => {
        this.runSearch();
        return this.loadVocabulary();
      });
    });
    this.modelSelect.addEventListener('change', () => {
      this.runSearch();
      void this.loadVocabulary();
    });
    this.stageSelect.addEventListener('change', () => this.runSearch());
    this.orderSelect.addEventListener('change', () => this.runSearch());
    this.prevButton.addEventListener('click', () => this.page(-1));
    this.nextButton.addEventListener('click', () => this.page(1));
    this.compareButton.addEventListener('click', () => this.compareSelected());
    this.unselectButton.addEventListener('click', () => this.clearSelection());
    this.tabs.models.addEventListener('click', () => this.showTab('models'));
    this.tabs.jobs.addEventListener('click', () => this.showTab('jobs'));
    this.tabs.approvals.addEventListener('click', () =>
      this.showTab('approvals')
    );
    append(
      this.modelsTab,
      form,
      this.errorBox,
      h(
        'div',
        { class: 'mmds-pager' },
        this.prevButton,
        this.pager,
        this.nextButton
      ),
      this.list,
      h(
        'footer',
        {
          class: 'mmds-footer mmds-selection',
          role: 'region',
          'aria-label': 'Versions to compare'
        },
        this.selectionLabel,
        this.compareButton,
        this.unselectButton
      )
    );
    append(
      this.node,
      h(
        'header',
        { class: 'mmds-header' },
        h('h2', {}, 'Model registry'),
        this.status
      ),
      h(
        'div',
        { class: 'mmds-tabs', role: 'tablist' },
        this.tabs.models,
        this.tabs.jobs,
        this.tabs.approvals
      ),
      this.modelsTab,
      this.jobs.node,
      this.approvals.node
    );
    this.showTab('models');
    this.updateCompareButton();
  }

  /**
   * Apply the user's settings (schema/plugin.json); the first page loads with them.
   */
  applySettings(settings: IPanelSettings): void {
    const pageChanged = settings.pageSize !== this.settings.pageSize;
    const headlineChanged =
      settings.headlineMetric !== this.settings.headlineMetric;
    this.settings = settings;
    this.search = { ...this.search, limit: settings.pageSize, offset: 0 };
    if (this.poller) {
      this.poller.frequency = this.frequency();
    }
    if (this.isAttached && (pageChanged || headlineChanged)) {
      void this.loadPage();
    }
  }

  /**
   * The versions ticked for comparison, in the order they were ticked.
   */
  get selection(): string[] {
    return [...this.checked];
  }

  /**
   * Compare the ticked versions (the first ticked is the baseline of the deltas).
   */
  /** The Jobs tab, with the form of a new job open (the palette's "New job"). */
  newJob(): Promise<void> {
    this.showTab('jobs');
    return this.jobs.edit();
  }

  compareSelected(): void {
    if (this.checked.size >= 2) {
      void this.commands.execute(CommandIDs.compare, { refs: this.selection });
    }
  }

  /**
   * Untick every version.
   */
  clearSelection(): void {
    this.checked.clear();
    for (const box of this.list.querySelectorAll<HTMLInputElement>(
      'input.mmds-check'
    )) {
      box.checked = false;
    }
    this.updateCompareButton();
  }

  /**
   * Show the model search ("models") or the scheduled jobs ("jobs").
   */
  showTab(tab: 'models' | 'jobs' | 'approvals'): void {
    this.modelsTab.hidden = tab !== 'models';
    this.jobs.node.hidden = tab !== 'jobs';
    this.approvals.node.hidden = tab !== 'approvals';
    for (const [name, button] of Object.entries(this.tabs)) {
      button.setAttribute('aria-selected', String(name === tab));
    }
    if (tab === 'jobs') {
      void this.jobs.refresh();
    }
    if (tab === 'approvals') {
      void this.approvals.refresh();
    }
  }

  /**
   * Reload projects, models and the current page.
   */
  async refresh(): Promise<void> {
    try {
      this.latestEvent = (await api.changes()).latest_event_id;
    } catch {
      // Shown by the loads below.
    }
    await this.loadStages();
    await this.loadProjects();
    await this.loadModels();
    await this.loadVocabulary();
    await this.loadPage();
    if (!this.jobs.node.hidden) {
      await this.jobs.refresh();
    }
    if (!this.approvals.node.hidden) {
      await this.approvals.refresh();
    }
  }

  private formSearch(): ISearch {
    const model = this.modelSelect.value;
    let project = this.projectSelect.value;
    let name = '';
    if (model) {
      const [p, n] = model.split('/');
      project = p;
      name = n;
    }
    return {
      ...this.search,
      project,
      name,
      nameContains: this.nameInput.value,
      feature: this.featureInput.value,
      withoutFeature: this.withoutFeatureInput.value,
      where: this.whereInput.value,
      stage: this.stageSelect.value,
      author: this.authorInput.value,
      tag: this.tagInput.value,
      slice: this.sliceInput.value,
      orderBy: this.orderSelect.value,
      offset: 0
    };
  }

  private runSearch(): void {
    this.search = this.formSearch();
    void this.loadPage();
  }

  private page(step: number): void {
    const offset = Math.max(0, this.search.offset + step * this.search.limit);
    this.search = { ...this.search, offset };
    void this.loadPage();
  }

  /**
   * The stage choices, from the server's vocabulary (once).
   */
  private async loadStages(): Promise<void> {
    if (this.stageSelect.options.length > 1) {
      return;
    }
    try {
      const info = await api.serverInfo();
      for (const stage of info.stages) {
        this.stageSelect.appendChild(h('option', { value: stage }, stage));
      }
    } catch (error) {
      this.showError(error);
    }
  }

  /**
   * The names in use where the form looks (project, model): completions of the fields and
   * an ordering by each recorded metric.
   */
  private async loadVocabulary(): Promise<void> {
    const [project, name] = this.modelSelect.value
      ? this.modelSelect.value.split('/')
      : [this.projectSelect.value, ''];
    try {
      const [info, names] = await Promise.all([
        api.serverInfo(),
        api.vocabulary(project, name)
      ]);
      for (const kind of Object.keys(LISTS) as (keyof typeof LISTS)[]) {
        const list = this.lists[kind];
        clear(list);
        for (const value of names[kind]) {
          list.appendChild(h('option', { value }));
        }
      }
      const current = this.orderSelect.value;
      const orders = [
        ...BASE_ORDERS,
        ...metricOrders(
          names.metrics,
          info.headline_metrics,
          info.lower_is_better,
          info.unranked
        )
      ];
      clear(this.orderSelect);
      for (const [value, text] of orders) {
        this.orderSelect.appendChild(h('option', { value }, text));
      }
      this.orderSelect.value = orders.some(([v]) => v === current)
        ? current
        : '-created';
    } catch (error) {
      this.showError(error);
    }
  }

  private async loadProjects(): Promise<void> {
    try {
      const data = await api.projects();
      this.fillProjects(data.items);
    } catch (error) {
      this.showError(error);
    }
  }

  private fillProjects(items: IProject[]): void {
    const current = this.projectSelect.value;
    clear(this.projectSelect);
    this.projectSelect.appendChild(h('option', { value: '' }, 'All projects'));
    for (const p of items) {
      this.projectSelect.appendChild(
        h(
          'option',
          { value: p.name },
          `${p.name} (${p.models} models, ${p.versions} versions)`
        )
      );
    }
    const first = !this.projectChosen;
    this.projectChosen = true;
    const wanted = first ? this.settings.defaultProject : current;
    this.projectSelect.value = items.some(p => p.name === wanted) ? wanted : '';
    if (first) {
      this.search = { ...this.search, project: this.projectSelect.value };
    }
  }

  private async loadModels(): Promise<void> {
    try {
      const data = await api.models(this.projectSelect.value);
      this.fillModels(data.items);
    } catch (error) {
      this.showError(error);
    }
  }

  private fillModels(items: IModel[]): void {
    const current = this.modelSelect.value;
    clear(this.modelSelect);
    this.modelSelect.appendChild(h('option', { value: '' }, 'All models'));
    for (const m of items) {
      const key = `${m.project}/${m.name}`;
      this.modelSelect.appendChild(
        h('option', { value: key }, `${key} (${m.versions})`)
      );
    }
    this.modelSelect.value = items.some(
      m => `${m.project}/${m.name}` === current
    )
      ? current
      : '';
  }

  private async loadPage(): Promise<void> {
    this.busy = true;
    this.status.textContent = 'Loading…';
    try {
      const page = await api.searchVersions(this.search);
      this.showError(null);
      this.renderPage(page);
      const more = page.total_exact ? '' : '+';
      this.status.textContent = `${page.total.toLocaleString('en-US')}${more} version${page.total === 1 ? '' : 's'}`;
      for (const warning of page.warnings ?? []) {
        this.status.textContent += ` · ⚠ ${warning}`;
      }
    } catch (error) {
      this.showError(error);
      this.status.textContent = '';
    } finally {
      this.busy = false;
    }
  }

  private renderPage(page: IVersionPage): void {
    clear(this.list);
    if (page.items.length === 0 && isEmptySearch(this.search)) {
      this.list.appendChild(
        h(
          'li',
          { class: 'mmds-empty mmds-first-run' },
          h('p', {}, 'No models yet. Track a first one from a notebook:'),
          h(
            'pre',
            {},
            'import mmds_jupyter as mmds\nmmds.track(model, X_test=X_test, y_test=y_test)'
          ),
          h('p', {}, 'or, in a cell after fitting it: %mmds track model')
        )
      );
    } else if (page.items.length === 0) {
      this.list.appendChild(
        h(
          'li',
          { class: 'mmds-empty' },
          'No versions match. Loosen a filter or track a model with mmds.track(...).'
        )
      );
    }
    for (const row of page.items) {
      this.list.appendChild(this.renderRow(row));
    }
    const info = pageInfo(
      page.offset,
      page.items.length,
      page.total,
      page.total_exact
    );
    this.pager.textContent = info.label;
    this.prevButton.disabled = !info.hasPrev;
    this.nextButton.disabled = !info.hasNext;
  }

  private renderRow(row: IVersionRow): HTMLLIElement {
    const box = h('input', {
      type: 'checkbox',
      class: 'mmds-check',
      'aria-label': `Select ${row.ref} to compare`
    });
    box.checked = this.checked.has(row.ref);
    box.addEventListener('change', () => {
      if (box.checked) {
        this.checked.add(row.ref);
      } else {
        this.checked.delete(row.ref);
      }
      this.updateCompareButton();
    });
    const open = h(
      'button',
      { class: 'mmds-ref', title: `Open ${row.ref}` },
      row.ref
    );
    open.addEventListener('click', () => {
      void this.commands.execute(CommandIDs.openVersion, { ref: row.ref });
    });
    const shown = headlineOf(row, this.settings.headlineMetric);
    const headline = shown
      ? `${shown.name} ${formatValue(shown.value)}`
      : 'no metrics';
    const meta = [
      row.author,
      age(row.created_at),
      headline,
      row.estimator
    ].join(' · ');
    return h(
      'li',
      { class: 'mmds-result', 'data-ref': row.ref },
      box,
      h(
        'div',
        { class: 'mmds-result-body' },
        h(
          'div',
          { class: 'mmds-result-title' },
          open,
          h('span', { class: `mmds-stage mmds-stage-${row.stage}` }, row.stage),
          ...row.aliases.map(a => h('span', { class: 'mmds-alias' }, `@${a}`))
        ),
        h('div', { class: 'mmds-result-meta' }, meta)
      )
    );
  }

  private updateCompareButton(): void {
    const n = this.checked.size;
    this.compareButton.disabled = n < 2;
    this.unselectButton.disabled = n === 0;
    this.selectionLabel.textContent =
      n === 0
        ? 'Tick two or more to compare'
        : n === 1
          ? '1 selected · tick one more'
          : `${n} selected`;
    this.node.classList.toggle('mmds-has-selection', n > 0);
  }

  private showError(error: unknown): void {
    this.errorBox.textContent = error ? errorText(error) : '';
  }

  /**
   * Emits the newest event id when the registry changed (open pages reload on it).
   */
  get changed(): ISignal<this, number> {
    return this.changedSignal;
  }

  /**
   * Ask the server for its newest event; reload when it moved. A failure rejects, so that
   * the poll backs off while the server is away.
   */
  async poll(): Promise<void> {
    if (this.busy) {
      return;
    }
    const change = await api.changes();
    if (
      this.latestEvent !== null &&
      change.latest_event_id !== this.latestEvent
    ) {
      await this.refresh();
      this.status.textContent += ' · updated';
      this.changedSignal.emit(change.latest_event_id);
      return;
    }
    this.latestEvent = change.latest_event_id;
  }

  private frequency(): IPoll.Frequency {
    const interval = this.settings.refreshInterval * 1000;
    return { interval, backoff: true, max: Math.max(interval, MAX_POLL_MS) };
  }

  protected onAfterAttach(): void {
    void this.refresh();
    // Lumino's Poll stands by while the browser tab is hidden and while the panel is not
    // shown, and backs off while the server does not answer.
    this.poller = new Poll({
      factory: () => this.poll(),
      frequency: this.frequency(),
      name: 'mmds:panel-changes',
      standby: () => !this.isVisible || 'when-hidden'
    });
  }

  protected onBeforeDetach(): void {
    this.poller?.dispose();
    this.poller = null;
  }

  protected onAfterShow(): void {
    void this.poller?.refresh();
  }
}
