/**
 * What a person can do from a version's page: move its stage (or ask for the move), set an
 * alias, add or remove tags, edit the description, run its scoring tests, copy a snippet.
 * Each button sends one request; a refusal shows the server's message beside it. Only the
 * actions the user's roles allow are offered (the server says which: `permissions`).
 */
import * as api from './api';
import { h } from './dom';
import { Refusals, send } from './jobActions';
import { IPermissions, IVersion } from './types';

/**
 * `key=value` as a tag, or null when it is not one.
 */
export function parseTag(text: string): [string, string] | null {
  const at = text.indexOf('=');
  if (at <= 0) {
    return null;
  }
  const key = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  return key && value ? [key, value] : null;
}

/**
 * The actions a version page offers, from what the server says the user may do to it.
 */
export interface IOffered {
  /** stages the stage menu lists (to move to, or to request) */
  stages: string[];
  move: boolean;
  request: boolean;
  /** aliases may be set: any ("any"), only those that need a role of their own, or none */
  alias: 'any' | 'reserved' | 'none';
  tag: boolean;
  untag: boolean;
  describe: boolean;
  runTests: boolean;
  report: boolean;
  pmml: boolean;
}

export function offered(
  allowed: IPermissions,
  stages: string[],
  current: string
): IOffered {
  const may = new Set(allowed.operations);
  const request = may.has('request');
  const move = may.has('set_stage') && allowed.stages.length > 0;
  const reserved = Object.values(allowed.aliases).some(Boolean);
  return {
    // A request may ask for any move (its gates decide); a move only where the roles allow.
    stages: stages.filter(
      s => s !== current && (request || allowed.stages.includes(s))
    ),
    move,
    request,
    alias: may.has('alias') ? 'any' : reserved ? 'reserved' : 'none',
    tag: may.has('tag'),
    untag: may.has('untag'),
    describe: may.has('describe'),
    runTests: may.has('run_scoring_tests'),
    report: may.has('report'),
    pmml: may.has('export_pmml')
  };
}

/**
 * The two lines that load a version in a notebook.
 */
export function snippet(ref: string): string {
  return `import mmds_jupyter as mmds\nmodel = mmds.load(${JSON.stringify(ref)})`;
}

/**
 * The magic line that shows the same comparison in a notebook.
 */
export function compareSnippet(refs: string[]): string {
  return `%mmds compare ${refs.join(' ')}`;
}

/**
 * The Actions section of a version page; `done(message)` reloads the page and says what
 * happened.
 */
export function versionActions(
  v: IVersion,
  offer: IOffered,
  allowed: IPermissions,
  refusals: Refusals,
  done: (message: string) => Promise<void>
): HTMLElement {
  // A refusal is kept in `refusals`: the page may be drawn again (a change made elsewhere)
  // just after the server answered.
  const line = h('div', { class: 'mmds-job-error', role: 'alert' });
  refusals.attach(`actions:${v.ref}`, line);
  const row = (...children: (HTMLElement | null)[]): HTMLElement =>
    h('div', { class: 'mmds-row mmds-action-row' }, ...children);
  const button = (cls: string, text: string): HTMLButtonElement =>
    h('button', { class: `${cls} jp-mod-styled` }, text);
  const field = (label: string, cls: string, value = ''): HTMLInputElement => {
    const input = h('input', {
      type: 'text',
      class: `mmds-input ${cls}`,
      'aria-label': label,
      placeholder: label
    });
    input.value = value;
    return input;
  };

  const stage = h('select', {
    class: 'mmds-action-stage',
    'aria-label': 'New stage'
  });
  for (const s of offer.stages) {
    stage.appendChild(h('option', { value: s }, s));
  }
  const reason = field('Reason', 'mmds-action-reason');
  const move = button('mmds-action-move', 'Move');
  const ask = button('mmds-action-request', 'Request');
  const reservedAliases = Object.keys(allowed.aliases).filter(
    a => allowed.aliases[a]
  );
  const alias = field(
    offer.alias === 'any'
      ? 'Alias, e.g. champion'
      : `Alias: ${reservedAliases.join(' or ')}`,
    'mmds-action-alias'
  );
  const setAlias = button('mmds-action-set-alias', 'Set alias');
  const tag = field('Tag key=value', 'mmds-action-tag');
  const addTag = button('mmds-action-add-tag', 'Add tag');
  const description = h('textarea', {
    class: 'mmds-input mmds-action-description',
    'aria-label': 'Description',
    rows: '2'
  });
  description.value = v.description ?? '';
  const saveDescription = button('mmds-action-describe', 'Save description');
  const runTests = button('mmds-action-run-tests', 'Run scoring tests');
  const copy = button('mmds-action-copy', 'Copy load snippet');
  const removeTags = Object.keys(v.tags).map(key => {
    const remove = button('mmds-action-untag', `× ${key}`);
    remove.dataset.key = key;
    remove.title = `Remove the tag ${key}`;
    return remove;
  });
  const controls = [
    move,
    ask,
    setAlias,
    addTag,
    saveDescription,
    runTests,
    ...removeTags
  ];
  const act = (request: () => Promise<string>): void => {
    void send(controls, refusals.lineFor(`actions:${v.ref}`), async () =>
      done(await request())
    );
  };

  move.addEventListener('click', () =>
    act(async () => {
      const moved = await api.setStage(v.ref, stage.value, reason.value);
      return `${moved.ref} is now in ${moved.stage}`;
    })
  );
  ask.addEventListener('click', () =>
    act(async () => {
      const req = await api.requestStage(v.ref, stage.value, reason.value);
      const open = req.gates.filter(g => !g.passed).length;
      return req.status === 'done'
        ? `${req.ref} is now in ${req.to_stage}`
        : `Request #${req.id} opened: ${open} gate${open === 1 ? '' : 's'} to pass`;
    })
  );
  setAlias.addEventListener('click', () =>
    act(async () => {
      const name = alias.value.trim().replace(/^@/, '');
      await api.setAlias(v.ref, name, reason.value);
      return `@${name} now points at ${v.ref}`;
    })
  );
  addTag.addEventListener('click', () =>
    act(async () => {
      const parsed = parseTag(tag.value);
      if (!parsed) {
        throw new Error(
          `A tag is written key=value (e.g. owner=maya), not ${JSON.stringify(tag.value)}.`
        );
      }
      await api.tag(v.ref, { [parsed[0]]: parsed[1] });
      return `Tagged ${parsed[0]}=${parsed[1]}`;
    })
  );
  for (const remove of removeTags) {
    remove.addEventListener('click', () =>
      act(async () => {
        await api.untag(v.ref, [remove.dataset.key ?? '']);
        return `Removed the tag ${remove.dataset.key}`;
      })
    );
  }
  saveDescription.addEventListener('click', () =>
    act(async () => {
      await api.describe(v.ref, description.value);
      return 'Description saved';
    })
  );
  runTests.addEventListener('click', () =>
    act(async () => {
      const results = (await api.runScoringTests(v.ref)).items;
      const failed = results.filter(r => !r.passed).length;
      return `${results.length} scoring test${results.length === 1 ? '' : 's'} run: ${failed ? `${failed} failed` : 'all passed'}`;
    })
  );
  copy.addEventListener('click', () => {
    void navigator.clipboard
      .writeText(snippet(v.ref))
      .then(() => done('Copied: ' + snippet(v.ref).split('\n')[1]));
  });
  // What the user's roles do not allow is not offered at all (not merely disabled).
  const moves = offer.stages.length > 0 && (offer.move || offer.request);
  const aliasing = offer.alias !== 'none';
  return h(
    'div',
    { class: 'mmds-actions-box' },
    moves
      ? row(stage, reason, offer.move ? move : null, offer.request ? ask : null)
      : null,
    aliasing ? row(alias, moves ? null : reason, setAlias) : null,
    offer.tag || offer.untag
      ? row(
          offer.tag ? tag : null,
          offer.tag ? addTag : null,
          ...(offer.untag ? removeTags : [])
        )
      : null,
    offer.describe ? row(description, saveDescription) : null,
    row(offer.runTests ? runTests : null, copy),
    line
  );
}
