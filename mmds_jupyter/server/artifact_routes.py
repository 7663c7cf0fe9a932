"""Model files in and out of the server, streamed: ``PUT artifacts/<sha256>`` receives a file in
pieces (never whole in memory), ``HEAD artifacts/<sha256>`` says whether the server has it, and
``GET versions/<ref>/file`` sends a version's file from disk in pieces.

Files are content-addressed: an upload is hashed as it arrives and stored only when its bytes
match the address it was sent to, so a broken connection or a killed server leaves at most a
temporary file (swept later), never a file that a version could point at half-written. A
``track`` then names the file by its hash.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import tornado.web
from tornado.http1connection import HTTP1Connection

from ..errors import InvalidInput, TooLarge
from .routes import MMDSHandler

# The largest upload `mmds server` takes unless c.MMDSExtension.max_upload_bytes says otherwise.
DEFAULT_MAX_UPLOAD = 8 * 2**30
# Header of HEAD answers: the largest upload the server takes, so a client can say so up front.
MAX_UPLOAD_HEADER = "X-MMDS-Max-Upload"
CHUNK = 1 << 20


def file_keeper(registry: Any) -> Any:
    """The registry, when it keeps the model files itself; a server that stands in front of
    another server (its registry a remote one) holds no files of its own."""
    if not hasattr(registry, "receive_file"):
        raise InvalidInput(
            "This server keeps no model files itself (its registry is another server's); "
            "send files to that server."
        )
    return registry


def _begin(registry: Any, sha256: str, length: str | None, limit: int) -> Any:
    """The upload to receive, or None when the server has the file already."""
    keeper = file_keeper(registry)
    if keeper.has_file(sha256):  # also refuses what is not a sha256
        return None
    if length is None or not length.isdigit():
        raise InvalidInput("Send the file with a Content-Length header (its size in bytes).")
    if int(length) > limit:
        raise TooLarge(
            f"The file is {int(length):,} bytes; this server takes files of at most {limit:,} "
            "bytes (c.MMDSExtension.max_upload_bytes)."
        )
    return keeper.receive_file(sha256)


@tornado.web.stream_request_body
class ArtifactHandler(MMDSHandler):
    """``HEAD``: 200 when the server has the file, 404 when not. ``PUT``: the file's bytes as
    the body (application/octet-stream), 201 once stored, 200 when it was there already."""

    _upload: Any = None  # the registry's upload in progress

    @property
    def _limit(self) -> int:
        return int(self.settings.get("mmds_max_upload", DEFAULT_MAX_UPLOAD))

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self.request.method != "PUT":
            return
        if self.current_user is None:  # the body streams before put() runs: check here
            raise tornado.web.HTTPError(403)
        sha256 = self.path_kwargs["sha256"]
        length = self.request.headers.get("Content-Length")
        self._upload = await self.run(_begin, self.registry, sha256, length, self._limit)
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection):
            connection.set_max_body_size(self._limit)

    def data_received(self, chunk: bytes) -> None:
        if self._upload is not None:
            self._upload.write(chunk)

    def on_connection_close(self) -> None:
        # The client went away mid-upload: nothing was stored.
        if self._upload is not None:
            self._upload.abort()
            self._upload = None
        super().on_connection_close()

    @tornado.web.authenticated
    async def head(self, sha256: str) -> None:
        exists = await self.run(lambda: file_keeper(self.registry).has_file(sha256))
        self.set_header(MAX_UPLOAD_HEADER, str(self._limit))
        self.set_status(200 if exists else 404)
        self.finish()

    @tornado.web.authenticated
    async def put(self, sha256: str) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            self.reply({"sha256": sha256, "stored": False})
            return
        await self.run(upload.finish)
        self.set_status(201)
        self.reply({"sha256": sha256, "stored": True, "bytes": upload.size})


class ModelFileHandler(MMDSHandler):
    """A version's model file, sent from disk in pieces with its format and hash."""

    @tornado.web.authenticated
    async def get(self, ref: str) -> None:
        from .action_routes import file_name

        keeper = await self.run(file_keeper, self.registry)
        file, sha256, fmt = await self.run(keeper.open_model_file, ref)
        with file:
            self.set_header("Content-Type", "application/octet-stream")
            self.set_header("Content-Length", str(os.fstat(file.fileno()).st_size))
            self.set_header("X-MMDS-Format", fmt)
            self.set_header("X-MMDS-SHA256", sha256)
            self.set_header(
                "Content-Disposition", f'attachment; filename="{file_name(ref, "." + fmt)}"'
            )
            digest = hashlib.sha256()
            while chunk := file.read(CHUNK):
                digest.update(chunk)
                self.write(chunk)
                await self.flush()
        if digest.hexdigest() != sha256:  # the client checks too, and refuses it
            self.log.error("MMDS: the stored model file %s of %s is damaged", sha256, ref)
        self.finish()


ROUTES: list[tuple[str, type[MMDSHandler]]] = [
    (r"artifacts/(?P<sha256>[^/]+)", ArtifactHandler),
]
