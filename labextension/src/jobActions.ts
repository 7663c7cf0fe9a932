/**
 * What the Jobs section lets a person do to a job or a run, and how a button sends it:
 * kept free of the DOM so that the rules can be tested on their own.
 */
import { errorText } from './dom';
import { IJob, IRun } from './types';

export type JobVerb = 'pause' | 'resume';

export interface IToggle {
  verb: JobVerb;
  label: string;
  title: string;
}

/**
 * Whether the Jobs section offers a job's buttons (Run now, Pause/Resume, Cancel): the server
 * says, from the user's role in the job's project; a server without roles allows everything.
 */
export function offersChanges(job: IJob): boolean {
  return job.may_change !== false;
}

/**
 * The Pause/Resume button of a job: what it does now, given the job's state.
 */
export function toggleFor(job: IJob): IToggle {
  if (job.paused) {
    return {
      verb: 'resume',
      label: 'Resume',
      title: `Schedule ${job.name} again from now on (occurrences during the pause are not run)`
    };
  }
  return {
    verb: 'pause',
    label: 'Pause',
    title: `Stop scheduling ${job.name} (running runs finish; Run now still works)`
  };
}

/**
 * Whether a run can still be cancelled: queued (at once) or running (its kernel is stopped).
 */
export function cancellable(run: IRun): boolean {
  return run.status === 'queued' || run.status === 'running';
}

/**
 * A running run whose cancel was asked for, but whose scheduler has not stopped it yet.
 */
export function stopping(run: IRun): boolean {
  return run.status === 'running' && run.cancel_requested;
}

/**
 * The status line after a cancel request, from the run the server sent back.
 */
export function cancelMessage(run: IRun): string {
  return run.status === 'cancelled'
    ? `Cancelled run #${run.id} of ${run.job}`
    : `Asked the scheduler to stop run #${run.id} of ${run.job}`;
}

/**
 * What `send` needs of a button and of an error line (an HTMLButtonElement and an
 * HTMLElement fit).
 */
export interface ISwitch {
  disabled: boolean;
}

export interface ILine {
  textContent: string | null;
}

/**
 * Send one request from a button: `controls` stay disabled while it is in flight, and a
 * refusal shows the server's message in `errorLine`. Resolves to the answer, or undefined
 * when the request failed.
 */
export async function send<T>(
  controls: ISwitch[],
  errorLine: ILine,
  request: () => Promise<T>
): Promise<T | undefined> {
  for (const control of controls) {
    control.disabled = true;
  }
  errorLine.textContent = '';
  try {
    return await request();
  } catch (error) {
    errorLine.textContent = errorText(error);
    return undefined;
  } finally {
    for (const control of controls) {
      control.disabled = false;
    }
  }
}

/**
 * The server's refusals by job or run ("job:nightly", "run:7"), kept across re-renders: the
 * panel reloads the list whenever the registry changes, which often happens just as a
 * request is refused (the run that could not be cancelled has just finished).
 */
export class Refusals {
  private readonly messages = new Map<string, string>();
  private lines = new Map<string, ILine>();

  /**
   * Forget the lines of the previous render (their elements are gone).
   */
  detachAll(): void {
    this.lines = new Map();
  }

  /**
   * Show `key`'s refusal, if one is kept, in `line`: the one element that stands for it now.
   */
  attach(key: string, line: ILine): void {
    this.lines.set(key, line);
    line.textContent = this.messages.get(key) ?? '';
  }

  /**
   * The line for `send` to write: the message is kept, and shown wherever `key` is drawn.
   */
  lineFor(key: string): ILine {
    const messages = this.messages;
    const shown = (): ILine | undefined => this.lines.get(key);
    return {
      get textContent(): string {
        return messages.get(key) ?? '';
      },
      set textContent(text: string | null) {
        if (text) {
          messages.set(key, text);
        } else {
          messages.delete(key);
        }
        const line = shown();
        if (line) {
          line.textContent = text ?? '';
        }
      }
    };
  }

  /**
   * Forget every refusal (a person reloaded the list on purpose).
   */
  clear(): void {
    this.messages.clear();
    for (const line of this.lines.values()) {
      line.textContent = '';
    }
  }
}
