"""The change feed's webhook: after each sync that changed something, a JSON summary is POSTed
to ``PROMOSYNC_CHANGES_WEBHOOK_URL`` (with the alerts' retries and URL checks), so a shop or an
ERP learns what to fetch without polling ``catalog_changes``.

The body carries a Slack-compatible ``text`` beside the counts, so the same URL may be a chat
channel. A webhook that stays down is logged and never fails the sync: the changes are in
``catalog_changes`` all the same.
"""

import logging
from typing import Any

import dagster as dg

from promosync_pipeline import settings
from promosync_pipeline.alerts import Delivery
from promosync_pipeline.catalog.changes import ChangeSummary


def change_text(supplier_code: str, sync_run_id: int, summary: ChangeSummary) -> str:
    """``promosync changes: A23 sync 12: 2 added, 0 removed, 0 reactivated, 5 changed
    (14 facts), prices 3 up, 1 down``."""
    return f"promosync changes: {supplier_code} sync {sync_run_id}: {summary.describe()}"


def change_body(
    supplier_code: str, sync_run_id: int, run_id: str, summary: ChangeSummary
) -> dict[str, Any]:
    """The JSON summary of one sync's changes (its shape is documented in the README)."""
    return {
        "text": change_text(supplier_code, sync_run_id, summary),
        "supplier_code": supplier_code,
        "sync_run_id": sync_run_id,
        "run_id": run_id,
        **summary.as_json(),
    }


class ChangeWebhookResource(dg.ConfigurableResource):
    """Where change summaries go (``PROMOSYNC_CHANGES_WEBHOOK_URL``; unset: nowhere)."""

    url: str | None = None
    timeout_s: float = 5.0
    retry_pause_s: float = 2.0
    attempts: int = 4

    def resolved_url(self) -> str | None:
        return settings.setting(self.url, settings.CHANGES_WEBHOOK_URL) or None

    def announce(
        self, body: dict[str, Any], log: logging.Logger | dg.DagsterLogManager
    ) -> bool | None:
        """POST ``body``; True when delivered, False when every attempt failed, None without
        a webhook."""
        url = self.resolved_url()
        if not url:
            return None
        delivery = Delivery(self.timeout_s, self.retry_pause_s, self.attempts)
        return delivery.post(url, body, log, what=str(body.get("text", "change summary")))
