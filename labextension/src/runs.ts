/**
 * Plain text for jobs, runs and executed notebooks: what the Jobs section and the run view show.
 */
import { scheduleText } from './jobForm';
import { age } from './query';
import {
  IJob,
  INotebook,
  INotebookOutput,
  IRun,
  IRunError,
  ISchedulerProcess
} from './types';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function joined(text: string | string[] | unknown): string {
  if (Array.isArray(text)) {
    return text.join('');
  }
  return typeof text === 'string' ? text : JSON.stringify(text);
}

/**
 * An ISO time as "2026-11-27 02:00 UTC" (schedules are read in UTC, as the CLI prints them).
 */
export function utcTime(iso: string | null): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (isNaN(date.getTime())) {
    return iso;
  }
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Whether queued runs will start: the schedulers alive and where, or how to start one.
 */
export function schedulerLine(
  schedulers: ISchedulerProcess[],
  now: number = Date.now()
): { alive: boolean; text: string } {
  const alive = schedulers.filter(s => s.alive);
  if (alive.length === 0) {
    return {
      alive: false,
      text: 'No scheduler is running: queued runs wait until one starts — run `mmds scheduler`.'
    };
  }
  const where = alive
    .map(s => {
      const ago = Math.max(0, Math.round((now - Date.parse(s.seen_at)) / 1000));
      return `${s.host} (seen ${ago} s ago)`;
    })
    .join(', ');
  return { alive: true, text: `Scheduler running on ${where}.` };
}

/**
 * One line under a job's name: its schedule, and its next run unless paused.
 */
export function jobMeta(job: IJob): string {
  const schedule = scheduleText(job.schedule);
  const next = job.paused
    ? 'paused: no new runs'
    : job.next_run_at
      ? `next ${utcTime(job.next_run_at)}`
      : 'no next run';
  return `${schedule} · ${next}`;
}

export function duration(seconds: number | null): string {
  if (seconds === null) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/**
 * One line for a run: its trigger, when it started (or was due) and how long it took.
 */
export function runMeta(run: IRun, now: number = Date.now()): string {
  const when = run.started_at ?? run.scheduled_for;
  const parts = [`#${run.id}`, run.trigger, age(when, now)];
  const took = duration(run.duration_s);
  if (took) {
    parts.push(took);
  }
  if (run.attempt > 1) {
    parts.push(`attempt ${run.attempt}`);
  }
  return parts.join(' · ');
}

/**
 * "ValueError: no rows (cell 3)": the error of a failed run in a line.
 */
export function errorLine(error: IRunError | null): string {
  if (!error) {
    return '';
  }
  const text = [error.ename, error.evalue].filter(Boolean).join(': ');
  const cell =
    typeof error.cell_index === 'number' ? ` (cell ${error.cell_index})` : '';
  return `${text}${cell}`;
}

export interface ICellBlock {
  kind: string;
  label: string;
  source: string;
  outputs: { kind: 'text' | 'error'; text: string }[];
}

function outputText(output: INotebookOutput): {
  kind: 'text' | 'error';
  text: string;
} {
  if (output.output_type === 'stream') {
    return { kind: 'text', text: joined(output.text ?? '') };
  }
  if (output.output_type === 'error') {
    const trace = (output.traceback ?? []).join('\n').replace(ANSI, '');
    return {
      kind: 'error',
      text: trace || `${output.ename}: ${output.evalue}`
    };
  }
  const data = output.data ?? {};
  if ('text/plain' in data) {
    return { kind: 'text', text: joined(data['text/plain']) };
  }
  const kinds = Object.keys(data).join(', ') || output.output_type;
  return { kind: 'text', text: `[${kinds} output not shown]` };
}

/**
 * A notebook as text blocks: each cell's source and its outputs, never as markup.
 */
export function notebookBlocks(notebook: INotebook): ICellBlock[] {
  return (notebook.cells ?? []).map((cell, index) => {
    const count =
      cell.cell_type === 'code'
        ? ` [${cell.execution_count ?? ' '}]`
        : ` ${cell.cell_type}`;
    const tags = cell.metadata?.tags?.length
      ? ` (${cell.metadata.tags.join(', ')})`
      : '';
    return {
      kind: cell.cell_type,
      label: `${index}${count}${tags}`,
      source: joined(cell.source),
      outputs: (cell.outputs ?? []).map(outputText)
    };
  });
}
