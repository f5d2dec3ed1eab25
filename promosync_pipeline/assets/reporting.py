"""What the supplier and image assets share: retry policy, concurrency pools, failure tables."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

MAX_FAILURES_SHOWN = 50
FEED_POOL = "promidata_feed"
"""Steps that download from the feed's hosts: a pool limit caps how many supplier runs fetch at
once, whatever the run queue allows (each run's own rate limit is per run)."""
CATALOG_WRITE_POOL = "catalog_write"
"""The catalog write: a pool limit caps concurrent bulk writes to the catalog database."""
STEP_RETRY = dg.RetryPolicy(
    max_retries=2, delay=10, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)
"""For what a moment later may not see again: a database restart, a dropped connection."""


def failure_table(failed: Sequence[tuple[str, str, str]]) -> dg.MetadataValue | str:
    """(sku, stage, reason) rows as a markdown table for the UI."""
    if not failed:
        return "none"
    lines = ["| sku | stage | reason |", "| --- | --- | --- |"]
    for sku, stage, reason in failed[:MAX_FAILURES_SHOWN]:
        text = reason.replace("|", "\\|").replace("\n", " ")[:300]
        lines.append(f"| {sku} | {stage} | {text} |")
    if len(failed) > MAX_FAILURES_SHOWN:
        lines.append(f"| … | | {len(failed) - MAX_FAILURES_SHOWN} more in sync_errors |")
    return dg.MetadataValue.md("\n".join(lines))
