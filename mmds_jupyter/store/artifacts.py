"""Content-addressed artifact files: written atomically, verified on every read."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..errors import ArtifactIntegrityError, InvalidInput


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file, fsync and rename, so readers never see half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class ArtifactStore:
    """Files under ``root/artifacts/ab/abcdef...`` named by the sha256 of their content."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser() / "artifacts"

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise InvalidInput(f"{sha256!r} is not a sha256 artifact id (64 lowercase hex digits).")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256; storing the same bytes twice is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.path_for(sha)
        if not (path.exists() and self._holds(path, data)):
            atomic_write(path, data)
        return sha

    def get(self, sha256: str) -> bytes:
        """Return the bytes stored under ``sha256``, refusing a missing or altered file."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ArtifactIntegrityError(
                f"The artifact file {path} is missing. Restore it from a backup of MMDS_HOME "
                "or re-track the model."
            ) from None
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ArtifactIntegrityError(
                f"The artifact file {path} has been altered: its sha256 is {actual}, but the "
                f"registry recorded {sha256}. MMDS refuses to load it; restore the original file "
                "from a backup or re-track the model."
            )
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    @staticmethod
    def _holds(path: Path, data: bytes) -> bool:
        """Whether the file already holds exactly ``data`` (a damaged copy is rewritten)."""
        try:
            return path.stat().st_size == len(data) and path.read_bytes() == data
        except OSError:
            return False
