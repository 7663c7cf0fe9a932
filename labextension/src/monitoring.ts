/**
 * A model's Monitoring section: its alerts (acknowledge, resolve) and its production
 * performance window by window, with the labelled share and estimates marked as such.
 */
import * as api from './api';
import { formatValue } from './diff';
import { grid, h } from './dom';
import { Refusals, send } from './jobActions';
import { IAlert, IPerformance, IPerformanceWindow } from './types';

/**
 * A metric's cell: the value, marked "(est.)" when the window has no label yet and this is
 * the metric the server estimates from the classifier's confidence.
 */
export function windowCell(
  row: IPerformanceWindow,
  metric: string,
  estimated: string
): string {
  const value = formatValue(row[metric]);
  return row.estimated && metric === estimated && value !== '—'
    ? `${value} (est.)`
    : value;
}

export function monitoringSection(
  alerts: IAlert[],
  performance: IPerformance,
  refusals: Refusals,
  done: (message: string) => Promise<void>
): HTMLElement {
  const box = h('div', { class: 'mmds-monitoring' });
  const open = alerts.filter(a => a.status !== 'resolved');
  if (open.length === 0) {
    box.appendChild(h('p', { class: 'mmds-no-alerts' }, 'No open alert.'));
  } else {
    const list = h('ul', { class: 'mmds-alert-list' });
    for (const alert of open) {
      const key = `alert:${alert.id}`;
      const line = h('span', { class: 'mmds-job-error', role: 'alert' });
      refusals.attach(key, line);
      const buttons = (['acknowledge', 'resolve'] as const)
        .filter(verb => verb === 'resolve' || alert.status === 'open')
        .map(verb => {
          const button = h(
            'button',
            { class: `mmds-alert-${verb} jp-mod-styled`, 'data-verb': verb },
            verb === 'acknowledge' ? 'Acknowledge' : 'Resolve'
          );
          button.addEventListener('click', () => {
            void send([button], refusals.lineFor(key), async () => {
              const settled = await api.settleAlert(alert.id, verb);
              await done(`Alert #${settled.id} is ${settled.status}`);
            });
          });
          return button;
        });
      list.appendChild(
        h(
          'li',
          {
            class: `mmds-alert mmds-alert-level-${alert.level}`,
            'data-alert': String(alert.id)
          },
          h(
            'div',
            {},
            h(
              'span',
              { class: `mmds-badge mmds-level-${alert.level}` },
              alert.level
            ),
            ` ${alert.window} · ${alert.measure} ${formatValue(alert.value)} (threshold ${formatValue(alert.threshold)}) · ${alert.status}`
          ),
          h('div', { class: 'mmds-result-meta' }, alert.message),
          h('div', { class: 'mmds-row' }, ...buttons, line)
        )
      );
    }
    box.appendChild(list);
  }
  if (performance.items.length === 0) {
    box.appendChild(
      h('p', {}, 'No production scores yet: nothing to judge over time.')
    );
  } else {
    const metrics = performance.metrics;
    box.appendChild(
      grid(
        ['week', 'version', 'rows', 'labelled', ...metrics],
        performance.items.map(w => [
          w.window,
          w.ref,
          w.rows.toLocaleString('en-US'),
          `${Math.round(w.labelled_share * 100)}%`,
          ...metrics.map(m => windowCell(w, m, performance.estimated_metric))
        ]),
        'mmds-grid mmds-performance'
      )
    );
  }
  return box;
}
