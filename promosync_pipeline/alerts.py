"""Delivery of alerts to a Slack-compatible webhook (the words are in
:mod:`promosync_pipeline.automation.alert_texts`).

Open-source Dagster has no alert channels, so the alert sensors post ``{"text": …}`` to
``PROMOSYNC_ALERT_WEBHOOK_URL`` themselves. Delivery never raises: a failure is logged (with the
URL redacted, since webhook URLs carry their token in the path) and reported to the caller.
Without a webhook, alerts are written to the sensor's log as warnings.
"""

import logging
import time
from collections.abc import Mapping
from typing import Any

import dagster as dg

from promosync_pipeline import settings
from promosync_pipeline.http.webhook import WebhookError, post_json
from promosync_pipeline.redaction import redact_url

DELIVERY_ATTEMPTS = 4
"""Attempts at a message that gets no second chance (a run's alert, a sync's change summary):
pauses of 2, 4 and 8 s between them."""


class AlertWebhookResource(dg.ConfigurableResource):
    """Where alerts go (``PROMOSYNC_ALERT_WEBHOOK_URL``) and where links point
    (``PROMOSYNC_UI_URL``). Unset fields fall back to the environment when a tick runs."""

    url: str | None = None
    ui_url: str | None = None
    timeout_s: float = 5.0
    retry_pause_s: float = 2.0
    """First pause between delivery attempts of a run alert (then doubling)."""

    def resolved_url(self) -> str | None:
        return settings.setting(self.url, settings.ALERT_WEBHOOK_URL) or None

    def resolved_ui_url(self) -> str:
        return settings.setting(self.ui_url, settings.UI_URL, settings.DEFAULT_UI_URL).rstrip("/")

    def send(
        self,
        text: str,
        log: logging.Logger | dg.DagsterLogManager,
        *,
        attempts: int = 1,
    ) -> bool:
        """Deliver one message, trying up to ``attempts`` times (pauses of ``retry_pause_s``,
        doubling); True when delivered (or logged, without a webhook)."""
        url = self.resolved_url()
        if not url:
            log.warning(text)
            return True
        delivery = Delivery(self.timeout_s, self.retry_pause_s, attempts)
        return delivery.post(url, {"text": text}, log, what=f"alert {text.splitlines()[0]}")


class Delivery:
    """How a message is posted: the timeout of an attempt, the first pause between attempts
    (then doubling) and how many attempts at most."""

    def __init__(self, timeout_s: float, retry_pause_s: float, attempts: int) -> None:
        self.timeout_s = timeout_s
        self.retry_pause_s = retry_pause_s
        self.attempts = attempts

    def post(
        self,
        url: str,
        body: Mapping[str, Any],
        log: logging.Logger | dg.DagsterLogManager,
        *,
        what: str,
    ) -> bool:
        """True once a 2xx answer came; every failed attempt is logged, the URL redacted."""
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(self.retry_pause_s * 2 ** (attempt - 1))
            if self._attempt(url, body, log, what):
                return True
        return False

    def _attempt(
        self,
        url: str,
        body: Mapping[str, Any],
        log: logging.Logger | dg.DagsterLogManager,
        what: str,
    ) -> bool:
        try:
            status = post_json(url, body, timeout_s=self.timeout_s)
        except WebhookError as exc:
            log.error(f"webhook {_shown(url)} unreachable ({exc})")
            return False
        if status >= 300:
            log.error(f"webhook {_shown(url)} answered HTTP {status}")
            return False
        log.info(f"{what}: delivered to {_shown(url)}")
        return True


def _shown(url: str) -> str:
    """A webhook URL carries its token in the path: only its origin is ever shown."""
    return redact_url(url, secret_path=True)
