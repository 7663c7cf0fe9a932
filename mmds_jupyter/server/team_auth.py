"""Who may do what on `mmds server`: users' tokens from the registry, and MMDS routes only.

:class:`MMDSTokenIdentityProvider` resolves ``Authorization: token T`` (or ``Bearer T``) through
the registry's identities on every request: a revoked token or a disabled user is refused on
the next request, and no cookie ever stands in for a token. :class:`MMDSOnlyAuthorizer` refuses
Jupyter's own APIs (kernels, contents, terminals, sessions, ...): on a shared server any user
who could reach them could run code as the server, with its database credentials.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import default

from .routes import MMDSHandler

_HEADER = re.compile(r"(?:token|bearer)\s+(\S+)\s*\Z", re.IGNORECASE)


@dataclass
class TokenUser(User):
    """A request's user as its MMDS token names it, with the projects the token is limited to
    (a scheduled run's token; None: no limit beyond the user's roles)."""

    projects: tuple[str, ...] | None = None


class MMDSTokenIdentityProvider(IdentityProvider):
    """A request's user is the owner of the MMDS token in its Authorization header."""

    @default("token")
    def _no_shared_token(self) -> str:
        # Users bring their own tokens (`mmds tokens create`); there is no server-wide one.
        return ""

    @property
    def login_available(self) -> bool:
        return False

    @property
    def logout_available(self) -> bool:
        return False

    def get_token(self, handler: web.RequestHandler) -> str | None:
        """The token of the Authorization header; never one in the URL, where logs keep it."""
        m = _HEADER.match(handler.request.headers.get("Authorization", ""))
        return m.group(1) if m else None

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        secret = self.get_token(handler)
        if not secret:
            return None
        user = await self.mmds_user(handler, secret)
        if user is None:
            self.log.warning("MMDS: refused a token from %s", handler.request.remote_ip)
        return user

    async def mmds_user(self, handler: web.RequestHandler, secret: str) -> User | None:
        """The owner of MMDS token ``secret``, or None when it lets no one in."""
        registry = handler.settings.get("mmds_registry")
        if registry is None:
            return None
        loop = asyncio.get_running_loop()
        executor = handler.settings.get("mmds_executor")
        try:
            found = await loop.run_in_executor(executor, registry.identities().resolve, secret)
        except Exception:  # noqa: BLE001 - an unreachable database lets no one in
            self.log.exception("MMDS: could not check a token")
            return None
        if found is None:
            return None
        name, projects = found
        # A token names its user: like Jupyter's own token, it skips the XSRF check.
        handler._token_authenticated = True  # type: ignore[attr-defined]
        return TokenUser(username=name, name=name, display_name=name, projects=projects)

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        if ssl_options is None and app.ip not in ("localhost", "127.0.0.1", "::1"):
            app.log.warning(
                "mmds server listens on %s without TLS: tokens cross the network in clear. "
                "Give --certfile and --keyfile (or put a TLS proxy in front).",
                app.ip or "all addresses",
            )


class MMDSOnlyAuthorizer(Authorizer):
    """Allows MMDS routes only; every Jupyter API (kernels, contents, ...) answers 403."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        return isinstance(handler, MMDSHandler)
