/**
 * A model's Monitoring section, from its monitoring view (GET versions/MODEL/monitor): the
 * open alerts (acknowledge, resolve), the server's charts (metrics by window with their
 * warning and alert lines, drift per input, the score distribution against its baseline),
 * champion vs challenger, and the performance window by window with the labelled share and
 * estimates marked as such.
 */
import * as api from './api';
import { formatValue } from './diff';
import { grid, h, serverSvg } from './dom';
import { Refusals, send } from './jobActions';
import {
  IChallenger,
  IMonitorView,
  IPerformanceWindow,
  IServerChart
} from './types';

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

/**
 * A chart of the view in a figure (or a line saying it could not be read).
 */
export function serverChart(chart: IServerChart): HTMLElement {
  const drawing = serverSvg(chart.svg);
  return h(
    'figure',
    { class: 'mmds-monitor-chart', 'data-chart': chart.id },
    drawing ?? h('p', {}, `The chart ${chart.title} could not be read.`)
  );
}

function challengerBox(cc: IChallenger): HTMLElement {
  const box = h(
    'div',
    { class: 'mmds-challenger' },
    h('p', {}, h('b', {}, 'Champion vs challenger: '), cc.verdict)
  );
  if (cc.metrics.length) {
    box.appendChild(
      grid(
        [
          'metric',
          cc.champion ?? 'champion',
          cc.challenger ?? 'challenger',
          'test',
          'p'
        ],
        cc.metrics.map(m => [
          m.metric,
          formatValue(m.champion),
          formatValue(m.challenger),
          m.test,
          formatValue(m.p_value)
        ]),
        'mmds-grid mmds-challenger-table'
      )
    );
  }
  return box;
}

export function monitoringSection(
  view: IMonitorView,
  refusals: Refusals,
  done: (message: string) => Promise<void>,
  // The user's roles let them acknowledge and resolve alerts (else no button is offered).
  settles = true
): HTMLElement {
  const box = h('div', { class: 'mmds-monitoring' });
  for (const note of view.notes) {
    box.appendChild(h('p', { class: 'mmds-monitor-note' }, note));
  }
  const open = view.alerts.filter(a => a.status !== 'resolved');
  if (open.length === 0) {
    box.appendChild(h('p', { class: 'mmds-no-alerts' }, 'No open alert.'));
  } else {
    const list = h('ul', { class: 'mmds-alert-list' });
    for (const alert of open) {
      const key = `alert:${alert.id}`;
      const line = h('span', { class: 'mmds-job-error', role: 'alert' });
      refusals.attach(key, line);
      const buttons = (['acknowledge', 'resolve'] as const)
        .filter(() => settles)
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
  if (view.charts.length) {
    box.appendChild(
      h('div', { class: 'mmds-charts' }, ...view.charts.map(serverChart))
    );
  }
  if (view.challenger) {
    box.appendChild(challengerBox(view.challenger));
  }
  if (view.windows.length) {
    const metrics = view.metrics;
    box.appendChild(
      grid(
        [
          view.definition?.window ?? 'window',
          'version',
          'rows',
          'labelled',
          ...metrics
        ],
        view.windows.map(w => [
          w.window,
          w.ref,
          w.rows.toLocaleString('en-US'),
          `${Math.round(w.labelled_share * 100)}%`,
          ...metrics.map(m => windowCell(w, m, view.estimated_metric))
        ]),
        'mmds-grid mmds-performance'
      )
    );
  }
  return box;
}
