"""Batch scoring on a Dask distributed cluster: partitions checked and scored in parallel."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidInput
from .contract import Contract
from .validate import ContractViolation, Problem, check

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import ArtifactStore

DEFAULT_PARTITION_ROWS = 100_000
# Per worker process: model files are immutable, keyed by sha256 and whether the caller trusted
# the file (a model loaded with trust never serves an untrusted call).
_models: dict[tuple[str, bool], Any] = {}
# How many times this process deserialized each model file (once, unless evicted).
loads: dict[tuple[str, bool], int] = {}


def _worker_model(sha: str, fmt: str, blob: bytes, trusted: bool = False) -> Any:
    from ..capture import serialize

    key = (sha, trusted)
    if key not in _models:
        _models[key] = serialize.load(blob, fmt, trusted=trusted, label=f"model file {sha[:12]}")
        loads[key] = loads.get(key, 0) + 1
    return _models[key]


def _score_part(
    part: pd.DataFrame,
    contract: Contract,
    version: Version,
    blob: bytes,
    carried: list[str],
    trusted: bool = False,
) -> tuple[pd.DataFrame | None, list[Problem], pd.Series | None]:
    """Check and score one partition on a worker; a violation comes back as its problems."""
    from .score import _predict, model_features

    try:
        checked = check(contract, part, carried, model_features(version))
    except ContractViolation as exc:
        return None, exc.problems, None
    assert version.artifact_sha256 and version.artifact_format
    model = _worker_model(version.artifact_sha256, version.artifact_format, blob, trusted)
    outputs = pd.concat([part[carried], _predict(model, version, checked)], axis=1)
    return outputs, checked.problems, checked.flags


def merge_problems(problems: list[Problem]) -> list[Problem]:
    """One problem per (column, kind) across partitions, with the row counts added up."""
    merged: dict[tuple[str, str], Problem] = {}
    for p in problems:
        seen = merged.get((p.column, p.kind))
        if seen is None:
            merged[(p.column, p.kind)] = dataclasses.replace(p)
        elif p.kind not in ("missing column", "unexpected column"):
            seen.rows += p.rows
    return list(merged.values())


def client_for(address: str | None) -> Any:
    """A client of the cluster at ``address`` (or $MMDS_DASK_SCHEDULER)."""
    from distributed import Client

    address = address or os.environ.get("MMDS_DASK_SCHEDULER")
    if not address:
        raise InvalidInput(
            "engine='dask' needs a cluster: pass scheduler='tcp://host:8786' or "
            "set MMDS_DASK_SCHEDULER."
        )
    address = address.replace("dask://", "tcp://", 1)
    try:
        return Client(address, timeout="10s", set_as_default=False)
    except OSError as exc:
        raise InvalidInput(f"Cannot reach the Dask scheduler at {address}: {exc}.") from exc


def score_on_dask(
    artifacts: ArtifactStore,
    version: Version,
    contract: Contract,
    frame: pd.DataFrame,
    carried: list[str],
    address: str | None,
    partition_rows: int | None = None,
    trusted: bool = False,
) -> tuple[pd.DataFrame, list[Problem], pd.Series]:
    """Score ``frame`` in partitions on the cluster; all partitions pass or nothing is kept."""
    assert version.artifact_sha256
    partition_rows = partition_rows or DEFAULT_PARTITION_ROWS
    blob = artifacts.get(version.artifact_sha256)  # verified here, once
    bare = dataclasses.replace(version)  # the data, without the registry
    client = client_for(address)
    try:
        [blob_future] = client.scatter([blob], broadcast=True)
        parts = [
            frame.iloc[i : i + partition_rows] for i in range(0, max(len(frame), 1), partition_rows)
        ]
        futures = client.map(
            _score_part,
            parts,
            contract=contract,
            version=bare,
            blob=blob_future,
            carried=carried,
            trusted=trusted,
            pure=False,
        )
        results = client.gather(futures)
    finally:
        client.close()
    problems = merge_problems([p for _, probs, _ in results for p in probs])
    if any(out is None for out, _, _ in results):
        raise ContractViolation(version.ref, problems)
    outputs = pd.concat([out for out, _, _ in results])
    flags = pd.concat([f for _, _, f in results])
    return outputs, problems, flags
