"""Delivery of alerts to a Slack-compatible webhook (the words are in
:mod:`promosync_pipeline.automation.alert_texts`).

Open-source Dagster has no alert channels, so the alert sensors post ``{"text": …}`` to
``PROMOSYNC_ALERT_WEBHOOK_URL`` themselves. Delivery never raises: a failure is logged (with the
URL redacted, since webhook URLs carry their token in the path) and reported to the caller.
Without a webhook, alerts are written to the sensor's log as warnings.
"""

import logging
import time

import dagster as dg

from promosync_pipeline import settings
from promosync_pipeline.http.webhook import WebhookError, post_json
from promosync_pipeline.redaction import redact_url


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
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.retry_pause_s * 2 ** (attempt - 1))
            if self._post(text, log):
                return True
        return False

    def _post(self, text: str, log: logging.Logger | dg.DagsterLogManager) -> bool:
        url = self.resolved_url()
        if not url:
            log.warning(text)
            return True
        try:
            status = post_json(url, {"text": text}, timeout_s=self.timeout_s)
        except WebhookError as exc:
            log.error(f"alert webhook {_shown(url)} unreachable ({exc})")
            return False
        if status >= 300:
            log.error(f"alert webhook {_shown(url)} answered HTTP {status}")
            return False
        log.info(f"alert delivered to {_shown(url)}: {text.splitlines()[0]}")
        return True


def _shown(url: str) -> str:
    """A webhook URL carries its token in the path: only its origin is ever shown."""
    return redact_url(url, secret_path=True)
