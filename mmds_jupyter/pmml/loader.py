"""Load a PMML file safely: size cap first, then defusedxml, then structural checks."""

from __future__ import annotations

import gc
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import defusedxml
import defusedxml.ElementTree as SafeET

from .document import PMMLDocument
from .errors import PMMLError
from .node_table import NodeTable, NodeTableBuilder
from .validate import validate_document

MAX_PMML_BYTES = 100 * 1024 * 1024
"""Default size limit of a PMML file, in bytes; MMDS_PMML_MAX_MB overrides it."""
SIZE_SETTING = "MMDS_PMML_MAX_MB"
MAX_TREE_DEPTH = 1000
"""Deepest tree (Node inside Node) a document may hold; trees are compiled without recursion."""
MAX_NESTING = 100
"""Deepest nesting of the other elements (predicates, expressions, segments' models), which
are compiled and evaluated recursively; real documents stay far below it."""

# Attributes that hold names or keywords, whose few distinct values repeat across elements.
_NAMING_ATTRIBUTES = frozenset(
    {"field", "name", "operator", "booleanOperator", "dataType", "optype", "usageType"}
)
_NAMESPACE = re.compile(r"^http://www\.dmg\.org/PMML-4_([0-4])$")


def max_pmml_bytes() -> int:
    """The largest PMML file MMDS reads: MMDS_PMML_MAX_MB megabytes, 100 unless set."""
    text = os.environ.get(SIZE_SETTING, "").strip()
    if not text:
        return MAX_PMML_BYTES
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = -1.0
    if not 0 < megabytes < 2**40:
        raise PMMLError(
            f"{SIZE_SETTING}={text!r} is not a size in megabytes. Set it to a positive number "
            f"such as {SIZE_SETTING}=200, or unset it for the default of 100."
        )
    return int(megabytes * 2**20)


def load_pmml(
    source: bytes | str | os.PathLike[str], *, max_bytes: int | None = None
) -> PMMLDocument:
    """Parse PMML from bytes, XML text or a file path, refusing unsafe or malformed input.

    Files over ``max_bytes`` (default: the MMDS_PMML_MAX_MB setting) are refused unread.
    """
    raw = read_pmml_bytes(source, max_bytes)
    target = _TreeTarget()
    # defusedxml's parser keeps its DTD and entity guards; the target takes expat's element
    # and text events straight from it (see _TreeTarget.attach).
    parser = SafeET.XMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.attach(parser.parser)
    try:
        with collector_paused():
            parser.feed(raw)
            root = parser.close()
    except defusedxml.DefusedXmlException as exc:
        raise PMMLError(
            f"The PMML document declares a DTD or entities ({type(exc).__name__}: {exc}), which "
            "MMDS refuses because they allow reading local files (XXE) or exhausting memory "
            "(billion laughs). Export the model again without a DOCTYPE; PMML never needs one."
        ) from exc
    except ET.ParseError as exc:
        raise PMMLError(
            f"The PMML document is not well-formed XML ({exc}). Check that the file is complete "
            "and was written by a PMML exporter."
        ) from exc
    version = _check_root(root, target.namespace)
    validate_document(root, target.trees)
    return PMMLDocument(
        root=root, version=version, namespace=target.namespace, raw=raw, trees=target.trees
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a document's objects are made.

    A large PMML file becomes millions of objects and none of them can be garbage yet; each
    collection would scan all of them again (most of the time spent loading a 90 MB file).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Where the events of an open element go: the element tree, an element kept whole inside a
# Node, a tree's NodeTable (a Node), or nowhere (a Node's predicate or ScoreDistribution, read
# into the table from its attributes). From _NODE on, the text between tags is dropped.
_MAIN, _KEPT, _NODE, _READ = 0, 1, 2, 3


class _TreeTarget:
    """Parser target that builds compact C elements named without their namespace, except for
    tree Nodes, which go into a NodeTable per TreeModel as they are read.

    It refuses nesting deeper than MAX_TREE_DEPTH / MAX_NESTING as the elements open, before
    anything recursive sees them, and drops the whitespace between elements (indentation),
    which PMML never reads; a leaf's text is kept exactly.
    """

    def __init__(self) -> None:
        self._builder = ET.TreeBuilder()
        self._local: dict[str, str] = {}
        self._shared: dict[str, str] = {}
        self._open: list[bool] = []  # per open element: is it a tree Node?
        self._route: list[int] = []  # per open element: where its events go
        self._elements: list[ET.Element] = []  # the open elements of the element tree
        self._nodes = 0
        self._text: list[str] = []
        self._leaf = False  # no child has opened since the innermost open element did
        self._table: NodeTableBuilder | None = None
        self._table_owner: ET.Element | None = None
        self._kept: ET.TreeBuilder | None = None
        self.trees: dict[ET.Element, NodeTable] = {}
        self.namespace = ""

    def attach(self, expat: Any) -> None:
        """Receive expat's events directly (names arrive as ``namespace}local``, attributes as
        a dict): ElementTree's pure-Python parser would spend more time per element than
        everything else."""
        expat.ordered_attributes = False
        expat.StartElementHandler = self.start
        expat.EndElementHandler = self.end
        expat.CharacterDataHandler = self._text.append  # (cleared, never replaced)

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = self._local.get(tag)
        if local is None:
            if not self._local and "}" in tag:
                self.namespace = tag.rsplit("}", 1)[0]
            local = self._local[tag] = sys.intern(tag.rsplit("}", 1)[-1])
        shared = self._shared
        for key in attrib:
            if "}" in key:
                attrib = {("{" + k if "}" in k else k): v for k, v in attrib.items()}
                break
            if key in _NAMING_ATTRIBUTES:
                # Field names and operators repeat on every node: one string object for each.
                attrib[key] = shared.setdefault(attrib[key], attrib[key])
        is_node = local == "Node"
        self._open.append(is_node)
        self._nodes += is_node
        if self._nodes > MAX_TREE_DEPTH:
            raise PMMLError(
                f"A tree in the PMML document is more than {MAX_TREE_DEPTH:,} Nodes deep "
                "(MAX_TREE_DEPTH), so it was not loaded. Export the model with a max_depth "
                "below that; no real tree needs more."
            )
        if len(self._open) - self._nodes > MAX_NESTING:
            raise PMMLError(
                f"The PMML document nests <{local}> more than {MAX_NESTING} elements deep, "
                "not counting tree Nodes (MAX_NESTING), so it was not loaded. Predicates, "
                "expressions and nested models that deep are a sign of a broken or hostile "
                "file; export the model again with flatter predicates and expressions."
            )
        route = self._route[-1] if self._route else _MAIN
        if self._text:
            if route >= _NODE:
                self._text.clear()  # between a Node's children: indentation
            else:
                self._flush(keep=False, route=route)
        self._leaf = True
        if route == _MAIN:
            if is_node and self._elements and self._elements[-1].tag == "TreeModel":
                owner = self._elements[-1]
                table = self._table
                if table is None or self._table_owner is not owner:
                    table, self._table_owner = NodeTableBuilder(shared=shared), owner
                    self._table = table
                table.start_node(attrib)
                route = _NODE
            else:
                self._elements.append(self._builder.start(local, attrib))
        elif route == _NODE:
            table = self._table
            assert table is not None
            if is_node:
                table.start_node(attrib)
            elif local == "SimplePredicate":
                table.simple_predicate(attrib)
                route = _READ
            elif local == "True":
                table.true_predicate()
                route = _READ
            elif local == "ScoreDistribution":
                table.score_distribution(attrib)
                route = _READ
            else:
                self._kept = ET.TreeBuilder()
                route = _KEPT
        if route == _KEPT:
            assert self._kept is not None
            self._kept.start(local, attrib)
        self._route.append(route)

    def end(self, tag: str) -> None:
        self._nodes -= self._open.pop()
        route = self._route.pop()
        if self._text:
            if route >= _NODE:
                self._text.clear()
            else:
                self._flush(keep=self._leaf, route=route)
        self._leaf = False
        if route == _MAIN:
            element = self._builder.end(self._local[tag])
            self._elements.pop()
            if element is self._table_owner:
                assert self._table is not None
                self.trees[element] = self._table.finish()
                self._table = self._table_owner = None
        elif route == _NODE:
            assert self._table is not None
            self._table.end_node()
        elif route == _KEPT:
            assert self._kept is not None
            self._kept.end(self._local[tag])
            if self._route[-1] != _KEPT:
                assert self._table is not None
                self._table.child(self._kept.close())
                self._kept = None

    def close(self) -> ET.Element:
        return self._builder.close()

    def _flush(self, keep: bool, route: int) -> None:
        """Hand the text read since the last tag to the element it belongs to (of an element
        tree: the document's, or one kept whole inside a Node)."""
        text = "".join(self._text)
        self._text.clear()
        if keep or not text.isspace():
            if route == _MAIN:
                self._builder.data(text)
            else:
                assert self._kept is not None
                self._kept.data(text)


def read_pmml_bytes(source: bytes | str | os.PathLike[str], max_bytes: int | None = None) -> bytes:
    """The document's bytes, refused with a PMMLError over the size limit (a file unread)."""
    if max_bytes is None:
        max_bytes = max_pmml_bytes()
    if isinstance(source, bytes | bytearray):
        _check_size(len(source), max_bytes, "The PMML bytes")
        return bytes(source)
    if isinstance(source, str) and source.lstrip().startswith("<"):
        data = source.encode("utf-8")
        _check_size(len(data), max_bytes, "The PMML text")
        return data
    path = Path(source)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise PMMLError(f"Cannot read PMML file {path}: {exc}. Check the path.") from exc
    # The size check happens before reading so that a huge file never enters memory.
    _check_size(size, max_bytes, f"The PMML file {path}")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    _check_size(len(data), max_bytes, f"The PMML file {path}")
    return data


def _check_size(size: int, max_bytes: int, what: str) -> None:
    if size > max_bytes:
        needed = -(-size // 2**20)
        raise PMMLError(
            f"{what} is {size:,} bytes, over the {max_bytes:,}-byte limit "
            f"({max_bytes / 2**20:g} MB), so it was not parsed. If you trust the file, raise the "
            f"limit with the environment variable {SIZE_SETTING} (e.g. {SIZE_SETTING}="
            f"{max(needed, 1)}, or max_bytes= of load_pmml); or export a smaller model (fewer "
            "or shallower trees)."
        )


def _check_root(root: ET.Element, namespace: str) -> str:
    if root.tag != "PMML":
        raise PMMLError(
            f"The document's root element is <{root.tag}>, not <PMML>. Pass a PMML file."
        )
    match = _NAMESPACE.match(namespace)
    if match is None:
        raise PMMLError(
            f"The document's namespace {namespace!r} is not a PMML 4.x namespace "
            "(http://www.dmg.org/PMML-4_1 ... PMML-4_4). Convert it to PMML 4.x first."
        )
    return root.get("version") or f"4.{match.group(1)}"
