"""``check_outcomes``: what the last evaluation of a supplier's checks that read only its
catalog rows found, and whether those rows changed since.

The checks that scan every price tier and print price of a supplier take seconds on a large
one (millions of rows at 20,000 families), those of every product, variant and order term
tenths of a second, and a sync that wrote nothing would find exactly what the last evaluation
found. The rows of a supplier change through its syncs only (each holds the
supplier's lease and records itself in ``sync_runs``), so the supplier's *stamp* says whether
they changed: the id of its latest sync run that may have changed them, one that wrote,
changed or removed a family or did not end in success (killed, failed, refused). An outcome
recorded at the current stamp, by the same checks' code, still holds.

Edits made by hand bypass the stamp: ``catalog_checks_job`` always evaluates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import writer
from promosync_pipeline.catalog.schema import RunStatus
from promosync_pipeline.catalog.sql import upsert

outcomes = t.check_outcomes


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    """One check's verdict as it was recorded."""

    passed: bool
    severity: str
    description: str
    metadata: dict[str, Any]
    run_id: str
    """The Dagster run that evaluated it."""
    evaluated_at: datetime


def may_have_changed(supplier_code: str) -> Any:
    """The supplier's sync runs that may have changed its rows."""
    r = t.sync_runs
    return sa.and_(
        r.c.supplier_code == supplier_code,
        sa.or_(
            r.c.status != RunStatus.SUCCESS,
            r.c.families_new > 0,
            r.c.families_changed > 0,
            r.c.families_removed > 0,
        ),
    )


class CheckOutcomes:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def stamp(self, supplier_code: str) -> int | None:
        """The id of the supplier's latest sync run that may have changed its rows (0: none);
        None while its latest sync run is still open (its rows may be changing now; a killed
        sync's stays open until the supplier's next sync)."""
        r = t.sync_runs
        changed = sa.select(sa.func.coalesce(sa.func.max(r.c.id), 0)).where(
            may_have_changed(supplier_code)
        )
        latest = (
            sa.select(r.c.status)
            .where(r.c.supplier_code == supplier_code)
            .order_by(r.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            if conn.execute(latest).scalar() == RunStatus.RUNNING:
                return None
            return int(conn.execute(changed).scalar_one())

    def current(self, supplier_code: str, stamp: int, digest: str) -> dict[str, StoredOutcome]:
        """The outcomes recorded at ``stamp`` by checks whose code has ``digest``, by check."""
        o = outcomes
        query = sa.select(o).where(
            o.c.supplier_code == supplier_code,
            o.c.catalog_stamp == stamp,
            o.c.code_digest == digest,
        )
        with self.engine.connect() as conn:
            return {
                row["check_name"]: StoredOutcome(
                    row["passed"],
                    row["severity"],
                    row["description"],
                    dict(row["check_metadata"]),
                    row["run_id"],
                    row["evaluated_at"],
                )
                for row in conn.execute(query).mappings()
            }

    def save(
        self,
        supplier_code: str,
        stamp: int,
        digest: str,
        found: Mapping[str, StoredOutcome],
    ) -> None:
        """Record ``found`` (by check name) as evaluated at ``stamp``."""
        if not found:
            return
        rows = [
            {
                "supplier_code": supplier_code,
                "check_name": name,
                "catalog_stamp": stamp,
                "code_digest": digest,
                "passed": outcome.passed,
                "severity": outcome.severity,
                "description": outcome.description,
                "check_metadata": outcome.metadata,
                "run_id": outcome.run_id,
                "evaluated_at": outcome.evaluated_at,
            }
            for name, outcome in found.items()
        ]
        with writer(self.engine).begin() as conn:
            upsert(conn, outcomes, rows, ["supplier_code", "check_name"])
