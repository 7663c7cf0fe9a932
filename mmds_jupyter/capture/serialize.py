"""Model files: skops by default (safe to load), pickle only when the caller trusts it."""

from __future__ import annotations

import pickle
from typing import Any

from ..errors import InvalidInput, UntrustedArtifact

# Types from these packages are loaded without asking: they are the estimators and arrays
# MMDS captures. Anything else needs trusted=True from the caller.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "collections.", "builtins.")


def dump(model: Any, fmt: str = "skops") -> bytes:
    """Serialize ``model`` as ``skops`` or, on request, ``pickle`` bytes."""
    if fmt == "skops":
        return _skops_dumps(model)
    if fmt == "pickle":
        return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    raise InvalidInput(f"Unknown artifact format {fmt!r}; use 'skops' (default) or 'pickle'.")


def _skops_dumps(model: Any) -> bytes:
    """A standard skops file, with its schema written as compact JSON.

    ``skops.io.dumps`` indents the schema, which makes Python's json module fall back to its
    pure-Python encoder: for a 100-tree forest that is most of the time tracking takes. The
    file is the same format (the loader reads any JSON); if skops' internals move, the public
    ``dumps`` is used instead.
    """
    import io
    import json
    from zipfile import ZIP_STORED, ZipFile

    import skops
    import skops.io as sio

    try:
        from skops.io._utils import SaveContext, get_state
    except ImportError:  # pragma: no cover - depends on the installed skops
        return bytes(sio.dumps(model))
    buffer = io.BytesIO()
    with ZipFile(buffer, "w", compression=ZIP_STORED) as zf:
        ctx = SaveContext(zip_file=zf)
        state = get_state(model, ctx)
        ctx.clear_memo()
        state["protocol"] = ctx.protocol
        state["_skops_version"] = skops.__version__
        zf.writestr("schema.json", json.dumps(state))
    return buffer.getvalue()


def load(data: bytes, fmt: str, trusted: bool = False, label: str = "the artifact") -> Any:
    """Deserialize, refusing types outside scikit-learn/numpy/scipy unless ``trusted``."""
    if fmt == "pickle":
        if not trusted:
            raise UntrustedArtifact(
                f"{label} is a pickle file, which can run any code when loaded. Load it with "
                "trusted=True (or --trusted) only if you trust whoever wrote it."
            )
        return pickle.loads(data)  # noqa: S301 - guarded by the explicit trust flag above
    if fmt == "pmml":
        # Parsed with defusedxml and evaluated by MMDS: nothing in the file runs as code.
        from ..pmml.adapter import PMMLModel

        return PMMLModel(data)
    if fmt != "skops":
        raise InvalidInput(f"{label} has unknown format {fmt!r}.")
    import skops.io as sio

    untrusted = sio.get_untrusted_types(data=data)
    unknown = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if unknown and not trusted:
        raise UntrustedArtifact(
            f"{label} contains types MMDS does not load without your say-so: "
            f"{', '.join(sorted(unknown))}. If you trust them, load with trusted=True "
            "(or --trusted)."
        )
    return sio.loads(data, trusted=untrusted)
