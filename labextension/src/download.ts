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

/** Ask the server for the file at `path` and let the browser save it. */
async function save(path: string): Promise<void> {
  const file = await requestFile(path);
  const url = URL.createObjectURL(file.blob);
  const link = h('a', { href: url, download: file.name });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * "Export report" buttons (HTML and PDF) that download the report of `refs` and, with `pmml`
 * (one version whose roles allow it), "Export PMML" for its PMML file; a refusal shows the
 * server's message beside them.
 */
export function exportButtons(
  refs: string[],
  { report = true, pmml = false }: { report?: boolean; pmml?: boolean } = {}
): HTMLElement {
  const line = h('span', { class: 'mmds-job-error', role: 'alert' });
  const button = (cls: string, title: string, label: string, path: string) => {
    const b = h('button', { class: `${cls} jp-mod-styled`, title }, label);
    b.addEventListener('click', () => void send([b], line, () => save(path)));
    return b;
  };
  const buttons = report
    ? (['html', 'pdf'] as const).map(format => {
        const b = button(
          'mmds-export-report',
          `Download the report of ${refs.join(', ')} as ${format.toUpperCase()} (it is also stored with the versions)`,
          `Export report (${format.toUpperCase()})`,
          reportQuery(refs, format)
        );
        b.dataset.format = format;
        return b;
      })
    : [];
  if (pmml && refs.length === 1) {
    buttons.push(
      button(
        'mmds-export-pmml',
        `Download ${refs[0]} as a PMML file, with its inputs and outputs`,
        'Export PMML',
        `versions/${encodeURIComponent(refs[0])}/pmml`
      )
    );
  }
  return h('div', { class: 'mmds-row mmds-export' }, ...buttons, line);
}
