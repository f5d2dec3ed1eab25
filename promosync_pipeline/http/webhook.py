"""POST of one small JSON message to a webhook (the alert channel, the change feed's).

Webhook URLs carry their secret in the path, so nothing here names the URL beyond its origin.
No redirect is followed: a webhook that moved answers with its status code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx


class WebhookError(Exception):
    """The webhook could not be reached; the message names the error, never the URL's path."""


def check_webhook_url(url: str) -> None:
    """A webhook is an ``http(s)://host/…`` URL; anything else is refused before any request
    (a ``file:`` or schemeless value set by mistake is named, its path never shown)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname}" if parts.scheme else "a URL without scheme"
        raise WebhookError(f"a webhook must be an http(s) URL with a host, not {shown}")


def post_json(url: str, body: Mapping[str, Any], *, timeout_s: float) -> int:
    """POST ``body`` as JSON to ``url``; the response's status code."""
    check_webhook_url(url)
    try:
        return httpx.post(url, json=dict(body), timeout=timeout_s).status_code
    except httpx.HTTPError as exc:
        reason = str(exc).replace(url, "<webhook>")
        raise WebhookError(f"{type(exc).__name__}: {reason}") from None
