/**
 * Events in words: "stage: development → production — 'validated'" (no DOM: tested alone).
 */
import { formatValue } from './diff';

export interface IEventChange {
  action: string;
  before: { [key: string]: unknown } | null;
  after: { [key: string]: unknown } | null;
}

function text(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  return typeof value === 'object' ? JSON.stringify(value) : formatValue(value);
}

function short(name: unknown): string {
  const dotted = String(name ?? '');
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

/**
 * What an event changed, in one line; a reason given with it follows a dash.
 */
export function describeEvent(event: IEventChange): string {
  const before = event.before ?? {};
  const after = event.after ?? {};
  const reason = after['reason'] ? ` — '${String(after['reason'])}'` : '';
  if (event.action === 'version.create') {
    const parent = after['parent'] ? `, from ${String(after['parent'])}` : '';
    return `tracked: ${short(after['estimator'])} in ${text(after['stage'])}${parent}`;
  }
  if (event.action === 'version.tag' || event.action === 'version.untag') {
    const tags = (after['tags'] ?? {}) as { [key: string]: unknown };
    const parts = Object.entries(tags).map(([key, value]) =>
      value === null ? `removed tag ${key}` : `tag ${key}=${text(value)}`
    );
    return parts.join(', ') + reason;
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter(key => key !== 'reason')
    .filter(key => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .filter(key => key in before || (after[key] ?? null) !== null);
  const parts = keys.map(key =>
    key in before
      ? `${key}: ${text(before[key])} → ${text(after[key])}`
      : `${key}: ${text(after[key])}`
  );
  return (parts.join(', ') || event.action) + reason;
}
