"""Domain errors: each message says what went wrong and what to do about it."""

from __future__ import annotations


class MMDSError(Exception):
    """Base class of every error MMDS raises on purpose."""

    http_status = 400
    # Whether the same call, unchanged, might succeed later (a lost race, a database that was
    # unreachable). The scheduler retries a failed run only for such errors.
    retryable = True


class InvalidInput(MMDSError):
    """The caller passed something MMDS cannot use."""

    retryable = False


class NotFound(MMDSError):
    """A reference names nothing in the registry."""

    http_status = 404


class Purged(NotFound):
    """A version whose file was purged: its records stay, its file is gone for good."""


class AmbiguousReference(MMDSError):
    """A reference matches more than one model."""

    http_status = 409
    retryable = False


class ConflictError(MMDSError):
    """A write lost a race or would break a uniqueness rule."""

    http_status = 409


class DuplicateScoreSet(ConflictError):
    """A version already stored a score set of exactly this input."""

    retryable = False


class TooLarge(InvalidInput):
    """A request body (an uploaded file) is larger than the server accepts."""

    http_status = 413


class RepeatedRequestChanged(ConflictError):
    """An idempotency key came back with a different request than the one it first named."""

    retryable = False


class ArtifactIntegrityError(MMDSError):
    """An artifact file is missing or its content no longer matches its hash."""

    http_status = 500


class UntrustedArtifact(MMDSError):
    """An artifact holds types that skops will not load without the caller's trust."""

    retryable = False


def error_named(name: str) -> type[MMDSError] | None:
    """The MMDS error class called ``name`` among those imported, or None.

    A notebook's kernel reports its error by class name only; this maps it back.
    """
    todo: list[type[MMDSError]] = [MMDSError]
    while todo:
        cls = todo.pop()
        if cls.__name__ == name:
            return cls
        todo.extend(cls.__subclasses__())
    return None


class PermissionDenied(MMDSError):
    """`mmds server` refused an operation: the user lacks the role it needs in the project."""

    http_status = 403
    retryable = False


def no_such_dataset(prefix: str) -> NotFound:
    """The one error for a content hash (or prefix) that names no data set the caller may see:
    the store's, and the guard's for a data set of projects the caller may not read."""
    return NotFound(f"No data set has a content hash starting with {prefix!r}.")
