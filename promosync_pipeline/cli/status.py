"""``promosync status`` and ``promosync errors CODE``: the supplier status board.

Reads the catalog database and the Dagster instance, nothing else (no feed, no image store),
and writes neither: the catalog's schema is not upgraded here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from promosync_pipeline import clock, names, settings
from promosync_pipeline.automation.index_watch import enabled_codes
from promosync_pipeline.catalog import (
    Catalog,
    current_revision,
    head_revision,
    make_engine,
    normalize_url,
)
from promosync_pipeline.cli.status_board import (
    LatestRun,
    board_json,
    build_rows,
    errors_json,
    leases_json,
    needs_action,
    render_errors,
    render_leases,
    render_table,
)
from promosync_pipeline.freshness import freshness_window
from promosync_pipeline.jobs import supplier_sync_job
from promosync_pipeline.partitions import SUPPLIER_PARTITIONS
from promosync_pipeline.redaction import redact_url
from promosync_pipeline.resources import CatalogDatabaseResource

RECENT_RUNS_PER_SUPPLIER = 2


class NoCatalog(Exception):
    """The configured database holds no promosync catalog."""


def latest_supplier_runs(instance: dg.DagsterInstance, codes: list[str]) -> dict[str, LatestRun]:
    """Each supplier's most recent ``supplier_sync_job`` run.

    One query for the newest ``RECENT_RUNS_PER_SUPPLIER`` runs per supplier, which hold the
    latest run of every supplier that syncs regularly; a supplier missing from them gets one
    query of its own. (The run storage's tag buckets read and decode every run of the history
    on SQLite.)
    """
    if not codes:
        return {}

    def runs(tag: str | list[str], limit: int) -> Sequence[dg.RunRecord]:
        query = dg.RunsFilter(job_name=supplier_sync_job.name, tags={names.PARTITION_TAG: tag})
        return instance.get_run_records(query, limit=limit)

    limit = RECENT_RUNS_PER_SUPPLIER * len(codes)
    recent = runs(list(codes), limit)
    latest: dict[str, LatestRun] = {}
    for record in recent:
        code = record.dagster_run.tags[names.PARTITION_TAG]
        latest.setdefault(code, _latest(record))
    if len(recent) == limit:
        for code in (c for c in codes if c not in latest):
            for record in runs(code, 1):
                latest[code] = _latest(record)
    return latest


def _latest(record: dg.RunRecord) -> LatestRun:
    run = record.dagster_run
    return LatestRun(run.run_id, run.status.value, record.create_timestamp)


def _catalog() -> Catalog:
    """The catalog, or :class:`NoCatalog` saying why there is none to read (a missing
    SQLite file is reported, not created)."""
    url = normalize_url(CatalogDatabaseResource().resolved_url())
    hint = "run `promosync db upgrade`"
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database not in ("", ":memory:") and not Path(database).expanduser().exists():
            raise NoCatalog(f"{redact_url(url)}: the file does not exist ({hint})")
    engine = make_engine(url)
    try:
        current = current_revision(engine)
    except sa.exc.OperationalError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise NoCatalog(f"{redact_url(url)} cannot be read: {reason}") from error
    head = head_revision()
    if current != head:
        engine.dispose()
        if current is None:
            raise NoCatalog(f"{redact_url(url)} holds no promosync catalog ({hint})")
        # an older schema lacks columns the board reads: say so instead of failing on them
        raise NoCatalog(
            f"{redact_url(url)}: schema at revision {current}, this promosync reads {head} ({hint})"
        )
    return Catalog(engine)


def run_status(*, as_json: bool) -> int:
    from promosync_pipeline.cli.instance import get_instance

    now = clock.now()
    window_s = freshness_window().total_seconds()
    try:
        catalog = _catalog()
    except NoCatalog as error:
        print(f"promosync status: {error}", file=sys.stderr)
        return 2
    states = catalog.status.supplier_states()
    leases = catalog.leases.holders()
    catalog.dispose()
    with get_instance() as instance:
        partitions = instance.get_dynamic_partitions(SUPPLIER_PARTITIONS)
        only = settings.supplier_filter()
        codes = enabled_codes({*partitions, *(s.code for s in states)}, only)
        runs = latest_supplier_runs(instance, codes)
    known = [s for s in states if s.code in codes]
    rows = build_rows(known, runs, now, window_s, [p for p in partitions if p in codes])
    if as_json:
        board = {**board_json(rows, now, window_s), "leases": leases_json(leases)}
        print(json.dumps(board, indent=2))
    else:
        print(render_table(rows, now, window_s))
        if leases:
            print(render_leases(leases))
    return 1 if needs_action(rows) else 0


def run_errors(code: str, *, as_json: bool) -> int:
    try:
        catalog = _catalog()
    except NoCatalog as error:
        print(f"promosync errors: {error}", file=sys.stderr)
        return 2
    if not catalog.suppliers.exists(code):
        print(f"promosync errors: no supplier {code!r} in the catalog", file=sys.stderr)
        return 2
    errors = catalog.errors.open(code)
    catalog.dispose()
    if as_json:
        print(json.dumps(errors_json(code, errors), indent=2))
    else:
        print(render_errors(code, errors))
    return 0
