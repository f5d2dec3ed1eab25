"""POST of one small JSON message to a webhook (the alert channel).

Webhook URLs carry their secret in the path, so nothing here names the URL beyond its origin.
No redirect is followed: a webhook that moved answers with its status code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx


class WebhookError(Exception):
    """The webhook could not be reached; the message names the error, never the URL's path."""


def post_json(url: str, body: Mapping[str, Any], *, timeout_s: float) -> int:
    """POST ``body`` as JSON to ``url``; the response's status code."""
    try:
        return httpx.post(url, json=dict(body), timeout=timeout_s).status_code
    except httpx.HTTPError as exc:
        reason = str(exc).replace(url, "<webhook>")
        raise WebhookError(f"{type(exc).__name__}: {reason}") from None
