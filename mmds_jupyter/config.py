"""Where MMDS keeps its database and artifacts: traitlets, defaulting to environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from traitlets import Int, Unicode, default
from traitlets.config import Configurable


def _home() -> Path:
    return Path(os.environ.get("MMDS_HOME") or Path.home() / ".mmds").expanduser()


class MMDS(Configurable):
    """MMDS settings; set them as ``c.MMDS.url`` / ``c.MMDS.home`` or with MMDS_URL / MMDS_HOME."""

    url = Unicode(
        help="SQLAlchemy URL of the registry database, e.g. sqlite:///~/.mmds/mmds.db or "
        "postgresql+psycopg://user@host/db. Defaults to $MMDS_URL, then SQLite under MMDS_HOME.",
    ).tag(config=True)

    home = Unicode(
        help="Folder that holds artifacts (model files, reports); default $MMDS_HOME or ~/.mmds.",
    ).tag(config=True)

    actor = Unicode(
        help="Name recorded as the author of versions and the actor of events. "
        "Defaults to $MMDS_USER, then the login name.",
    ).tag(config=True)

    audit_key_file = Unicode(
        help="File of the key that signs audit checkpoints (HMAC-SHA256), kept outside the "
        "database; created (mode 0600) on first use. Defaults to $MMDS_AUDIT_KEY_FILE, then "
        "audit.key in the home folder. Checkpoints go to audit-checkpoints.jsonl beside it.",
    ).tag(config=True)

    prediction_rows = Int(
        100_000,
        help="Rows of a test set whose predictions a version keeps whole (for its report's "
        "curves); a larger test set keeps a stratified sample of this many, marked as such.",
    ).tag(config=True)

    archive_root = Unicode(
        help="Folder of the cold artifact root: archived versions' files move there (same "
        "sha256 names) and come back on restore. Defaults to $MMDS_ARCHIVE_ROOT, then cold/ "
        "in the home folder.",
    ).tag(config=True)

    @default("archive_root")
    def _default_archive_root(self) -> str:
        return os.environ.get("MMDS_ARCHIVE_ROOT", "")

    @default("audit_key_file")
    def _default_audit_key_file(self) -> str:
        return os.environ.get("MMDS_AUDIT_KEY_FILE", "")

    @default("home")
    def _default_home(self) -> str:
        return str(_home())

    @default("url")
    def _default_url(self) -> str:
        env = os.environ.get("MMDS_URL")
        if env:
            return env
        return f"sqlite:///{Path(self.home) / 'mmds.db'}"

    @default("actor")
    def _default_actor(self) -> str:
        import getpass

        return os.environ.get("MMDS_USER") or getpass.getuser()


def expand_url(url: str) -> str:
    """Expand ``~`` in a SQLite URL's path so ``sqlite:///~/.mmds/mmds.db`` works."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :].startswith("~"):
        return prefix + str(Path(url[len(prefix) :]).expanduser())
    return url
