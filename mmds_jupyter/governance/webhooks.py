"""Webhooks: per project, the event types (prefixes of event actions: ``request``,
``alias``, ``alert`` ...) to POST to a URL, read FROM THE EVENT LOG, so nothing a receiver
misses is lost. Each delivery is a JSON body signed with HMAC-SHA256 of the webhook's secret
(header ``X-MMDS-Signature: sha256=<hex>``), retried with exponential back-off, and recorded
(status, attempts, last error). Delivery runs in ``mmds scheduler`` or ``mmds webhooks
deliver``, never inside the user's call that wrote the event."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.request
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import InvalidInput
from ..refs import check_name, check_text

if TYPE_CHECKING:
    from ..registry import Registry

log = logging.getLogger(__name__)
SIGNATURE = "X-MMDS-Signature"
MAX_ATTEMPTS = 8
FIRST_RETRY_S = 30.0
LAST_RETRY_S = 3600.0
TIMEOUT_S = 10.0
_PREFIX_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_.")


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the HMAC-SHA256 of the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


def matches(prefixes: list[str], action: str) -> bool:
    """Whether an event action (``alias.set``) is one of a webhook's types: ``*``, the action
    itself, or a dotted prefix of it (``alias``, ``alias.``)."""
    for p in prefixes:
        stem = p.rstrip(".")
        if p == "*" or action == stem or action.startswith(stem + "."):
            return True
    return False


def check(url: Any, events: Any, secret: Any) -> tuple[str, list[str], str]:
    check_text("The webhook URL", url)
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"A webhook URL is http:// or https:// with a host, not {url!r} "
            "(e.g. https://hooks.example.com/mmds)."
        )
    if parts.username or parts.password:
        raise InvalidInput("Put no credentials in a webhook URL; its secret signs each delivery.")
    if isinstance(events, str):
        events = [events]
    if not isinstance(events, list) or not events:
        raise InvalidInput(
            "Name the event types to deliver, e.g. events=['request', 'alias', 'alert'] "
            "(prefixes of event actions, or '*' for all)."
        )
    for e in events:
        if not isinstance(e, str) or not (e == "*" or (e and set(e) <= _PREFIX_CHARS)):
            raise InvalidInput(
                f"{e!r} is not an event type: use a prefix of event actions such as 'request', "
                "'alias.set' or 'alert', or '*'."
            )
    if secret is None:
        secret = secrets.token_hex(32)
    check_text("The webhook secret", secret)
    if not isinstance(secret, str) or len(secret) < 16 or len(secret) > 200:
        raise InvalidInput(
            "A webhook secret is 16 to 200 characters (or leave it out: MMDS makes one)."
        )
    return url, list(dict.fromkeys(events)), secret


def add(reg: Registry, project: str, url: str, events: Any, secret: str | None) -> dict[str, Any]:
    check_name("Project", project)
    url, events, secret = check(url, events, secret)
    made = reg.webhook_store.add(project, url, events, secret, reg.actor, reg.clock())
    return {**made, "secret": secret}  # shown once, to the caller who made it


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: 30 s, doubling, 1 h."""
    return min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), LAST_RETRY_S)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """POST once; (HTTP status, error) — error None on a 2xx answer."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
            return response.status, None
    except urllib.error.HTTPError as exc:
        exc.close()  # the error holds the connection's response: close it here, not at gc
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"


def deliver(reg: Registry) -> dict[str, int]:
    """One pass: turn new events into deliveries, then POST those due. Returns the counts."""
    store = reg.webhook_store
    now = reg.clock()
    queued = store.enqueue(matches, now)
    counts = {"queued": queued, "delivered": 0, "retrying": 0, "failed": 0}
    for d in store.due(now):
        body = json.dumps({**d["payload"], "delivery": d["id"]}, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "mmds-webhooks",
            "X-MMDS-Event": d["action"],
            "X-MMDS-Delivery": str(d["id"]),
            SIGNATURE: sign(d["secret"], body),
        }
        status, error = _post(d["url"], body, headers)
        attempts = d["attempts"] + 1
        if error is None:
            store.record(d["id"], "delivered", status, None, reg.clock(), None)
            counts["delivered"] += 1
        elif attempts >= MAX_ATTEMPTS:
            store.record(d["id"], "failed", status, error, reg.clock(), None)
            counts["failed"] += 1
            log.warning("webhook delivery %s failed for good: %s", d["id"], error)
        else:
            later = reg.clock() + timedelta(seconds=backoff(attempts))
            store.record(d["id"], "pending", status, error, reg.clock(), later)
            counts["retrying"] += 1
    return counts
