import {
  cancellable,
  cancelMessage,
  ILine,
  ISwitch,
  offersChanges,
  Refusals,
  send,
  stopping,
  toggleFor
} from '../jobActions';
import { IRun } from '../types';
import { JOB } from './fixtures';

const RUN: IRun = {
  id: 7,
  job: 'nightly',
  status: 'running',
  trigger: 'schedule',
  attempt: 1,
  scheduled_for: '2026-11-26T02:00:00+00:00',
  started_at: '2026-11-26T02:00:00+00:00',
  finished_at: null,
  duration_s: null,
  parameters: {},
  output_path: null,
  error: null,
  cancel_requested: false
};

/**
 * A promise that the test settles by hand, to look at the buttons while it is pending.
 */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('the Pause/Resume toggle', () => {
  it('pauses an active job and resumes a paused one', () => {
    expect(toggleFor(JOB)).toMatchObject({ verb: 'pause', label: 'Pause' });
    const paused = { ...JOB, paused: true, state: 'paused' as const };
    expect(toggleFor(paused)).toMatchObject({
      verb: 'resume',
      label: 'Resume'
    });
    expect(toggleFor(paused).title).toContain('nightly');
  });
});

describe('cancelling runs', () => {
  it('offers Cancel only while a run is queued or running', () => {
    const offered = [
      'queued',
      'running',
      'succeeded',
      'failed',
      'cancelled'
    ].map(status => cancellable({ ...RUN, status }));
    expect(offered).toEqual([true, true, false, false, false]);
  });

  it('knows a running run that was asked to stop', () => {
    expect(stopping(RUN)).toBe(false);
    expect(stopping({ ...RUN, cancel_requested: true })).toBe(true);
    // A queued run is cancelled at once; it never waits to stop.
    expect(
      stopping({ ...RUN, status: 'cancelled', cancel_requested: true })
    ).toBe(false);
  });

  it('says whether the run was cancelled or is being stopped', () => {
    expect(cancelMessage({ ...RUN, status: 'cancelled' })).toBe(
      'Cancelled run #7 of nightly'
    );
    expect(cancelMessage({ ...RUN, cancel_requested: true })).toBe(
      'Asked the scheduler to stop run #7 of nightly'
    );
  });
});

describe('send', () => {
  it('disables every control while the request is in flight', async () => {
    const buttons: ISwitch[] = [{ disabled: false }, { disabled: false }];
    const line: ILine = { textContent: 'an old refusal' };
    const answer = deferred<string>();
    const sent = send(buttons, line, () => answer.promise);
    expect(buttons.map(b => b.disabled)).toEqual([true, true]);
    expect(line.textContent).toBe('');
    answer.resolve('paused');
    await expect(sent).resolves.toBe('paused');
    expect(buttons.map(b => b.disabled)).toEqual([false, false]);
    expect(line.textContent).toBe('');
  });

  it("shows the server's refusal and lets the person try again", async () => {
    const button: ISwitch = { disabled: false };
    const line: ILine = { textContent: '' };
    const answer = deferred<string>();
    const sent = send([button], line, () => answer.promise);
    expect(button.disabled).toBe(true);
    answer.reject(
      new Error(
        'Run 7 has already succeeded; only queued or running runs can be cancelled.'
      )
    );
    await expect(sent).resolves.toBeUndefined();
    expect(line.textContent).toBe(
      'Run 7 has already succeeded; only queued or running runs can be cancelled.'
    );
    expect(button.disabled).toBe(false);
  });

  it('shows a refusal that is not an Error as text', async () => {
    const line: ILine = { textContent: '' };
    await send([], line, () => Promise.reject('offline'));
    expect(line.textContent).toBe('offline');
  });
});

describe('Refusals', () => {
  it('keeps a refusal across a re-render of the list', async () => {
    const refusals = new Refusals();
    const before: ILine = { textContent: '' };
    refusals.attach('run:7', before);
    const answer = deferred<string>();
    const sent = send([], refusals.lineFor('run:7'), () => answer.promise);
    // The panel reloads the list while the request is in flight: new elements.
    refusals.detachAll();
    const after: ILine = { textContent: '' };
    refusals.attach('run:7', after);
    answer.reject(new Error('Run 7 has already cancelled.'));
    await sent;
    expect(after.textContent).toBe('Run 7 has already cancelled.');
    expect(before.textContent).toBe('');
    // And on the next render too.
    const again: ILine = { textContent: '' };
    refusals.detachAll();
    refusals.attach('run:7', again);
    expect(again.textContent).toBe('Run 7 has already cancelled.');
    const other: ILine = { textContent: '' };
    refusals.attach('run:8', other);
    expect(other.textContent).toBe('');
  });

  it('forgets a refusal when the next request succeeds, or on clear', async () => {
    const refusals = new Refusals();
    const line: ILine = { textContent: '' };
    refusals.attach('job:nightly', line);
    await send([], refusals.lineFor('job:nightly'), () =>
      Promise.reject(new Error('There is no job named nightly.'))
    );
    expect(line.textContent).toBe('There is no job named nightly.');
    await send([], refusals.lineFor('job:nightly'), () => Promise.resolve(1));
    expect(line.textContent).toBe('');
    await send([], refusals.lineFor('job:nightly'), () =>
      Promise.reject(new Error('refused'))
    );
    refusals.clear();
    expect(line.textContent).toBe('');
    const redrawn: ILine = { textContent: '' };
    refusals.attach('job:nightly', redrawn);
    expect(redrawn.textContent).toBe('');
  });
});

describe('offersChanges', () => {
  it('offers the buttons unless the server says the role forbids them', () => {
    expect(offersChanges(JOB)).toBe(true);
    expect(offersChanges({ ...JOB, may_change: true })).toBe(true);
    expect(offersChanges({ ...JOB, may_change: false })).toBe(false);
  });
});
