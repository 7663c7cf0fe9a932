/**
 * Reports as files: the server renders them (GET report), the browser saves them.
 */
import { h } from './dom';
import { send } from './jobActions';
import { requestFile } from './request';

/**
 * The query of `GET report` for versions and a format (the server picks the kind: one version is validated, two or more compared).
 */
export function reportQuery(refs: string[], format: 'html' | 'pdf'): string {
  const params = new URLSearchParams();
  for (const ref of refs) {
    params.append('refs', ref);
  }
  params.append('format', format);
  return `report?${params.toString()}`;
}

/**
 * "Export report" buttons (HTML and PDF) that download the report of `refs`; a refusal shows
 * the server's message beside them.
 */
export function exportButtons(refs: string[]): HTMLElement {
  const line = h('span', { class: 'mmds-job-error', role: 'alert' });
  const buttons = (['html', 'pdf'] as const).map(format => {
    const button = h(
      'button',
      {
        class: `mmds-export-report jp-mod-styled`,
        'data-format': format,
        title: `Download the report of ${refs.join(', ')} as ${format.toUpperCase()} (it is also stored with the versions)`
      },
      `Export report (${format.toUpperCase()})`
    );
    button.addEventListener('click', () => {
      void send([button], line, async () => {
        const file = await requestFile(reportQuery(refs, format));
        const url = URL.createObjectURL(file.blob);
        const link = h('a', { href: url, download: file.name });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      });
    });
    return button;
  });
  return h('div', { class: 'mmds-row mmds-export' }, ...buttons, line);
}
