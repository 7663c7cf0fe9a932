/**
 * Where each lineage node sits: one column per level, upstream on the left (tested alone).
 */
import { ILineage, ILineageNode } from './types';

export interface IBox {
  node: ILineageNode;
  x: number;
  y: number;
}

export interface ILink {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  relation: string;
}

export interface ILayout {
  boxes: IBox[];
  links: ILink[];
  width: number;
  height: number;
}

export const NODE_W = 200;
export const NODE_H = 40;
const GAP_X = 70;
const GAP_Y = 18;
const MARGIN = 16;

export function layoutLineage(lineage: ILineage): ILayout {
  const levels = new Map<number, ILineageNode[]>();
  for (const node of lineage.nodes) {
    const list = levels.get(node.level) ?? [];
    list.push(node);
    levels.set(node.level, list);
  }
  const order = [...levels.keys()].sort((a, b) => a - b);
  const tallest = Math.max(0, ...[...levels.values()].map(l => l.length));
  const height =
    MARGIN * 2 + tallest * (NODE_H + GAP_Y) - (tallest ? GAP_Y : 0);
  const boxes: IBox[] = [];
  const at = new Map<string, IBox>();
  order.forEach((level, column) => {
    const nodes = (levels.get(level) ?? []).sort((a, b) =>
      a.kind === b.kind
        ? a.label.localeCompare(b.label)
        : a.kind.localeCompare(b.kind)
    );
    const columnHeight = nodes.length * (NODE_H + GAP_Y) - GAP_Y;
    const top = MARGIN + (height - 2 * MARGIN - columnHeight) / 2;
    nodes.forEach((node, row) => {
      const box = {
        node,
        x: MARGIN + column * (NODE_W + GAP_X),
        y: top + row * (NODE_H + GAP_Y)
      };
      boxes.push(box);
      at.set(node.key, box);
    });
  });
  const links: ILink[] = [];
  for (const edge of lineage.edges) {
    const a = at.get(edge.from);
    const b = at.get(edge.to);
    if (!a || !b) {
      continue;
    }
    links.push({
      x1: a.x + NODE_W,
      y1: a.y + NODE_H / 2,
      x2: b.x,
      y2: b.y + NODE_H / 2,
      relation: edge.relation
    });
  }
  const width =
    MARGIN * 2 + order.length * (NODE_W + GAP_X) - (order.length ? GAP_X : 0);
  return { boxes, links, width, height };
}
