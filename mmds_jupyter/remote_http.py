"""HTTP to an MMDS server for :class:`~mmds_jupyter.remote.RemoteRegistry`: the URL rule, the
token, retries, and the server's JSON errors raised again as the same MMDS error classes.

Reads (GET, HEAD), uploads of content-addressed files and requests that carry an
Idempotency-Key (track) are retried; any other POST that timed out may have been applied, so
repeating it blindly could apply a change twice: the error says so instead.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3

from .errors import ConflictError, InvalidInput, MMDSError, NotFound, TooLarge, error_named

# Every error class a server may name: importing the modules registers their subclasses.
from .scheduler import errors as _scheduler_errors  # noqa: F401
from .scoring import validate as _scoring_errors  # noqa: F401

API = "mmds/api/"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Statuses that say "try again shortly" (a restarting server, a proxy with no upstream).
RETRY_STATUSES = (502, 503, 504)
# Uploads are read from disk and sent in pieces of this size.
UPLOAD_CHUNK = 1 << 20


class ServerUnavailable(MMDSError):
    """The MMDS server could not be reached, or failed, after the retries allowed."""

    http_status = 503

    def __init__(self, message: str, reason: object = None):
        super().__init__(message)
        # Why the connection failed (None when the server answered, with an error).
        self.reason = reason


class AccessDenied(MMDSError):
    """The server refused the token (missing, wrong, revoked or lacking the role)."""

    http_status = 403
    retryable = False


def check_server_url(url: str) -> str:
    """The server's base URL ending in '/'; plain http only to this machine (a token sent in
    clear text over a network can be read by anyone on the way)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"{url!r} is not a server URL; write it as https://host:port/.")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise InvalidInput(
            f"{url} uses plain http, which would send your token unencrypted over the network; "
            f"use https://{parts.netloc}{parts.path} (http is accepted only for localhost)."
        )
    return url if url.endswith("/") else url + "/"


def token_file() -> Path:
    """$MMDS_TOKEN_FILE, else ``token`` in MMDS_HOME (~/.mmds/token)."""
    from .config import _home

    return Path(os.environ.get("MMDS_TOKEN_FILE") or _home() / "token").expanduser()


def read_token() -> str | None:
    """$MMDS_TOKEN, else the token file (a file others may read is refused, not used), else
    $JUPYTERHUB_API_TOKEN: in a JupyterHub user's server that token is already there, and
    MMDS run as a Hub service accepts it (README: "MMDS as a JupyterHub service")."""
    env = os.environ.get("MMDS_TOKEN", "").strip()
    if env:
        return env
    path = token_file()
    if not path.is_file():
        if os.environ.get("MMDS_TOKEN_FILE"):
            raise InvalidInput(f"MMDS_TOKEN_FILE names {path}, which is not a file.")
        return os.environ.get("JUPYTERHUB_API_TOKEN", "").strip() or None
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InvalidInput(
            f"The token file {path} can be read by other users (mode {mode:o}), so MMDS will "
            f"not use it. Make it private with `chmod 600 {path}`, and since others could "
            "read the token, revoke it and create a new one."
        )
    return path.read_text(encoding="utf-8").strip() or None


def path_of(*parts: str | int) -> str:
    """A route path with each part URL-encoded (a reference's '/' becomes %2F)."""
    return "/".join(quote(str(p), safe=":@") for p in parts)


class Transport:
    """One connection pool to one server, with the caller's token on every request."""

    def __init__(
        self,
        url: str,
        token: str | None,
        timeout: float = 60.0,
        retries: int = 4,
        backoff: float = 0.5,
    ):
        self.url = check_server_url(url)
        self.base = self.url + API
        self.retries = retries
        self.backoff = backoff
        self.headers = {"Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"token {token}"
        self.pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
            retries=False,
        )

    def close(self) -> None:
        self.pool.clear()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The JSON a GET answers."""
        return _json(self.request("GET", path, params=params))

    def post(self, path: str, body: Mapping[str, Any] | None = None, key: str | None = None) -> Any:
        """The JSON a POST answers (a JSON body in). With an idempotency ``key`` the server
        applies it once however often it arrives, so it is retried like a read."""
        from .encode import dumps

        headers = {"Idempotency-Key": key} if key else None
        raw = dumps(body or {}).encode()
        return _json(
            self.request("POST", path, body=raw, headers=headers, idempotent=key is not None)
        )

    def put(self, path: str, body: Mapping[str, Any]) -> Any:
        """The JSON a PUT answers (a JSON body in); retried like a read: it defines the same
        thing however often it arrives."""
        from .encode import dumps

        return _json(self.request("PUT", path, body=dumps(body).encode(), idempotent=True))

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        """The JSON a PATCH answers (a JSON body in); retried like a read: it sets the fields it
        names to the same values however often it arrives."""
        from .encode import dumps

        return _json(self.request("PATCH", path, body=dumps(body).encode(), idempotent=True))

    def delete(self, path: str) -> Any:
        """The JSON a DELETE answers (not retried: a second try would find nothing to delete)."""
        return _json(self.request("DELETE", path))

    def upload(self, path: str, file: Path, what: str) -> None:
        """Send ``file`` to the content-addressed ``path`` (artifacts/<sha256>) in pieces read
        from disk, unless the server has it already (HEAD). Retried like a read: the address
        names the content, so sending it twice stores it once."""
        size = file.stat().st_size
        try:
            head = self.request("HEAD", path, expect=(404,))
            if head.status == 200:
                return
            limit = head.headers.get("X-MMDS-Max-Upload")
            if limit and limit.isdigit() and size > int(limit):
                raise TooLarge(
                    f"{what} is {size:,} bytes; the MMDS server at {self.url} takes files of at "
                    f"most {int(limit):,} bytes (its c.MMDSExtension.max_upload_bytes)."
                )
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
            self.request(
                "PUT", path, body=lambda: file_chunks(file), headers=headers, idempotent=True
            )
        except ServerUnavailable as exc:
            if exc.reason is None:
                raise
            raise ServerUnavailable(
                f"The connection to the MMDS server at {self.url} was lost while uploading "
                f"{what} ({exc.reason}). Nothing was recorded: no version was made. Check "
                "that the server is running, then run the same call again.",
                reason=exc.reason,
            ) from None

    def get_bytes(self, path: str) -> tuple[bytes, Mapping[str, str]]:
        response = self.request("GET", path)
        return response.data, response.headers

    def stream(self, path: str, chunk: int = 1 << 20) -> Iterator[bytes]:
        """A GET's body in chunks, never whole in memory."""
        response = self.request("GET", path, preload=False)
        try:
            yield from response.stream(chunk)
        finally:
            response.release_conn()

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: bytes | Callable[[], Iterator[bytes]] | None = None,
        preload: bool = True,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        expect: tuple[int, ...] = (),
    ) -> Any:
        """One request; reads (and ``idempotent`` writes) are retried on connection failures,
        timeouts and 502/503/504 with exponential back-off. Error answers, but the statuses
        ``expect`` names, are raised as the MMDS error the server named. A streamed ``body``
        is a function giving the pieces afresh for each try."""
        fields = [
            (k, str(v).lower() if isinstance(v, bool) else str(v))
            for k, vs in (params or {}).items()
            for v in (vs if isinstance(vs, (list, tuple)) else [vs])
            if v is not None
        ]
        url = self.base + path
        if fields:
            url += "?" + urlencode(fields)
        sent = dict(self.headers)
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        retried = method in ("GET", "HEAD") if idempotent is None else idempotent
        attempts = 1 + (self.retries if retried else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self.pool.request(
                    method,
                    url,
                    body=body() if callable(body) else body,
                    headers=sent,
                    preload_content=preload,
                )
            except urllib3.exceptions.HTTPError as exc:
                if last:
                    raise self._unreachable(method, path, exc, attempts, retried) from None
            else:
                if response.status < 400 or response.status in expect:
                    return response
                if not preload:
                    response.read()
                if response.status not in RETRY_STATUSES or last:
                    raise error_from(response, self.url)
            time.sleep(min(self.backoff * 2**attempt, 30.0))
        raise AssertionError("unreachable")  # pragma: no cover

    def _unreachable(
        self, method: str, path: str, exc: Exception, attempts: int, retried: bool
    ) -> ServerUnavailable:
        reason = getattr(exc, "reason", None) or exc
        if method in ("GET", "HEAD"):
            return ServerUnavailable(
                f"The MMDS server at {self.url} did not answer ({reason}) after {attempts} "
                "tries. Check that it is running and reachable from here, and that MMDS_URL "
                "is right.",
                reason=reason,
            )
        if retried:
            return ServerUnavailable(
                f"The MMDS server at {self.url} did not answer {method} {path} ({reason}) after "
                f"{attempts} tries; it may or may not have been applied. Check that the server "
                "is running and MMDS_URL is right, then run the same call again: MMDS "
                "recognises a repeat only within one call, so check with mmds.find(...) first.",
                reason=reason,
            )
        return ServerUnavailable(
            f"The MMDS server at {self.url} did not answer {method} {path} ({reason}). The "
            "change was not retried, as it may or may not have been applied: check with "
            "mmds.events() (or `mmds events`) before repeating it, and check that the server "
            "is running and MMDS_URL is right.",
            reason=reason,
        )


def file_chunks(file: Path, size: int = UPLOAD_CHUNK) -> Iterator[bytes]:
    """The bytes of ``file`` in pieces, read as they are sent (never whole in memory)."""
    with open(file, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def _json(response: Any) -> Any:
    try:
        return json.loads(response.data or b"null")
    except ValueError:
        raise ServerUnavailable(
            f"The MMDS server answered {response.status} with a body that is not JSON; is "
            "MMDS_URL the address of an MMDS server?"
        ) from None


# The class to raise for an error the client does not know by name, by HTTP status.
_BY_STATUS: dict[int, type[MMDSError]] = {400: InvalidInput, 404: NotFound, 409: ConflictError}


def error_from(response: Any, server: str) -> MMDSError:
    """The MMDS error an error answer names, with the server's message."""
    try:
        data = json.loads(response.data)
        name, message = str(data["error"]), str(data["message"])
    except (ValueError, TypeError, KeyError):
        name, message = "", ""
    cls = error_named(name) if name else None
    if response.status in (401, 403) and cls is None:
        return AccessDenied(
            f"The MMDS server at {server} refused the request ({response.status}: "
            f"{message or 'forbidden'}). Set MMDS_TOKEN, or put your token in {token_file()} "
            "(chmod 600); if you have one, it may be wrong, expired or revoked, or lack the "
            "role this needs."
        )
    if cls is None and response.status >= 500:
        return ServerUnavailable(
            f"The MMDS server at {server} failed ({response.status}"
            + (f": {message}" if message else "")
            + "); its log says why."
        )
    cls = cls or _BY_STATUS.get(response.status, MMDSError)
    try:
        return cls(message)
    except TypeError:  # a class whose constructor takes more than the message
        exc = cls.__new__(cls)
        Exception.__init__(exc, message)
        return exc
