/**
 * Checklist tasks in the panel: a line that says each one, and a list with Complete buttons.
 */
import { h } from './dom';
import { Refusals, send } from './jobActions';
import * as api from './api';
import { ITask } from './types';

/**
 * "Write the validation memo · vera · due 2026-12-01 · after #3 · milestone validation".
 */
export function taskLine(task: ITask): string {
  const parts = [task.title];
  const who = task.assignee ?? (task.group ? `group ${task.group}` : null);
  if (who) {
    parts.push(who);
  }
  if (task.due) {
    parts.push(`due ${task.due.slice(0, 10)}`);
  }
  if (task.depends_on.length) {
    parts.push(`after ${task.depends_on.map(id => `#${id}`).join(', ')}`);
  }
  if (task.milestone) {
    parts.push(`milestone ${task.milestone}`);
  }
  if (task.status === 'done') {
    parts.push(`done by ${task.completed_by ?? '?'}`);
  }
  return parts.join(' · ');
}

/**
 * The tasks as a list; an open one has a comment field and a Complete button, and `done`
 * is told what happened (the caller reloads). A refusal is kept in `refusals` so that it
 * survives the list being drawn again.
 */
export function taskList(
  items: ITask[],
  refusals: Refusals,
  done: (message: string) => Promise<void>
): HTMLElement {
  const list = h('ul', { class: 'mmds-task-list' });
  for (const task of items) {
    const key = `task:${task.id}`;
    const line = h('div', { class: 'mmds-job-error', role: 'alert' });
    refusals.attach(key, line);
    const row = h(
      'li',
      {
        class: `mmds-task mmds-task-${task.status}`,
        'data-task': String(task.id)
      },
      h('div', {}, `#${task.id} ${taskLine(task)}`)
    );
    if (task.status === 'open') {
      const comment = h('input', {
        type: 'text',
        class: 'mmds-input mmds-task-comment',
        'aria-label': `Comment on task #${task.id}`,
        placeholder: 'comment'
      });
      const complete = h(
        'button',
        { class: 'mmds-task-complete jp-mod-styled' },
        'Complete'
      );
      complete.addEventListener('click', () => {
        void send([complete], refusals.lineFor(key), async () => {
          const finished = await api.completeTask(
            task.id,
            comment.value.trim() || null
          );
          await done(`Completed task #${finished.id}: ${finished.title}`);
        });
      });
      row.append(h('div', { class: 'mmds-row' }, comment, complete), line);
    }
    list.appendChild(row);
  }
  return list;
}
