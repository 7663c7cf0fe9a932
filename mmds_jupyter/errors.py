"""Domain errors: each message says what went wrong and what to do about it."""

from __future__ import annotations


class MMDSError(Exception):
    """Base class of every error MMDS raises on purpose."""

    http_status = 400


class InvalidInput(MMDSError):
    """The caller passed something MMDS cannot use."""


class NotFound(MMDSError):
    """A reference names nothing in the registry."""

    http_status = 404


class AmbiguousReference(MMDSError):
    """A reference matches more than one model."""

    http_status = 409


class ConflictError(MMDSError):
    """A write lost a race or would break a uniqueness rule."""

    http_status = 409


class ArtifactIntegrityError(MMDSError):
    """An artifact file is missing or its content no longer matches its hash."""

    http_status = 500


class UntrustedArtifact(MMDSError):
    """An artifact holds types that skops will not load without the caller's trust."""
