"""The words of every alert and recovery message the sensors send, built from plain values."""

from __future__ import annotations

import re
from datetime import UTC, datetime

ALERT = "promosync ALERT"
RECOVERED = "promosync RECOVERED"
MAX_ALERT_ERROR_CHARS = 500
"""Longest error line an alert quotes (the whole text is in the run)."""


def run_link(ui_url: str, run_id: str) -> str:
    return f"{ui_url.rstrip('/')}/runs/{run_id}"


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    """``93600`` -> ``26.0 h``; ``600`` -> ``10 min``; ``2`` -> ``2 s``."""
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


_EXCEPTION_PATH = re.compile(r"^(?:[A-Za-z_][\w]*\.)+(?=[A-Z]\w*: )")
"""The module path before an exception's class name (``dagster._core….Failure: …``)."""


def _first_line(text: str) -> str:
    """The first line of an error, its exception's module path left out: the reader of an
    alert wants the class and the message."""
    line = next((x.strip() for x in text.strip().splitlines() if x.strip()), "")
    return _EXCEPTION_PATH.sub("", line)[:MAX_ALERT_ERROR_CHARS]


def stale_text(code: str, last_synced: float | None, now: float, window_s: float) -> str:
    if last_synced is None:
        return (
            f"{ALERT}: supplier {code} has never been synced successfully "
            f"(catalog_products expected within {duration(window_s)})"
        )
    return (
        f"{ALERT}: supplier {code} is stale: catalog_products last synced {_when(last_synced)}, "
        f"{duration(now - last_synced)} ago (expected within {duration(window_s)})"
    )


def fresh_text(code: str) -> str:
    return f"{RECOVERED}: supplier {code} is fresh again (catalog_products synced)"


def check_failed_text(
    asset: str, check: str, partition: str | None, run_id: str, ui_url: str, detail: str
) -> str:
    where = f" for supplier {partition}" if partition else ""
    text = f"{ALERT}: asset check {check} on {asset} failed{where} (severity ERROR)"
    if detail:
        text += f": {_first_line(detail)}"
    return f"{text}\nrun: {run_link(ui_url, run_id)}"


def check_passed_text(asset: str, check: str, partition: str | None) -> str:
    where = f" for supplier {partition}" if partition else ""
    return f"{RECOVERED}: asset check {check} on {asset} no longer fails{where}"


def run_failed_text(
    job: str,
    run_id: str,
    partition: str | None,
    failed_steps: list[tuple[str, str]],
    run_error: str,
    ui_url: str,
) -> str:
    """``failed_steps``: (step key, error message) of each failed step, in order."""
    who = f"supplier {partition}" if partition else "no supplier partition"
    steps = ", ".join(dict.fromkeys(step for step, _ in failed_steps)) or "none (run-level failure)"
    error = _first_line(failed_steps[0][1]) if failed_steps else _first_line(run_error)
    return (
        f"{ALERT}: run of {job} failed ({who})\n"
        f"run id: {run_id}\n"
        f"failed steps: {steps}\n"
        f"error: {error or 'no error message'}\n"
        f"{run_link(ui_url, run_id)}"
    )


def run_recovered_text(job: str, run_id: str, partition: str | None, ui_url: str) -> str:
    who = f"supplier {partition}" if partition else "no supplier partition"
    return f"{RECOVERED}: {job} succeeded again ({who})\n{run_link(ui_url, run_id)}"


def index_refused_text(index_origin: str, reason: str) -> str:
    return (
        f"{ALERT}: Import.txt at {index_origin} refused: {reason}. No supplier run requested, "
        "nothing saved, no catalog row deactivated; supplier runs keep reading the last "
        "whole index"
    )


def index_accepted_text(suppliers: int) -> str:
    return f"{RECOVERED}: Import.txt is whole again ({suppliers} suppliers listed)"


def supplier_vanished_text(code: str) -> str:
    return (
        f"{ALERT}: supplier {code} is no longer in Import.txt: no run requested; its catalog "
        "rows stay as they are (a supplier run refuses to deactivate them without "
        "allow_supplier_removal)"
    )
