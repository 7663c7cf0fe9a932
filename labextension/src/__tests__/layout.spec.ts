import { columns, layoutLineage, NODE_W } from '../layout';
import { ILineage, ILineageNode } from '../types';

const node = (key: string, level: number): ILineageNode => ({
  key,
  kind: key.startsWith('dataset') ? 'dataset' : 'version',
  id: Number(key.split(':')[1]),
  label: key,
  level,
  detail: {}
});

// churn:1 and churn:2 share their train set; churn:2 derives from churn:1.
const lineage: ILineage = {
  root: 'version:2',
  nodes: [node('dataset:1', -1), node('version:1', -1), node('version:2', 0)],
  edges: [
    { from: 'dataset:1', relation: 'trained_on', to: 'version:1' },
    { from: 'dataset:1', relation: 'trained_on', to: 'version:2' },
    { from: 'version:1', relation: 'derived_from', to: 'version:2' }
  ]
};

describe('columns', () => {
  it('puts each node right of everything upstream of it', () => {
    const rank = columns(lineage);
    expect(rank.get('dataset:1')).toBe(0);
    expect(rank.get('version:1')).toBe(1);
    expect(rank.get('version:2')).toBe(2);
  });

  it('stops on a cycle instead of looping', () => {
    const cyclic: ILineage = {
      root: 'version:1',
      nodes: [node('version:1', 0), node('version:2', 1)],
      edges: [
        { from: 'version:1', relation: 'derived_from', to: 'version:2' },
        { from: 'version:2', relation: 'derived_from', to: 'version:1' }
      ]
    };
    expect(columns(cyclic).size).toBe(2);
  });
});

describe('layoutLineage', () => {
  it('lays boxes left to right and points every edge rightwards', () => {
    const layout = layoutLineage(lineage);
    const x = new Map(layout.boxes.map(b => [b.node.key, b.x]));
    expect(x.get('dataset:1')!).toBeLessThan(x.get('version:1')!);
    expect(x.get('version:1')!).toBeLessThan(x.get('version:2')!);
    for (const link of layout.links) {
      expect(link.x2).toBeGreaterThan(link.x1);
    }
    expect(layout.links.filter(l => l.long)).toHaveLength(1);
    expect(layout.width).toBeGreaterThanOrEqual(3 * NODE_W);
  });

  it('does not overlap boxes of one column', () => {
    const wide: ILineage = {
      root: 'version:9',
      nodes: [
        node('dataset:1', -1),
        node('dataset:2', -1),
        node('version:9', 0)
      ],
      edges: [
        { from: 'dataset:1', relation: 'trained_on', to: 'version:9' },
        { from: 'dataset:2', relation: 'evaluated_on', to: 'version:9' }
      ]
    };
    const [a, b] = layoutLineage(wide).boxes.filter(
      box => box.node.kind === 'dataset'
    );
    expect(a.x).toBe(b.x);
    expect(Math.abs(a.y - b.y)).toBeGreaterThanOrEqual(40);
  });

  it('skips edges to nodes it does not know', () => {
    const layout = layoutLineage({
      root: 'version:2',
      nodes: [node('version:2', 0)],
      edges: [{ from: 'dataset:7', relation: 'trained_on', to: 'version:2' }]
    });
    expect(layout.links).toHaveLength(0);
    expect(layout.boxes).toHaveLength(1);
  });
});
