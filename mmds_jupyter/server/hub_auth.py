"""`mmds server --hub`: MMDS as a JupyterHub service, its users the Hub's users.

:class:`HubIdentityProvider` resolves ``Authorization: token T`` through the Hub's API
(:class:`jupyterhub.services.auth.HubAuth`, which caches an answer for
``c.HubAuth.cache_max_age`` seconds, 300 by default). The token must carry the service's access
scope (``access:services!service=<name>``, as the Hub tells a managed service in
``$JUPYTERHUB_OAUTH_ACCESS_SCOPES``): a user's token minted for another service or for the
user's own server alone does not let anyone into MMDS. The user's Hub groups ride along on
:class:`HubUser`.

MMDS's own tokens (``mmds tokens create``) still work beside the Hub's: scheduled jobs and
scripts outside the Hub have no Hub token, and both name users in one namespace (the Hub's
user ``alice`` and MMDS's ``alice`` are the same person): ``mmds users disable alice`` refuses
the Hub's ``alice`` too, from the next request.

Browsers: the server has no pages, only its JSON API and health route, so there is no Hub
OAuth login; a user's JupyterLab reaches it with the user's server token.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from jupyter_server.auth.identity import User
from tornado import web
from traitlets import Instance, default

from .team_auth import MMDSTokenIdentityProvider


@dataclass
class HubUser(User):
    """A request's user as the Hub knows it: name, the Hub groups it belongs to, and whether
    the Hub calls it an admin (information only: MMDS's own roles decide what it may do)."""

    groups: tuple[str, ...] = ()
    hub_admin: bool = False


class HubIdentityProvider(MMDSTokenIdentityProvider):
    """A request's user is the Hub user whose token (with MMDS's access scope) it carries, or
    the owner of an MMDS token."""

    hub_auth = Instance("jupyterhub.services.auth.HubAuth")

    @default("hub_auth")
    def _hub_auth(self) -> Any:
        from jupyterhub.services.auth import HubAuth

        # Configurable as c.HubAuth.* (api_url, cache_max_age, access_scopes, certfile, ...).
        return HubAuth(parent=self)

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        secret = self.get_token(handler)
        if not secret:
            return None
        user = await self.mmds_user(handler, secret)
        if user is None:
            user = await self.hub_user(handler, secret)
        if user is None:
            self.log.warning("MMDS: refused a token from %s", handler.request.remote_ip)
        return user

    async def hub_user(self, handler: web.RequestHandler, secret: str) -> HubUser | None:
        """The Hub user of token ``secret`` when it may use this service, else None."""
        hub = self.hub_auth
        try:
            model = await hub.user_for_token(secret, sync=False)
        except web.HTTPError as exc:
            # HubAuth says 500/502 when the Hub does not answer or refuses our own token.
            self.log.error("MMDS: could not check a token with JupyterHub: %s", exc.log_message)
            raise web.HTTPError(
                503,
                "JupyterHub, which checks tokens for this server, does not answer; "
                "try again shortly.",
            ) from None
        if not model or model.get("kind", "user") != "user":
            return None  # unknown token, or a service's: MMDS's actors are users
        if not hub.check_scopes(hub.access_scopes, model):
            self.log.warning(
                "MMDS: the Hub token of %s lacks the scope %s",
                model.get("name"),
                " or ".join(sorted(hub.access_scopes)),
            )
            return None
        name = model["name"]
        if await self._disabled_in_mmds(handler, name):
            self.log.warning("MMDS: refused the Hub user %s, disabled in MMDS", name)
            return None
        handler._token_authenticated = True  # type: ignore[attr-defined]
        return HubUser(
            username=name,
            name=name,
            display_name=name,
            groups=tuple(sorted(model.get("groups") or ())),
            hub_admin=bool(model.get("admin")),
        )

    async def _disabled_in_mmds(self, handler: web.RequestHandler, name: str) -> bool:
        """Whether ``mmds users disable`` locked the user of that name out: checked on every
        request (the Hub's answer is cached, this is not), so it counts from the next one."""
        registry = handler.settings.get("mmds_registry")
        if registry is None:
            return False
        loop = asyncio.get_running_loop()
        executor = handler.settings.get("mmds_executor")
        try:
            return bool(
                await loop.run_in_executor(executor, registry.identities().is_disabled, name)
            )
        except Exception:  # noqa: BLE001 - an unreachable database lets no one in
            self.log.exception("MMDS: could not check whether %s is disabled", name)
            return True

    def validate_security(self, app: Any, ssl_options: dict[str, Any] | None = None) -> None:
        super().validate_security(app, ssl_options)
        hub = self.hub_auth
        if not hub.api_token:
            problem = "no Hub API token (JUPYTERHUB_API_TOKEN, or c.HubAuth.api_token)"
        elif not hub.access_scopes:
            problem = (
                "no scope that lets a token in (JUPYTERHUB_SERVICE_NAME, or c.HubAuth.access_scopes"
                ' such as {"access:services!service=mmds"})'
            )
        else:
            return
        app.log.critical(
            "mmds server --hub: %s. Run it as a JupyterHub service (c.JupyterHub.services, see "
            "the README's 'For a team' section), which sets them.",
            problem,
        )
        app.exit(1)
