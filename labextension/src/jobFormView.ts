/**
 * The job form, the body of a JupyterLab dialog: name, notebook (picked among those the
 * scheduler can run), schedule, the notebook's declared parameters, description, paused.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { clear, errorText, h } from './dom';
import {
  formOf,
  emptyForm,
  IJobForm,
  jobBody,
  parameterText,
  Timing
} from './jobForm';
import {
  IDeclaredParameter,
  IJob,
  INotebookChoice,
  INotebookList
} from './types';

let fieldIds = 0;

function labelled(
  label: string,
  field: HTMLElement,
  hint?: string
): HTMLElement {
  const id = `mmds-job-field-${++fieldIds}`;
  field.id = id;
  return h(
    'div',
    { class: 'mmds-form-row' },
    h('label', { for: id }, label),
    field,
    hint ? h('div', { class: 'mmds-form-hint' }, hint) : null
  );
}

/**
 * The form's body; `getValue` is what the dialog resolves with when a person presses Save.
 */
export class JobFormBody
  extends Widget
  implements Dialog.IBodyWidget<IJobForm>
{
  private readonly name: HTMLInputElement;
  private readonly notebook: HTMLSelectElement | HTMLInputElement;
  private readonly timing: HTMLSelectElement;
  private readonly when: HTMLInputElement;
  private readonly description: HTMLTextAreaElement;
  private readonly paused: HTMLInputElement;
  private readonly params = h('div', { class: 'mmds-job-params' });
  private readonly inputs = new Map<string, HTMLInputElement>();

  constructor(
    private readonly form: IJobForm,
    private readonly listing: INotebookList | null,
    error: string,
    editing: boolean
  ) {
    super();
    this.addClass('mmds-job-form');
    this.name = h('input', {
      class: 'mmds-job-form-name jp-mod-styled',
      placeholder: 'nightly-score',
      value: form.name
    });
    this.name.value = form.name;
    this.name.readOnly = editing; // a job is not renamed: create another, delete this one
    this.notebook = this.notebookField();
    this.timing = h(
      'select',
      { class: 'mmds-job-form-timing jp-mod-styled' },
      h('option', { value: 'cron' }, 'cron'),
      h('option', { value: 'every' }, 'every'),
      h('option', { value: 'none' }, 'on demand only')
    );
    this.timing.value = form.timing;
    this.when = h('input', {
      class: 'mmds-job-form-when jp-mod-styled',
      placeholder: '0 2 * * *'
    });
    this.when.value = form.when;
    const whenHint = (): void => {
      this.when.placeholder =
        this.timing.value === 'every' ? '1h' : '0 2 * * *';
      this.when.disabled = this.timing.value === 'none';
    };
    this.timing.addEventListener('change', whenHint);
    whenHint();
    this.description = h('textarea', {
      class: 'mmds-job-form-description jp-mod-styled',
      rows: '2'
    });
    this.description.value = form.description;
    this.paused = h('input', {
      type: 'checkbox',
      class: 'mmds-job-form-paused'
    });
    this.paused.checked = form.paused;
    this.notebook.addEventListener('change', () => this.drawParameters());
    this.node.append(
      h(
        'div',
        { class: 'mmds-error mmds-job-form-error', role: 'alert' },
        error
      ),
      labelled(
        'Name',
        this.name,
        editing ? 'A job keeps its name.' : undefined
      ),
      labelled(
        'Notebook',
        this.notebook,
        'A path under the notebook folder of the server.'
      ),
      h(
        'div',
        { class: 'mmds-form-row' },
        h('label', {}, 'Schedule'),
        h('div', { class: 'mmds-job-form-schedule' }, this.timing, this.when)
      ),
      h(
        'div',
        { class: 'mmds-form-row' },
        h('span', {}, 'Parameters'),
        this.params
      ),
      labelled('Description', this.description),
      h(
        'div',
        { class: 'mmds-form-row mmds-form-check' },
        h('label', {}, this.paused, ' Paused (no scheduled runs until resumed)')
      )
    );
    this.drawParameters();
  }

  private notebookField(): HTMLSelectElement | HTMLInputElement {
    const choices = this.listing?.items ?? [];
    if (choices.length === 0) {
      const input = h('input', {
        class: 'mmds-job-form-notebook jp-mod-styled',
        placeholder: 'score.ipynb'
      });
      input.value = this.form.notebook;
      return input;
    }
    const select = h(
      'select',
      { class: 'mmds-job-form-notebook jp-mod-styled' },
      h('option', { value: '' }, 'Choose a notebook…'),
      ...choices.map(c =>
        h(
          'option',
          { value: c.path },
          c.problem ? `${c.path} (cannot run)` : c.path
        )
      )
    );
    if (
      this.form.notebook &&
      !choices.some(c => c.path === this.form.notebook)
    ) {
      select.appendChild(
        h('option', { value: this.form.notebook }, this.form.notebook)
      );
    }
    select.value = this.form.notebook;
    return select;
  }

  /**
   * The chosen notebook's entry in the listing, if any.
   */
  chosen(): INotebookChoice | undefined {
    return this.listing?.items.find(c => c.path === this.notebook.value);
  }

  /**
   * The declared parameters of the chosen notebook (none known without a listing).
   */
  declared(): IDeclaredParameter[] {
    return this.chosen()?.parameters ?? [];
  }

  private drawParameters(): void {
    for (const [name, input] of this.inputs) {
      this.form.parameters[name] = input.value;
    }
    this.inputs.clear();
    clear(this.params);
    const choice = this.chosen();
    if (choice?.problem) {
      this.params.appendChild(
        h('div', { class: 'mmds-form-hint' }, choice.problem)
      );
      return;
    }
    const declared = this.declared();
    if (declared.length === 0) {
      this.params.appendChild(
        h(
          'div',
          { class: 'mmds-form-hint' },
          choice
            ? 'The notebook declares none.'
            : 'Choose a notebook to see them.'
        )
      );
      return;
    }
    for (const p of declared) {
      const input = h('input', {
        class: 'mmds-job-form-param jp-mod-styled',
        'data-param': p.name,
        placeholder: p.has_default ? parameterText(p.default) : 'no default'
      });
      input.value = this.form.parameters[p.name] ?? '';
      this.inputs.set(p.name, input);
      this.params.appendChild(labelled(p.name, input));
    }
    this.params.appendChild(
      h(
        'div',
        { class: 'mmds-form-hint' },
        'Empty fields keep the notebook’s default.'
      )
    );
  }

  getValue(): IJobForm {
    const parameters: { [name: string]: string } = {};
    for (const [name, input] of this.inputs) {
      parameters[name] = input.value;
    }
    return {
      name: this.name.value,
      notebook: this.notebook.value,
      timing: this.timing.value as Timing,
      when: this.when.value,
      parameters,
      description: this.description.value,
      paused: this.paused.checked
    };
  }
}

/**
 * Open the job form (prefilled with `job` to edit it) until it is saved or cancelled; a
 * refusal of the server is shown in the form, with what the person typed kept. Resolves to
 * the saved job, or null.
 */
export async function editJob(job?: IJob): Promise<IJob | null> {
  let listing: INotebookList | null = null;
  let error = '';
  try {
    listing = await api.notebooks();
  } catch (reason) {
    error = `The notebooks could not be listed (${errorText(reason)}); type the path.`;
  }
  let form = job ? formOf(job) : emptyForm();
  for (;;) {
    const body = new JobFormBody(form, listing, error, job !== undefined);
    const result = await showDialog({
      title: job ? `Edit job ${job.name}` : 'New job',
      body,
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: job ? 'Save' : 'Create' })
      ],
      focusNodeSelector: job ? '.mmds-job-form-notebook' : '.mmds-job-form-name'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    form = result.value;
    const chosen = listing?.items.find(c => c.path === form.notebook);
    try {
      const declared = chosen?.parameters ?? [];
      return await api.saveJob(jobBody(form, declared), job !== undefined);
    } catch (reason) {
      error = errorText(reason);
    }
  }
}

/**
 * Ask before deleting a job; resolves to whether the person confirmed.
 */
export async function confirmDelete(job: IJob): Promise<boolean> {
  const result = await showDialog({
    title: `Delete job ${job.name}?`,
    body: `${job.name} stops being scheduled and leaves the list. Its past runs, their notebooks and the audit log keep its name.`,
    buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
  });
  return result.button.accept;
}
