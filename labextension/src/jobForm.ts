/**
 * The job form's values and the JSON body they become (POST jobs, or PATCH jobs/NAME to edit):
 * kept free of the DOM so that the rules can be tested on their own. The body holds only the
 * fields the form shows; an edit leaves the others as the server has them.
 */
import { IDeclaredParameter, IJob } from './types';

export type Timing = 'cron' | 'every' | 'none';

/**
 * What a person fills in: parameter values are text as typed (empty: the notebook's default).
 */
export interface IJobForm {
  name: string;
  notebook: string;
  timing: Timing;
  when: string;
  parameters: { [name: string]: string };
  description: string;
  paused: boolean;
}

/**
 * The body of POST jobs / PATCH jobs/NAME (fields of openapi.json's JobCreate / JobChange).
 */
export interface IJobBody {
  name: string;
  notebook: string;
  [field: string]: unknown;
}

export function emptyForm(): IJobForm {
  return {
    name: '',
    notebook: '',
    timing: 'cron',
    when: '',
    parameters: {},
    description: '',
    paused: false
  };
}

/**
 * A parameter value as text in a field: text as it is, anything else as JSON.
 */
export function parameterText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// The units the form (and the server: scheduler/timing.py) accept after a number, largest first.
const UNITS: [string, number][] = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60]
];
const EVERY = 'every ';

/**
 * An interval as the form writes one: the largest unit that holds it whole ("7d", "12h",
 * "30m", "30h" for a day and a quarter, "90s"). The form and the server read it back as the
 * same interval: they take one number and one unit.
 */
export function intervalText(seconds: number): string {
  for (const [unit, size] of UNITS) {
    if (seconds >= size && seconds % size === 0) {
      return `${seconds / size}${unit}`;
    }
  }
  return `${seconds}s`;
}

/**
 * The interval of a stored schedule ("every 604800s", or an older "every 6.048e+05s") as the
 * form writes it ("7d"); null for a cron expression or no schedule.
 */
export function everyOf(schedule: string | null): string | null {
  if (!schedule?.startsWith(EVERY)) {
    return null;
  }
  const text = schedule.slice(EVERY.length);
  const seconds = parseFloat(text);
  return isNaN(seconds) ? text : intervalText(seconds);
}

/**
 * A job's schedule as a person reads it: "every 7d", a cron expression, or "on demand only".
 */
export function scheduleText(schedule: string | null): string {
  if (!schedule) {
    return 'on demand only';
  }
  const every = everyOf(schedule);
  return every === null ? schedule : `${EVERY}${every}`;
}

/**
 * The form of an existing job, to edit it (its notebook as the server shows it: relative to
 * the scheduler's notebook folder, as the notebook listing names it).
 */
export function formOf(job: IJob): IJobForm {
  const schedule = job.schedule ?? '';
  const every = everyOf(schedule);
  const parameters: { [name: string]: string } = {};
  for (const [name, value] of Object.entries(job.parameters ?? {})) {
    parameters[name] = parameterText(value);
  }
  return {
    name: job.name,
    notebook: job.notebook,
    timing: schedule ? (every !== null ? 'every' : 'cron') : 'none',
    when: every ?? schedule,
    parameters,
    description: job.description ?? '',
    paused: job.paused
  };
}

const PYTHON_WORDS: { [word: string]: unknown } = {
  True: true,
  False: false,
  None: null
};

/**
 * A typed parameter value, typed like the notebook's default: text for a text default,
 * otherwise JSON (or Python's True, False, None) when the text reads as such.
 */
export function typedValue(
  text: string,
  declared: IDeclaredParameter | undefined
): unknown {
  if (declared?.has_default && typeof declared.default === 'string') {
    return text;
  }
  const word = text.trim();
  if (word in PYTHON_WORDS) {
    return PYTHON_WORDS[word];
  }
  try {
    return JSON.parse(word);
  } catch {
    return text;
  }
}

/**
 * The request body of a form: the fields it shows, and no other. Of the parameters, those
 * given (the others keep the notebook's defaults); of the schedule, the one chosen (the other
 * null, both null on demand). Editing, the server keeps every field the body does not name.
 */
export function jobBody(
  form: IJobForm,
  declared: IDeclaredParameter[]
): IJobBody {
  const known = new Map(declared.map(p => [p.name, p]));
  const parameters: { [name: string]: unknown } = {};
  for (const [name, text] of Object.entries(form.parameters)) {
    if (text.trim() !== '') {
      parameters[name] = typedValue(text, known.get(name));
    }
  }
  const body: IJobBody = {
    name: form.name.trim(),
    notebook: form.notebook.trim(),
    cron: null,
    every: null,
    parameters,
    description: form.description.trim() || null,
    paused: form.paused
  };
  if (form.timing !== 'none') {
    body[form.timing] = form.when.trim();
  }
  return body;
}
