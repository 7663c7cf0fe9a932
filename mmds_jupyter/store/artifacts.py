"""Content-addressed artifact files: written atomically, verified on every read."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ArtifactIntegrityError, InvalidInput
from ..files import atomic_write

log = logging.getLogger(__name__)

# A temporary file that atomic_write has not renamed for this long was left by a crash: writes
# take seconds and keep touching the file, so an hour never hurts a writer still at work.
STALE_AFTER_S = 3600.0
# The names atomic_write gives its temporaries next to an artifact: ".<sha256>.<random>.tmp".
_TEMPORARY = re.compile(r"^\.[0-9a-f]{64}\.[A-Za-z0-9_]+\.tmp\Z")
# Touched after each sweep: a registry starting within STALE_AFTER_S of the last one skips it.
_SWEPT = ".swept"
_SHA256 = re.compile(r"^[0-9a-f]{64}\Z")


class ArtifactStore:
    """Files under ``root/artifacts/ab/abcdef...`` named by the sha256 of their content.

    With a ``cold`` root, the files of archived versions live under ``cold/artifacts/...`` by
    the same name: a file is read from the hot root, else the cold one (:meth:`freeze` and
    :meth:`thaw` move it between them). New files are always written hot.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        sweep: bool = True,
        cold: str | os.PathLike[str] | None = None,
    ):
        self.root = Path(root).expanduser() / "artifacts"
        self.cold_root = None if cold is None else Path(cold).expanduser() / "artifacts"
        # What the sweep on start removed, until a caller's sweep reports it (``mmds gc``).
        self._unreported: list[dict[str, Any]] = []
        if sweep:  # on start, at most once per STALE_AFTER_S for the whole artifact root
            self._unreported = self.remove_stale_temporaries(if_due=True)
            if self._unreported:
                log.info(
                    "MMDS removed %d temporary file(s) that interrupted writes left in %s.",
                    len(self._unreported),
                    self.root,
                )

    def remove_stale_temporaries(
        self, older_than: float = STALE_AFTER_S, *, if_due: bool = False
    ) -> list[dict[str, Any]]:
        """Delete the temporaries that interrupted writes left, unchanged for ``older_than``
        seconds; return each one removed as ``{"path", "bytes"}``.

        Only files named as :func:`atomic_write` names its temporaries are touched; a newer
        one may belong to a write in progress and is kept. With ``if_due`` nothing happens when
        the last sweep of this root is more recent than ``older_than``. What the sweep on start
        removed is reported by the next call.
        """
        removed, self._unreported = self._unreported, []
        if not self.root.is_dir():
            return removed
        marker = self.root / _SWEPT
        now = time.time()
        if if_due:
            try:
                if now - marker.stat().st_mtime < older_than:
                    return removed
            except FileNotFoundError:
                pass
            except OSError:
                return removed
        for folder in sorted(self.root.iterdir()):
            if len(folder.name) != 2 or not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if not _TEMPORARY.match(path.name):
                    continue
                try:
                    info = path.lstat()
                    if not stat.S_ISREG(info.st_mode) or now - info.st_mtime < older_than:
                        continue
                    path.unlink()
                except OSError:  # gone meanwhile (another sweep), or not ours to delete
                    continue
                removed.append({"path": str(path), "bytes": info.st_size})
        with contextlib.suppress(OSError):  # a read-only artifact root: sweep again next time
            marker.touch()
        return removed

    def path_for(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is (hot, else cold), or would be written (hot)."""
        hot = self.hot_path(sha256)
        if not hot.exists() and self.cold_root is not None:
            cold = self.cold_path(sha256)
            if cold.exists():
                return cold
        return hot

    def hot_path(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise InvalidInput(f"{sha256!r} is not a sha256 artifact id (64 lowercase hex digits).")
        return self.root / sha256[:2] / sha256

    def cold_path(self, sha256: str) -> Path:
        if self.cold_root is None:
            raise InvalidInput("This artifact store has no cold root (MMDS archive_root).")
        return self.cold_root / sha256[:2] / self.hot_path(sha256).name

    def freeze(self, sha256: str) -> None:
        """Copy a file to the cold root (checked against its hash); the hot copy stays until
        :meth:`drop` removes it, so an interruption never loses the file."""
        self._copy(self.hot_path(sha256), self.cold_path(sha256), sha256)

    def thaw(self, sha256: str) -> None:
        """Copy a file from the cold root back to the hot one (checked against its hash)."""
        self._copy(self.cold_path(sha256), self.hot_path(sha256), sha256)

    def drop(self, sha256: str, cold: bool = False) -> bool:
        """Delete the hot (``cold``: the cold) copy of a file; whether there was one."""
        path = self.cold_path(sha256) if cold else self.hot_path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def _copy(self, source: Path, target: Path, sha256: str) -> None:
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            return
        data = self.get(sha256)  # from wherever it is, verified
        atomic_write(target, data)

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its sha256; storing the same bytes twice is a no-op."""
        sha = hashlib.sha256(data).hexdigest()
        path = self.hot_path(sha)
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

    def open(self, sha256: str) -> BinaryIO:
        """The stored file for reading in pieces (a download); the reader checks the hash."""
        path = self.path_for(sha256)
        try:
            return open(path, "rb")  # noqa: SIM115 - the caller streams it and closes it
        except FileNotFoundError:
            raise ArtifactIntegrityError(
                f"The artifact file {path} is missing. Restore it from a backup of MMDS_HOME "
                "or re-track the model."
            ) from None

    def upload(self, sha256: str) -> Upload:
        """A streamed write of the file whose sha256 is ``sha256`` (see :class:`Upload`)."""
        return Upload(self, sha256)

    @staticmethod
    def _holds(path: Path, data: bytes) -> bool:
        """Whether the file already holds exactly ``data`` (a damaged copy is rewritten)."""
        try:
            return path.stat().st_size == len(data) and path.read_bytes() == data
        except OSError:
            return False


class Upload:
    """One artifact received in pieces (an HTTP upload): written to a temporary file beside its
    place, hashed as it arrives, and renamed into place only when complete and matching.

    The temporary is named as :func:`atomic_write` names its own, so the sweep of stale
    temporaries removes what a killed server leaves; nothing ever names a partial file.
    """

    def __init__(self, store: ArtifactStore, sha256: str):
        self.sha256 = sha256
        self.path = store.hot_path(sha256)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{sha256}.", suffix=".tmp")
        self.tmp = Path(tmp)
        self._file = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._digest.update(chunk)
        self._file.write(chunk)
        self.size += len(chunk)

    def finish(self) -> None:
        """Put the file in place if its bytes hash to the name it was sent under; else remove
        it and raise :class:`InvalidInput`."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            actual = self._digest.hexdigest()
            if actual != self.sha256:
                raise InvalidInput(
                    f"The uploaded file's sha256 is {actual}, not {self.sha256} as its address "
                    f"says ({self.size} bytes received): it was damaged on the way or sent to "
                    "the wrong address. Nothing was stored; upload it again."
                )
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def abort(self) -> None:
        """Drop what was received (the connection broke, or the file was refused)."""
        with contextlib.suppress(OSError):
            self._file.close()
        self.tmp.unlink(missing_ok=True)
