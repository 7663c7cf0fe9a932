/**
 * What a person can do from a version's page: move its stage (or ask for the move), set an
 * alias, add or remove tags, edit the description, run its scoring tests, copy a snippet.
 * Each button sends one request; a refusal shows the server's message beside it.
 */
import * as api from './api';
import { h } from './dom';
import { Refusals, send } from './jobActions';
import { IVersion } from './types';

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
 * The two lines that load a version in a notebook.
 */
export function snippet(ref: string): string {
  return `import mmds_jupyter as mmds\nmodel = mmds.load(${JSON.stringify(ref)})`;
}

/**
 * The Actions section of a version page; `done(message)` reloads the page and says what
 * happened.
 */
export function versionActions(
  v: IVersion,
  stages: string[],
  refusals: Refusals,
  done: (message: string) => Promise<void>
): HTMLElement {
  // A refusal is kept in `refusals`: the page may be drawn again (a change made elsewhere)
  // just after the server answered.
  const line = h('div', { class: 'mmds-job-error', role: 'alert' });
  refusals.attach(`actions:${v.ref}`, line);
  const row = (...children: HTMLElement[]): HTMLElement =>
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
  for (const s of stages.filter(s => s !== v.stage)) {
    stage.appendChild(h('option', { value: s }, s));
  }
  const reason = field('Reason', 'mmds-action-reason');
  const move = button('mmds-action-move', 'Move');
  const ask = button('mmds-action-request', 'Request');
  const alias = field('Alias, e.g. champion', 'mmds-action-alias');
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
  return h(
    'div',
    { class: 'mmds-actions-box' },
    row(stage, reason, move, ask),
    row(alias, setAlias),
    row(tag, addTag, ...removeTags),
    row(description, saveDescription),
    row(runTests, copy),
    line
  );
}
