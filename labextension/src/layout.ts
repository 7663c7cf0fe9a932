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
  /** The edge skips at least one column and is routed over the boxes. */
  long: boolean;
}

export interface ILayout {
  boxes: IBox[];
  links: ILink[];
  width: number;
  height: number;
}

export const NODE_W = 230;
export const NODE_H = 40;
const GAP_X = 70;
const GAP_Y = 18;
const MARGIN = 16;
/** Room above the boxes for edges that skip a column. */
export const DETOUR = 36;

/**
 * The column of each node: the longest path from a source, so that every edge points right
 * (a data set shared by a parent and its child sits left of both).
 */
export function columns(lineage: ILineage): Map<string, number> {
  const rank = new Map<string, number>(lineage.nodes.map(n => [n.key, 0]));
  // A DAG settles in at most n rounds; the bound also stops on a malformed cycle.
  for (let round = 0; round < lineage.nodes.length; round++) {
    let moved = false;
    for (const edge of lineage.edges) {
      const from = rank.get(edge.from);
      const to = rank.get(edge.to);
      if (from !== undefined && to !== undefined && to < from + 1) {
        rank.set(edge.to, from + 1);
        moved = true;
      }
    }
    if (!moved) {
      break;
    }
  }
  return rank;
}

export function layoutLineage(lineage: ILineage): ILayout {
  const rank = columns(lineage);
  const levels = new Map<number, ILineageNode[]>();
  for (const node of lineage.nodes) {
    const column = rank.get(node.key) ?? 0;
    const list = levels.get(column) ?? [];
    list.push(node);
    levels.set(column, list);
  }
  const order = [...levels.keys()].sort((a, b) => a - b);
  const skips = lineage.edges.some(
    e => (rank.get(e.to) ?? 0) - (rank.get(e.from) ?? 0) > 1
  );
  const top0 = MARGIN + (skips ? DETOUR : 0);
  const tallest = Math.max(0, ...[...levels.values()].map(l => l.length));
  const boxesHeight = tallest * (NODE_H + GAP_Y) - (tallest ? GAP_Y : 0);
  const height = top0 + boxesHeight + MARGIN;
  const boxes: IBox[] = [];
  const at = new Map<string, IBox>();
  order.forEach((level, column) => {
    const nodes = (levels.get(level) ?? []).sort((a, b) =>
      a.kind === b.kind
        ? a.label.localeCompare(b.label)
        : a.kind.localeCompare(b.kind)
    );
    const columnHeight = nodes.length * (NODE_H + GAP_Y) - GAP_Y;
    const top = top0 + (boxesHeight - columnHeight) / 2;
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
      relation: edge.relation,
      long: (rank.get(edge.to) ?? 0) - (rank.get(edge.from) ?? 0) > 1
    });
  }
  const width =
    MARGIN * 2 + order.length * (NODE_W + GAP_X) - (order.length ? GAP_X : 0);
  return { boxes, links, width, height };
}
