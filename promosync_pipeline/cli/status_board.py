"""The supplier status board: one row per supplier, what needs attention first.

Pure: it takes what the catalog (:class:`~promosync_pipeline.catalog.status.SupplierState`) and
the Dagster instance (:class:`LatestRun`) say, and a clock reading. Freshness is the rule of
``freshness_alert_sensor`` (:func:`~promosync_pipeline.automation.incidents.staleness`), judged
on the catalog's last write and with the supplier's first sighting as the grace of a supplier
never synced.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from promosync_pipeline.automation.alert_texts import duration
from promosync_pipeline.automation.incidents import staleness
from promosync_pipeline.catalog import RunStatus
from promosync_pipeline.catalog.leases import LeaseInfo
from promosync_pipeline.catalog.records import OpenError
from promosync_pipeline.catalog.status import SupplierState

ATTENTION_ORDER = ("failed", "stale", "errors", "images failed", "images pending", "ok")
"""Rows sort by the first of these that applies, then by supplier code."""

RUN_IN_PROGRESS = frozenset({"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "MANAGED"})
RUN_FAILED = frozenset({"FAILURE", "CANCELED", "CANCELING"})
MAX_CELL_CHARS = 60
MAX_REASON_CHARS = 120


@dataclass(frozen=True, slots=True)
class LatestRun:
    """A supplier's most recent ``supplier_sync_job`` run in the Dagster instance."""

    run_id: str
    status: str
    """A ``DagsterRunStatus`` value: ``SUCCESS``, ``FAILURE``, ``STARTED`` …"""
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SupplierRow:
    code: str
    attention: str
    """One of :data:`ATTENTION_ORDER`."""
    last_sync_at: datetime | None
    """When the latest sync attempt finished (or started, while it runs)."""
    outcome: str
    """``success``, ``failed``, ``running`` or ``never``."""
    outcome_detail: str
    run_id: str | None
    active_products: int
    open_errors: dict[str, int] = field(default_factory=dict)
    images_pending: int = 0
    images_failed: int = 0
    last_catalog_write_at: datetime | None = None
    stale: bool = False
    overdue_s: float | None = None
    """Seconds past the freshness window; None while fresh."""

    @property
    def open_error_count(self) -> int:
        return sum(self.open_errors.values())


def outcome(state: SupplierState | None, run: LatestRun | None) -> tuple[str, datetime | None, str]:
    """(outcome, when, detail) of a supplier's latest sync.

    The catalog's ``sync_runs`` row says how the families went; the Dagster run says whether
    the run as a whole finished (a run can fail before its first catalog write, or after it,
    in the image step). A Dagster run older than the catalog's row (another instance) is
    ignored.
    """
    sync = state.last_run if state else None
    short = run.run_id[:8] if run else ""
    if run is not None and (
        sync is None or run.run_id == sync.run_id or run.created_at > sync.started_at
    ):
        if run.status in RUN_IN_PROGRESS:
            return "running", run.created_at, f"run {short} {run.status.lower()}"
        if run.status in RUN_FAILED:
            same = sync is not None and sync.run_id == run.run_id
            when = (sync.finished_at or sync.started_at) if same and sync else run.created_at
            detail = sync.error if same and sync and sync.error else ""
            return "failed", when, detail or f"run {short} {run.status.lower()}"
    if sync is None:
        return "never", None, "never synced"
    when = sync.finished_at or sync.started_at
    if sync.status == RunStatus.FAILED:
        failed = sync.counts.get("families_failed", 0)
        return "failed", when, sync.error or _count(failed, "family", "families") + " failed"
    return sync.status, when, ""


def attention(row: SupplierRow) -> str:
    if row.outcome == "failed":
        return "failed"
    if row.stale:
        return "stale"
    if row.open_errors:
        return "errors"
    if row.images_failed:
        return "images failed"
    if row.images_pending:
        return "images pending"
    return "ok"


def build_rows(
    states: Sequence[SupplierState],
    runs: Mapping[str, LatestRun],
    now: datetime,
    window_s: float,
    partitions: Collection[str] = (),
) -> list[SupplierRow]:
    """A row per supplier of the catalog and per ``suppliers`` partition, attention first.

    A partition the catalog does not know yet has never synced and no first sighting to
    start its grace from: it is listed, not judged stale.
    """
    by_code = {s.code: s for s in states}
    rows = []
    for code in sorted({*by_code, *partitions}):
        state = by_code.get(code)
        result, when, detail = outcome(state, runs.get(code))
        last_write = state.last_synced_at if state else None
        first_seen = state.first_seen_at if state else now
        overdue = staleness(
            now.timestamp(),
            last_write.timestamp() if last_write else None,
            first_seen.timestamp(),
            window_s,
        )
        row = SupplierRow(
            code=code,
            attention="ok",
            last_sync_at=when,
            outcome=result,
            outcome_detail=detail,
            run_id=runs[code].run_id if code in runs else _run_id(state),
            active_products=state.active_products if state else 0,
            open_errors=dict(state.open_errors) if state else {},
            images_pending=state.images_pending if state else 0,
            images_failed=state.images_failed if state else 0,
            last_catalog_write_at=last_write,
            stale=overdue is not None,
            overdue_s=overdue,
        )
        rows.append(replace(row, attention=attention(row)))
    return sorted(rows, key=lambda r: (ATTENTION_ORDER.index(r.attention), r.code))


def needs_action(rows: Sequence[SupplierRow]) -> bool:
    """True when a supplier is stale or its latest sync failed (the command exits 1)."""
    return any(r.stale or r.outcome == "failed" for r in rows)


def render_table(rows: Sequence[SupplierRow], now: datetime, window_s: float) -> str:
    header: tuple[str, ...] = ("supplier", "last sync (UTC)", "outcome", "active", "open errors")
    header += ("images", "freshness", "attention", "detail")
    lines: list[tuple[str, ...]] = [header]
    for r in rows:
        lines.append(
            (
                r.code,
                _stamp(r.last_sync_at),
                r.outcome,
                str(r.active_products),
                ", ".join(f"{stage} {n}" for stage, n in r.open_errors.items()) or "-",
                _images(r),
                _freshness(r, now),
                r.attention,
                _cut(r.outcome_detail, MAX_CELL_CHARS) or "-",
            )
        )
    needing = sum(1 for r in rows if r.attention != "ok")
    footer = (
        f"{_count(len(rows), 'supplier', 'suppliers')}, {needing} need attention; "
        f"freshness window {duration(window_s)} (PROMOSYNC_FRESHNESS_HOURS)"
    )
    return "\n".join([*_aligned(lines, right={3}), footer])


def board_json(rows: Sequence[SupplierRow], now: datetime, window_s: float) -> dict[str, Any]:
    return {
        "generated_at": now.isoformat(),
        "freshness_hours": window_s / 3600,
        "needs_action": needs_action(rows),
        "suppliers": [
            {
                "code": r.code,
                "attention": r.attention,
                "last_sync_at": _iso(r.last_sync_at),
                "outcome": r.outcome,
                "outcome_detail": r.outcome_detail,
                "run_id": r.run_id,
                "active_products": r.active_products,
                "open_errors": r.open_errors,
                "open_errors_total": r.open_error_count,
                "images_pending": r.images_pending,
                "images_failed": r.images_failed,
                "last_catalog_write_at": _iso(r.last_catalog_write_at),
                "fresh": not r.stale,
                "overdue_hours": None if r.overdue_s is None else round(r.overdue_s / 3600, 3),
            }
            for r in rows
        ],
    }


def render_leases(leases: Sequence[LeaseInfo]) -> str:
    """One line per supplier a sync holds right now (empty when none does)."""
    return "\n".join(
        f"{lease.supplier_code} is leased: {lease.describe()} ({lease.holder})" for lease in leases
    )


def leases_json(leases: Sequence[LeaseInfo]) -> list[dict[str, Any]]:
    return [
        {
            "supplier": lease.supplier_code,
            "run_id": lease.run_id,
            "holder": lease.holder,
            "acquired_at": _iso(lease.acquired_at),
            "heartbeat_at": _iso(lease.heartbeat_at),
        }
        for lease in leases
    ]


def render_errors(code: str, errors: Sequence[OpenError]) -> str:
    if not errors:
        return f"{code}: no open errors"
    lines = [("sku", "stage", "first seen (UTC)", "seen", "reason")]
    for e in errors:
        reason = _cut(_first_line(e.error), MAX_REASON_CHARS)
        lines.append((e.sku or "-", e.stage, _stamp(e.created_at), str(e.occurrences), reason))
    return "\n".join(
        [*_aligned(lines, right={3}), f"{code}: {_count(len(errors), 'open error', 'open errors')}"]
    )


def errors_json(code: str, errors: Sequence[OpenError]) -> dict[str, Any]:
    return {
        "supplier": code,
        "open_errors": [
            {
                "sku": e.sku,
                "stage": e.stage,
                "reason": e.error,
                "source_url": e.source_url,
                "first_seen_at": _iso(e.created_at),
                "last_seen_at": _iso(e.last_seen_at),
                "occurrences": e.occurrences,
            }
            for e in errors
        ],
    }


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _run_id(state: SupplierState | None) -> str | None:
    return state.last_run.run_id if state and state.last_run else None


def _images(row: SupplierRow) -> str:
    counts = (("failed", row.images_failed), ("pending", row.images_pending))
    return ", ".join(f"{n} {what}" for what, n in counts if n) or "-"


def _freshness(row: SupplierRow, now: datetime) -> str:
    if row.last_catalog_write_at is None:
        return "STALE, never synced" if row.stale else "new, never synced"
    age = duration((now - row.last_catalog_write_at).total_seconds())
    return f"STALE, {age} ago" if row.stale else f"fresh, {age} ago"


def _stamp(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if at else "-"


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat() if at else None


def _first_line(text: str) -> str:
    return next((x.strip() for x in text.splitlines() if x.strip()), "")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _aligned(lines: Sequence[Sequence[str]], right: Collection[int] = ()) -> list[str]:
    """Columns padded to their widest cell (the last one left ragged)."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for line in lines:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ]
        cells[-1] = line[-1]
        out.append("  ".join(cells).rstrip())
    return out
