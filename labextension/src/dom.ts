/**
 * Small DOM builders. Text always goes in through textContent, never as markup.
 */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: { [name: string]: string } = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, value);
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.appendChild(
      typeof child === 'string' ? document.createTextNode(child) : child
    );
  }
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(
  tag: string,
  attrs: { [name: string]: string | number } = {},
  text?: string
): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    element.setAttribute(name, String(value));
  }
  if (text !== undefined) {
    element.textContent = text;
  }
  return element;
}

/**
 * A two-column table of key/value pairs.
 */
export function keyValueTable(rows: [string, Child][]): HTMLTableElement {
  const table = h('table', { class: 'mmds-kv' });
  for (const [key, value] of rows) {
    table.appendChild(h('tr', {}, h('th', {}, key), h('td', {}, value)));
  }
  return table;
}

/**
 * A table with a header row; cells are text or nodes.
 */
export function grid(
  head: string[],
  rows: Child[][],
  className = 'mmds-grid'
): HTMLTableElement {
  const table = h('table', { class: className });
  table.appendChild(h('tr', {}, ...head.map(cell => h('th', {}, cell))));
  for (const row of rows) {
    table.appendChild(h('tr', {}, ...row.map(cell => h('td', {}, cell))));
  }
  return table;
}

export function clear(element: Element): void {
  while (element.firstChild) {
    element.removeChild(element.firstChild);
  }
}

/**
 * What a failed request says, whatever was thrown.
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Replace a view's body with the error that stopped it loading.
 */
export function showError(body: HTMLElement, error: unknown): void {
  clear(body);
  body.appendChild(h('p', { class: 'mmds-error' }, errorText(error)));
}

/**
 * A chart the server drew (its one chart module), as an SVG element to insert, or null when
 * the text is not a drawing. The server escapes every text in it and writes no script; as a
 * second guard, anything that could run is dropped here.
 */
export function serverSvg(text: string): Element | null {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') {
    return null;
  }
  for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
    if (['script', 'foreignObject'].includes(el.nodeName)) {
      el.remove();
      continue;
    }
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name) || /javascript:/i.test(attr.value)) {
        el.removeAttribute(attr.name);
      }
    }
  }
  return document.importNode(root, true);
}
