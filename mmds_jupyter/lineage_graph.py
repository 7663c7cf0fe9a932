"""Lineage of a version: data sets and parents upstream, derived versions downstream."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .entities import LineageEdge, Version

if TYPE_CHECKING:
    from .registry import Stores


@dataclass
class LineageNode:
    key: str  # "version:12" or "dataset:3"
    kind: str
    id: int
    label: str
    level: int  # 0 is the root, negative upstream, positive downstream
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Lineage:
    """A small graph around one version; renders as SVG in notebooks."""

    root: str
    nodes: dict[str, LineageNode]
    edges: list[LineageEdge]

    def upstream(self) -> list[LineageNode]:
        return sorted((n for n in self.nodes.values() if n.level < 0), key=lambda n: -n.level)

    def downstream(self) -> list[LineageNode]:
        return sorted((n for n in self.nodes.values() if n.level > 0), key=lambda n: n.level)

    def to_frame(self) -> pd.DataFrame:
        """One row per edge: upstream node, relation, downstream node."""
        rows = []
        for e in self.edges:
            src = self.nodes.get(f"{e.src_kind}:{e.src_id}")
            dst = self.nodes.get(f"{e.dst_kind}:{e.dst_id}")
            rows.append(
                {
                    "from": src.label if src else f"{e.src_kind}:{e.src_id}",
                    "relation": e.relation,
                    "to": dst.label if dst else f"{e.dst_kind}:{e.dst_id}",
                }
            )
        return pd.DataFrame(rows, columns=["from", "relation", "to"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "root": self.root,
            "nodes": [
                {
                    "key": n.key,
                    "kind": n.kind,
                    "id": n.id,
                    "label": n.label,
                    "level": n.level,
                    "detail": n.detail,
                }
                for n in self.nodes.values()
            ],
            "edges": [
                {
                    "from": f"{e.src_kind}:{e.src_id}",
                    "relation": e.relation,
                    "to": f"{e.dst_kind}:{e.dst_id}",
                }
                for e in self.edges
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Lineage:
        """The graph :meth:`to_dict` describes (what a remote registry reads back)."""

        def node(key: str) -> tuple[str, int]:
            kind, _, id_ = key.partition(":")
            return kind, int(id_)

        edges = [
            LineageEdge(*node(e["from"]), e["relation"], *node(e["to"])) for e in data["edges"]
        ]
        nodes = {n["key"]: LineageNode(**n) for n in data["nodes"]}
        return cls(root=data["root"], nodes=nodes, edges=edges)

    def _repr_html_(self) -> str:
        from .render import lineage_html

        return lineage_html(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from .render import mimebundle

        return mimebundle(self._repr_html_(), self.widget)

    def widget(self) -> Any:
        """An interactive graph: click a node to see its details."""
        from .widgets import lineage_widget

        return lineage_widget(self)

    def __repr__(self) -> str:
        return f"Lineage({self.nodes[self.root].label}: {len(self.nodes)} nodes)"


def _version_node(v: Version, level: int) -> LineageNode:
    return LineageNode(
        f"version:{v.id}",
        "version",
        v.id,
        v.ref,
        level,
        {
            "stage": v.stage,
            "estimator": v.estimator_class.rsplit(".", 1)[-1],
            "created_at": v.created_at.isoformat(),
        },
    )


def build_lineage(stores: Stores, root: Version, depth: int = 3) -> Lineage:
    """Walk the lineage edges ``depth`` steps up and down from ``root``."""
    nodes = {f"version:{root.id}": _version_node(root, 0)}
    edges: list[LineageEdge] = []
    seen_edges: set[tuple[Any, ...]] = set()
    for direction, sign in (("up", -1), ("down", 1)):
        frontier = [root.id]
        for step in range(1, depth + 1):
            found = stores.lineage.edges("version", frontier, direction)
            next_versions: list[int] = []
            dataset_ids: list[int] = []
            for e in found:
                key = (e.src_kind, e.src_id, e.relation, e.dst_kind, e.dst_id)
                if key not in seen_edges:
                    seen_edges.add(key)
                    edges.append(e)
                kind, nid = (e.src_kind, e.src_id) if direction == "up" else (e.dst_kind, e.dst_id)
                if f"{kind}:{nid}" in nodes:
                    continue
                if kind == "version":
                    next_versions.append(nid)
                elif kind == "dataset":
                    dataset_ids.append(nid)
            for d in stores.lineage.datasets(sorted(set(dataset_ids))):
                nodes[f"dataset:{d.id}"] = LineageNode(
                    f"dataset:{d.id}",
                    "dataset",
                    d.id,
                    f"{d.name or 'dataset'} {d.content_hash[:10]}",
                    sign * step,
                    {"rows": d.n_rows, "columns": d.n_cols, "content_hash": d.content_hash},
                )
            for v in stores.versions.versions_by_ids(sorted(set(next_versions))):
                nodes[f"version:{v.id}"] = _version_node(v, sign * step)
            frontier = sorted(set(next_versions))
            if not frontier:
                break
    return Lineage(f"version:{root.id}", nodes, edges)
