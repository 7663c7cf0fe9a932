"""A spark.ml model's file: Spark ML's own save format, packed into one deterministic archive.

``model.write().save(dir)`` writes JSON metadata and Parquet data (no code: loading builds
only Spark ML classes from them). The directory is packed as a gzipped tar whose content
depends on the model alone, so that the artifact is content-addressed: entries sorted, times,
owners and modes fixed, Spark's random part-file names replaced by their order, checksums and
``_SUCCESS`` markers left out, and the save time in the metadata set to 0.

Unpacking refuses any entry that is not a plain file or folder inside its temporary root
(tarfile's ``data`` filter), and loading builds the class the manifest names only when it is a
``pyspark.ml`` model class.
"""

from __future__ import annotations

import gzip
import importlib
import io
import json
import os
import re
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from ...errors import InvalidInput, MMDSError

MANIFEST = "mmds-spark.json"
_ROOT = "model"
_STAMP = re.compile(rb'"timestamp":\d+')
_PART = re.compile(r"^(part-\d+)-[0-9a-f-]+(-c\d+)?(\..+)$")


def _session() -> Any:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    if spark is None:
        raise MMDSError(
            "A spark.ml model needs a SparkSession: start one (SparkSession.builder"
            ".getOrCreate()) in this process, then load or score the model."
        )
    return spark


def _entries(root: Path) -> list[tuple[str, bytes]]:
    """The saved directory's files by their normalized names and contents."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        base = Path(folder)
        for name in sorted(files):
            if name.startswith((".", "_")):  # checksums and _SUCCESS markers
                continue
            data = (base / name).read_bytes()
            rel = (base / name).relative_to(root)
            m = _PART.match(name)
            if m:
                rel = rel.with_name(m.group(1) + m.group(3))
            if rel.parent.name == "metadata":  # {"class":..., "timestamp": <save time>, ...}
                data = _STAMP.sub(b'"timestamp":0', data, count=1)
            elif name.endswith(".parquet"):
                data = _unstamped_parquet(data)  # a forest's trees keep their metadata here
            out.append((f"{_ROOT}/{rel.as_posix()}", data))
    return sorted(out)


def _unstamped_parquet(data: bytes) -> bytes:
    """A Parquet file as it is, or, when its text columns hold Spark metadata with save
    times, with those set to 0 (rewritten by pyarrow, which writes the same bytes for the same
    table, keeping the schema and its Spark metadata)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(pa.BufferReader(data))
    stamped = [
        i
        for i, col in enumerate(table.columns)
        if pa.types.is_string(col.type)
        and pc.any(pc.match_substring_regex(col, r'"timestamp":[1-9]')).as_py()
    ]
    if not stamped:
        return data
    columns = [
        pc.replace_substring_regex(col, r'"timestamp":\d+', '"timestamp":0')
        if i in stamped
        else col
        for i, col in enumerate(table.columns)
    ]
    out = pa.BufferOutputStream()
    pq.write_table(pa.table(columns, schema=table.schema), out, compression="snappy")
    return bytes(out.getvalue().to_pybytes())


def pack(model: Any) -> bytes:
    """The model saved by Spark and packed deterministically (gzip without a time stamp)."""
    _session()
    with tempfile.TemporaryDirectory(prefix="mmds-spark-") as tmp:
        target = Path(tmp) / _ROOT
        model.write().save(str(target))
        entries = _entries(target)
    cls = type(model)
    manifest = {"class": f"{cls.__module__}.{cls.__qualname__}", "format": 1}
    entries.insert(0, (MANIFEST, json.dumps(manifest, sort_keys=True).encode()))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        folders: set[str] = set()
        for name, data in entries:
            parts = name.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                folder = "/".join(parts[:i])
                if folder not in folders:
                    folders.add(folder)
                    tar.addfile(_info(folder, tarfile.DIRTYPE, 0))
            tar.addfile(_info(name, tarfile.REGTYPE, len(data)), io.BytesIO(data))
    return gzip.compress(buf.getvalue(), compresslevel=6, mtime=0)


def _info(name: str, kind: bytes, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def model_class(name: str, label: str) -> type:
    """The pyspark.ml model class a manifest names; any other name is refused."""
    module, _, attr = name.rpartition(".")
    if not module.startswith("pyspark.ml.") and module != "pyspark.ml":
        raise InvalidInput(f"{label} names {name!r}, which is not a pyspark.ml model class.")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError):
        raise InvalidInput(
            f"{label} names {name!r}, which this pyspark does not have; load it with the "
            "pyspark version it was tracked with."
        ) from None
    from pyspark.ml.base import Model

    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise InvalidInput(f"{label} names {name!r}, which is not a pyspark.ml model class.")
    return cls


def load(data: bytes, label: str = "the model file") -> Any:
    """The working model in the current SparkSession."""
    _session()
    try:
        raw = gzip.decompress(data)
    except (OSError, EOFError):
        raise InvalidInput(f"{label} is not a packed spark.ml model.") from None
    with tempfile.TemporaryDirectory(prefix="mmds-spark-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            try:
                tar.extractall(tmp, filter="data")  # nothing outside tmp, no links out
            except tarfile.FilterError as exc:
                raise InvalidInput(f"{label} holds an unsafe entry ({exc}).") from None
        manifest_path = Path(tmp) / MANIFEST
        if not manifest_path.is_file() or not (Path(tmp) / _ROOT).is_dir():
            raise InvalidInput(f"{label} is not a packed spark.ml model (no {MANIFEST}).")
        manifest = json.loads(manifest_path.read_text())
        cls = model_class(str(manifest.get("class", "")), label)
        # Spark reads the model eagerly: the folder may go once load returns.
        return cls.load(str(Path(tmp) / _ROOT))  # type: ignore[attr-defined]
