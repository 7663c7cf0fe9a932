"""Load a PMML file safely: size cap first, then defusedxml, then structural checks."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml
import defusedxml.ElementTree as SafeET

from .document import PMMLDocument
from .errors import PMMLError
from .validate import validate_document

MAX_PMML_BYTES = 100 * 1024 * 1024
"""Largest PMML file load_pmml accepts, in bytes; checked before anything is parsed."""

_NAMESPACE = re.compile(r"^http://www\.dmg\.org/PMML-4_([0-4])$")


def load_pmml(
    source: bytes | str | os.PathLike[str], *, max_bytes: int = MAX_PMML_BYTES
) -> PMMLDocument:
    """Parse PMML from bytes, XML text or a file path, refusing unsafe or malformed input."""
    raw = _read_capped(source, max_bytes)
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
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
    namespace, version = _strip_namespaces(root)
    validate_document(root)
    return PMMLDocument(root=root, version=version, namespace=namespace, raw=raw)


def _read_capped(source: bytes | str | os.PathLike[str], max_bytes: int) -> bytes:
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
        raise PMMLError(
            f"{what} is {size:,} bytes, over the {max_bytes:,}-byte limit (MAX_PMML_BYTES), so it "
            "was not parsed. Pass a larger max_bytes to load_pmml if you trust the file, or "
            "export a smaller model (fewer trees or shallower ones)."
        )


def _strip_namespaces(root: ET.Element) -> tuple[str, str]:
    namespace = ""
    if root.tag.startswith("{"):
        namespace = root.tag[1:].split("}", 1)[0]
    local_root = root.tag.rsplit("}", 1)[-1]
    if local_root != "PMML":
        raise PMMLError(
            f"The document's root element is <{local_root}>, not <PMML>. Pass a PMML file."
        )
    match = _NAMESPACE.match(namespace)
    if match is None:
        raise PMMLError(
            f"The document's namespace {namespace!r} is not a PMML 4.x namespace "
            "(http://www.dmg.org/PMML-4_1 ... PMML-4_4). Convert it to PMML 4.x first."
        )
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.rsplit("}", 1)[1]
    version = root.get("version") or f"4.{match.group(1)}"
    return namespace, version
