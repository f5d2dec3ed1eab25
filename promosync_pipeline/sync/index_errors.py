"""Index lines of a supplier that were skipped: recorded, so a family is never silently missing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from promosync_pipeline.catalog import Catalog, ErrorRecord, ErrorStage
from promosync_pipeline.promidata import IndexProblem
from promosync_pipeline.promidata.index import problem_family


def supplier_problems(
    supplier_code: str, problems: Sequence[IndexProblem]
) -> tuple[IndexProblem, ...]:
    """The skipped lines whose URL names a family of this supplier."""
    return tuple(
        p
        for p in problems
        if (found := problem_family(p)) is not None and found[0] == supplier_code
    )


def index_error_records(supplier_code: str, problems: Sequence[IndexProblem]) -> list[ErrorRecord]:
    """One ``index`` error per skipped line whose URL names a family of this supplier."""
    records = []
    for problem in problems:
        found = problem_family(problem)
        if found is not None and found[0] == supplier_code:
            records.append(ErrorRecord(found[1], found[2], ErrorStage.INDEX, str(problem)))
    return records


def unreadable_families(catalog: Catalog, supplier_code: str) -> set[str]:
    """Families of the supplier with an open ``index`` error: missing, not removed."""
    return {
        e.sku for e in catalog.errors.open(supplier_code) if e.stage == ErrorStage.INDEX and e.sku
    }


def record_index_problems(
    catalog: Catalog, supplier_code: str, problems: Sequence[IndexProblem], now: datetime
) -> int:
    """Record this supplier's skipped lines and resolve the ``index`` errors of lines that are
    fine again; returns the number of lines skipped."""
    records = index_error_records(supplier_code, problems)
    catalog.errors.record(supplier_code, None, records, now)
    still = {r.sku for r in records}
    healed = [sku for sku in unreadable_families(catalog, supplier_code) if sku not in still]
    catalog.errors.resolve(supplier_code, healed, now, (ErrorStage.INDEX,))
    return len(records)
