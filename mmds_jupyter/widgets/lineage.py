"""The lineage graph as an ipywidget: the SVG graph plus a picker that shows a node's details."""

from __future__ import annotations

import json
from html import escape
from typing import Any

import ipywidgets as W

from ..lineage_graph import Lineage
from ..render import STYLE, lineage_html


def node_html(lin: Lineage, key: str) -> str:
    """One node's kind, label and details as an escaped table."""
    node = lin.nodes[key]
    rows = [
        ("kind", node.kind),
        ("name", node.label),
        (
            "position",
            "this version" if node.level == 0 else "upstream" if node.level < 0 else "downstream",
        ),
    ]
    rows += [
        (k, v if isinstance(v, str) else json.dumps(v, default=str))
        for k, v in sorted(node.detail.items())
    ]
    body = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    edges = [
        e for e in lin.edges if key in (f"{e.src_kind}:{e.src_id}", f"{e.dst_kind}:{e.dst_id}")
    ]
    links = "".join(
        f"<li>{escape(_label(lin, f'{e.src_kind}:{e.src_id}'))} —{escape(e.relation)}→ "
        f"{escape(_label(lin, f'{e.dst_kind}:{e.dst_id}'))}</li>"
        for e in edges
    )
    return f"{STYLE}<table class='mmds-table'>{body}</table><ul>{links}</ul>"


def _label(lin: Lineage, key: str) -> str:
    node = lin.nodes.get(key)
    return node.label if node else key


class LineageWidget(W.VBox):
    """Renders as a live widget in JupyterLab and as the plain SVG elsewhere."""

    def __init__(self, lin: Lineage, **kwargs: Any):
        self.lineage = lin
        self.graph = W.HTML(lineage_html(lin))
        options = sorted(
            ((f"{n.kind}: {n.label}", n.key) for n in lin.nodes.values()),
            key=lambda o: (lin.nodes[o[1]].level, o[0]),
        )
        self.picker = W.Dropdown(
            options=options, value=lin.root, description="node", layout=W.Layout(width="420px")
        )
        self.detail = W.HTML()
        self.picker.observe(self._show, names="value")
        super().__init__([self.graph, self.picker, self.detail], **kwargs)
        self._show()

    def _show(self, *_: Any) -> None:
        self.detail.value = node_html(self.lineage, self.picker.value)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = dict(super()._repr_mimebundle_(**kwargs) or {})
        data["text/html"] = self.graph.value
        return data


def lineage_widget(lineage: Lineage) -> LineageWidget:
    """An interactive view of ``mmds.lineage(...)``: the graph and the details of any node."""
    return LineageWidget(lineage)
