/**
 * Bar charts and the lineage graph as SVG built with DOM calls.
 */
import { svg } from './dom';
import { ILayout, layoutLineage, NODE_H, NODE_W } from './layout';
import { panZoomBox } from './panZoom';
import { ILineage } from './types';

/**
 * The lineage graph in a box that zooms and pans, opened centred on the version (the root).
 */
export function lineageView(
  lineage: ILineage,
  onOpen: (ref: string) => void,
  onOpenDataset?: (contentHash: string) => void
): HTMLElement {
  const layout = layoutLineage(lineage);
  const root = layout.boxes.find(b => b.node.key === lineage.root);
  const centre = root
    ? { x: root.x + NODE_W / 2, y: root.y + NODE_H / 2 }
    : { x: layout.width / 2, y: layout.height / 2 };
  return panZoomBox(
    lineageGraph(lineage, onOpen, layout, onOpenDataset) as SVGSVGElement,
    layout,
    centre
  );
}

/**
 * The lineage graph; clicking a version node calls `onOpen` with its reference, a data set
 * node `onOpenDataset` (when given) with its content hash.
 */
export function lineageGraph(
  lineage: ILineage,
  onOpen: (ref: string) => void,
  layout: ILayout = layoutLineage(lineage),
  onOpenDataset?: (contentHash: string) => void
): SVGElement {
  const root = svg('svg', {
    class: 'mmds-lineage',
    width: layout.width,
    height: layout.height
  });
  const defs = svg('defs');
  const marker = svg('marker', {
    id: 'mmds-arrow',
    viewBox: '0 0 10 10',
    refX: 10,
    refY: 5,
    markerWidth: 6,
    markerHeight: 6,
    orient: 'auto'
  });
  marker.appendChild(
    svg('path', { d: 'M0,0L10,5L0,10z', class: 'mmds-arrow' })
  );
  defs.appendChild(marker);
  root.appendChild(defs);
  for (const link of layout.links) {
    // Edges that skip a column arc over the boxes between; the others are a gentle S.
    const bend = Math.max(30, (link.x2 - link.x1) / 2);
    const d = link.long
      ? `M${link.x1},${link.y1} C${link.x1 + 60},4 ${link.x2 - 60},4 ${link.x2},${link.y2}`
      : `M${link.x1},${link.y1} C${link.x1 + bend},${link.y1} ${link.x2 - bend},${link.y2} ${link.x2},${link.y2}`;
    const line = svg('path', {
      d,
      class: `mmds-edge mmds-edge-${link.relation}`,
      fill: 'none',
      'marker-end': 'url(#mmds-arrow)'
    });
    line.appendChild(svg('title', {}, link.relation));
    root.appendChild(line);
  }
  for (const box of layout.boxes) {
    const node = box.node;
    const classes = ['mmds-node', `mmds-node-${node.kind}`];
    if (node.key === lineage.root) {
      classes.push('mmds-node-root');
    }
    const group = svg('g', { class: classes.join(' '), 'data-key': node.key });
    group.appendChild(
      svg('rect', { x: box.x, y: box.y, width: NODE_W, height: NODE_H, rx: 6 })
    );
    const label =
      node.label.length > 32 ? `${node.label.slice(0, 31)}…` : node.label;
    group.appendChild(
      svg(
        'text',
        { x: box.x + 8, y: box.y + 16, class: 'mmds-node-label' },
        label
      )
    );
    const fullDetail =
      node.kind === 'version'
        ? `${node.detail['estimator'] ?? ''} · ${node.detail['stage'] ?? ''}`
        : `${node.detail['rows'] ?? '?'} rows × ${node.detail['columns'] ?? '?'} cols`;
    const detail =
      fullDetail.length > 36 ? `${fullDetail.slice(0, 35)}…` : fullDetail;
    group.appendChild(
      svg(
        'text',
        { x: box.x + 8, y: box.y + 32, class: 'mmds-node-detail' },
        detail
      )
    );
    group.appendChild(svg('title', {}, node.label));
    const contentHash = node.detail['content_hash'];
    const open =
      node.kind === 'version'
        ? () => onOpen(node.label)
        : onOpenDataset && typeof contentHash === 'string'
          ? () => onOpenDataset(contentHash)
          : null;
    if (open) {
      group.classList.add('mmds-node-open');
      group.setAttribute('role', 'button');
      group.setAttribute('tabindex', '0');
      group.addEventListener('click', open);
      group.addEventListener('keydown', event => {
        if ((event as KeyboardEvent).key === 'Enter') {
          open();
        }
      });
    }
    root.appendChild(group);
  }
  return root;
}

/**
 * What the edge styles of the lineage graph mean.
 */
export function lineageLegend(): SVGElement {
  const items: [string, string][] = [
    ['trained_on', 'trained on'],
    ['evaluated_on', 'evaluated on'],
    ['derived_from', 'derived from (parent → child)']
  ];
  const root = svg('svg', { class: 'mmds-legend', width: 520, height: 20 });
  items.forEach(([relation, text], i) => {
    const x = i * 150;
    root.appendChild(
      svg('line', {
        x1: x,
        y1: 10,
        x2: x + 28,
        y2: 10,
        class: `mmds-edge mmds-edge-${relation}`
      })
    );
    root.appendChild(svg('text', { x: x + 34, y: 14 }, text));
  });
  return root;
}
