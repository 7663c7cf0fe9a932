"""Test and production scoring: contract check, predict, and (in production) the score set."""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..capture.adapters.spark import is_spark_frame
from ..capture.datasets import TextCodes, fingerprint
from ..errors import InvalidInput
from ..monitoring.stored import score_set_drift, summarize_inputs
from .contract import Contract, check_policy
from .frames import read_input, to_parquet_bytes
from .validate import Problem, check, ignored_columns

if TYPE_CHECKING:
    from ..entities import Version
    from ..registry import ArtifactStore, Registry, ScoreSetStore

MODES = ("test", "production", "shadow")
# The stage a version must be in for each mode that stores a score set: production scores
# feed decisions, shadow scores run a validated challenger beside them. Test mode stores
# nothing and takes any stage.
SCORING_STAGES = {"production": "production", "shadow": "validation"}
FLAG_COLUMN = "mmds_flags"


@dataclass
class ScoreResult:
    """The outputs of one scoring call and, in production mode, the stored score set's id."""

    ref: str
    mode: str
    outputs: pd.DataFrame
    problems: list[Problem]
    score_set_id: int | None = None
    # Columns of the data that are not inputs of the contract nor carried (key/passthrough).
    ignored_columns: list[str] = field(default_factory=list)
    # In production and shadow mode, the score set's drift against the version's baseline
    # (a monitoring.drift.DriftReport; None when the version has no baseline).
    drift: Any = None
    # Rows scored, when ``outputs`` is a Spark DataFrame (engine="spark"), whose length is a job.
    rows: int | None = None

    @property
    def n_rows(self) -> int:
        return len(self.outputs) if self.rows is None else self.rows

    @property
    def n_flagged(self) -> int:
        return int((self.outputs[FLAG_COLUMN] != "").sum()) if FLAG_COLUMN in self.outputs else 0

    def _repr_html_(self) -> str:
        head = (
            f"<b>{self.ref}</b> scored {len(self.outputs)} rows ({self.mode})"
            + (f", score set {self.score_set_id}" if self.score_set_id else "")
            + (f", {self.n_flagged} flagged" if self.n_flagged else "")
            + (f", ignored {', '.join(self.ignored_columns)}" if self.ignored_columns else "")
        )
        return f"<div>{head}</div>{self.outputs.head(10).to_html()}"


def model_features(version: Version) -> list[tuple[str, str]]:
    """The model's input columns (name, dtype), in the order it takes them."""
    return [(f.name, f.dtype) for f in version.features]


def predict_frame(model: Any, version: Version, inputs: pd.DataFrame) -> pd.DataFrame:
    """The version's outputs for ``inputs``: prediction and, for classifiers, probabilities
    (and, for imported PMML, the document's declared outputs)."""
    if hasattr(model, "predict_outputs"):
        # Imported PMML answers every listed output (its declared fields too) from one evaluation.
        return model.predict_outputs(inputs, [o["name"] for o in version.outputs])
    out = pd.DataFrame(index=inputs.index)
    proba_cols = [o for o in version.outputs if o.get("kind") == "probability"]
    if proba_cols and hasattr(model, "predict_proba"):
        proba = np.asarray(model.predict_proba(inputs))
        classes = np.asarray(model.classes_)
        out["prediction"] = (
            classes.take(np.argmax(proba, axis=1))
            if _argmax_predict(model)
            else model.predict(inputs)
        )
        for i, c in enumerate(classes):
            out[f"probability({c})"] = proba[:, i]
    else:
        out["prediction"] = model.predict(inputs)
    return out


def _predict(model: Any, version: Version, checked: Any) -> pd.DataFrame:
    """Predict every row. When flagged rows break the model, the other rows are still scored
    and each flagged row is tried on its own; rows the model cannot take keep empty outputs
    (their flags say why). Any other failure is an error, and nothing is written."""
    errors = (ValueError, TypeError, KeyError)
    try:
        return predict_frame(model, version, checked.frame)
    except errors as exc:
        flagged = checked.flags != ""
        if not flagged.any():
            raise InvalidInput(
                f"{version.ref} could not score the data: {exc}. Nothing was "
                "written; check the inputs against mmds.contract(ref)."
            ) from exc
    try:
        parts = [predict_frame(model, version, checked.frame[~flagged])]
    except errors as exc:
        raise InvalidInput(
            f"{version.ref} could not score the data: {exc}. Nothing was written."
        ) from exc
    for i in np.flatnonzero(flagged.to_numpy()):
        try:
            parts.append(predict_frame(model, version, checked.frame.iloc[[i]]))
        except errors:
            continue
    return pd.concat(parts).reindex(checked.frame.index)


def _argmax_predict(model: Any) -> bool:
    from ..capture.metrics import _predicts_argmax

    return _predicts_argmax(model)


def _unique(frame: pd.DataFrame, keys: list[str]) -> bool:
    """Whether the key columns identify each row; ids that only grow are checked in one pass."""
    if len(keys) == 1 and pd.api.types.is_integer_dtype(frame[keys[0]]):
        v = frame[keys[0]].to_numpy()
        if bool((v[1:] > v[:-1]).all()):
            return True
    return not frame[keys].duplicated().any()


def output_stats(frame: pd.DataFrame) -> dict[str, Any]:
    """Summary of each output column, kept with the score set for drift checks."""
    stats: dict[str, Any] = {}
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            v = s.to_numpy(dtype="float64", na_value=np.nan)
            missing = np.isnan(v)
            if missing.any():  # rows the model could not take have no output
                v = v[~missing]
            stats[col] = {
                "mean": float(v.mean()) if len(v) else None,
                "std": float(v.std()) if len(v) else None,
                "min": float(v.min()) if len(v) else None,
                "max": float(v.max()) if len(v) else None,
            }
        else:
            text = s if isinstance(s.dtype, pd.StringDtype) else s.astype("string")
            counts = text.value_counts().head(20)
            stats[col] = {"counts": {str(k): int(v) for k, v in counts.items()}}
    return stats


def check_stage(version: Version, mode: str) -> None:
    """Refuse a stored scoring mode that the version's stage does not allow."""
    needed = SCORING_STAGES.get(mode)
    if needed is None or version.stage == needed:
        return
    others = [m for m, st in SCORING_STAGES.items() if st == version.stage]
    alternative = f"score it in {others[0]} mode, " if others else ""
    raise InvalidInput(
        f"{version.ref} is in stage {version.stage!r}; {mode} scoring uses versions in "
        f"{needed!r} only. Move it there with mmds.set_stage('{version.ref}', '{needed}'), "
        f"{alternative}or score it in test mode (nothing is stored)."
    )


def _effective_contract(contract: Contract, policy: str | None, strict: bool | None) -> Contract:
    """The version's contract with this call's ``policy`` and ``strict``, when given."""
    if policy is None and strict is None:
        return contract
    if strict is not None and not isinstance(strict, bool):
        raise InvalidInput(f"strict must be True or False, not {strict!r}.")
    return dataclasses.replace(
        contract,
        policy=contract.policy if policy is None else check_policy(policy),
        strict=contract.strict if strict is None else strict,
    )


def score(
    reg: Registry,
    ref: str | Version,
    data: Any,
    mode: str = "test",
    key: str | list[str] | None = None,
    passthrough: list[str] | None = None,
    run_id: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    policy: str | None = None,
    strict: bool | None = None,
    replace: bool = False,
    trusted: bool = False,
    *,
    score_sets: ScoreSetStore,
    artifacts: ArtifactStore,
) -> ScoreResult:
    """Check ``data`` against the contract, score it, and store it in production mode.

    ``policy`` and ``strict`` override the contract's for this call. A version stores one score
    set per input: the same input again is refused, or with ``replace`` replaces the earlier set
    (performance counts each input once).
    """
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}.")
    version = reg.get(ref)
    check_stage(version, mode)
    keys = [key] if isinstance(key, str) else list(key or [])
    carried = keys + [c for c in (passthrough or []) if c not in keys]
    contract = _effective_contract(reg.contract(version), policy, strict)
    if engine == "spark" or is_spark_frame(data):
        from .spark import score_spark

        return score_spark(
            reg,
            version,
            data,
            contract,
            mode,
            keys,
            carried,
            run_id,
            replace,
            trusted,
            score_sets=score_sets,
            artifacts=artifacts,
        )
    frame = read_input(data)
    missing_keys = [k for k in keys if k not in frame.columns]
    if missing_keys:
        raise InvalidInput(
            f"The key column(s) {', '.join(missing_keys)} are not in the data; "
            f"its columns are {', '.join(map(str, frame.columns[:20]))}."
        )
    if mode in SCORING_STAGES and keys and not _unique(frame, keys):
        dup = frame[keys][frame[keys].duplicated()].iloc[0].tolist()
        raise InvalidInput(
            f"The key {', '.join(keys)} is not unique (e.g. {dup}); production "
            "score sets are joined with actuals by key, so each row needs its own."
        )
    # The input's fingerprint (hash and statistics) is computed beside the model, and the
    # outputs' statistics beside their Parquet file: mostly numpy, pyarrow and hashlib work
    # that releases the GIL.
    pool = ThreadPoolExecutor(max_workers=1) if mode in SCORING_STAGES else None
    codes = TextCodes(frame)  # text columns factorized once, for the check and the fingerprint
    baseline = reg.stored_baseline(version) if pool else None
    try:
        pending = pool.submit(fingerprint, frame, codes) if pool else None
        # the input's counts in the baseline's bins, also beside the model
        inputs_summary = pool.submit(summarize_inputs, baseline, frame, codes) if pool else None
        if engine == "dask":
            from .distributed import score_on_dask

            outputs, problems, flags = score_on_dask(
                artifacts, version, contract, frame, carried, scheduler, trusted=trusted
            )
        elif engine == "local":
            model = reg.scoring_model(version, trusted=trusted)
            checked = check(
                contract,
                frame,
                carried,
                model_features(version),
                codes,
                categorical_text=getattr(model, "takes_categorical_text", False),
            )
            outputs = pd.concat([frame[carried], _predict(model, version, checked)], axis=1)
            problems, flags = checked.problems, checked.flags
        else:
            raise InvalidInput(f"engine must be 'local', 'dask' or 'spark', not {engine!r}.")
        if contract.policy == "flag" or problems:  # only rows with problems are flagged
            outputs[FLAG_COLUMN] = flags
        outputs = outputs.reset_index(drop=True)
        result = ScoreResult(
            ref=version.ref,
            mode=mode,
            outputs=outputs,
            problems=problems,
            ignored_columns=ignored_columns(contract, frame.columns, carried),
        )
        if pool is None or pending is None or inputs_summary is None:
            return result
        stats = pool.submit(output_stats, outputs.drop(columns=carried))
        # the drift (the outputs counted, every measure) beside the Parquet file's writing;
        # the pool's one worker has counted the inputs by then
        drift_doc = pool.submit(
            lambda: score_set_drift(baseline, inputs_summary.result(), outputs, version.ref)
        )
        if run_id is None and os.environ.get("MMDS_RUN_ID", "").isdigit():
            run_id = int(os.environ["MMDS_RUN_ID"])
        input_fingerprint = pending.result()
        score_sets.check_new_score_set(
            version.id, input_fingerprint["content_hash"], run_id, replace, version.ref
        )
        sha = artifacts.put(to_parquet_bytes(outputs))
        drift = drift_doc.result()
        drift_sha = artifacts.put(drift[0]) if drift else None
        result.score_set_id = score_sets.create_score_set(
            version_id=version.id,
            ref=version.ref,
            run_id=run_id,
            mode=mode,
            key=",".join(keys) or None,
            n_rows=len(outputs),
            n_flagged=result.n_flagged,
            artifact_sha256=sha,
            input_fingerprint=input_fingerprint,
            output_stats=stats.result(),
            actor=reg.actor,
            replace=replace,
            drift_sha256=drift_sha,
        )
        if drift:
            result.drift = drift[1]
            result.drift.score_set_id = result.score_set_id
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
    return result
