"""The planner's statistics are refreshed after a write that changed much of a table."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, make_engine, upgrade
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.families import SUPPLIER, family, write

T0 = datetime(2026, 1, 1, 3, 0, tzinfo=UTC)
STATS_FLUSH_S = 5.0
"""PostgreSQL publishes a session's row counts within about a second of its commit."""


def _planner_rows(engine: sa.Engine, table: str) -> float:
    query = sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)")
    with engine.connect() as conn:
        return float(conn.execute(query, {"name": table}).scalar_one())


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


@pytest.mark.postgres
def test_a_large_write_is_analyzed_and_an_unchanged_table_is_not(pg_catalog: sa.Engine):
    catalog = Catalog(pg_catalog)
    # A backend publishes its row counts when idle for a while or when it ends: ending the
    # pooled ones (before and after the write) publishes earlier tests' counts and this write's.
    pg_catalog.dispose()
    write_families(catalog, SUPPLIER, [write(family(i, variants=3)) for i in range(120)], T0)
    pg_catalog.dispose()

    analyzed: set[str] = set()
    deadline = time.monotonic() + STATS_FLUSH_S
    wanted = {"products", "product_variants", "price_tiers"}
    while not wanted <= analyzed and time.monotonic() < deadline:
        analyzed |= set(catalog.statistics.refresh())
        time.sleep(0.2)

    assert wanted <= analyzed
    for table in wanted:  # a table this small is read whole: the estimate is exact
        assert _planner_rows(pg_catalog, table) == _count(pg_catalog, table)
    assert _count(pg_catalog, "price_tiers") == 120 * 3 * 14  # 14 tiers per variant
    assert "price_tiers" not in catalog.statistics.refresh()  # nothing changed since


def test_sqlite_keeps_no_planner_statistics(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    upgrade(engine)
    catalog = Catalog(engine)
    write_families(catalog, SUPPLIER, [write(family(i)) for i in range(60)], T0)
    assert catalog.statistics.refresh() == []
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT name FROM sqlite_master")).scalars().all()
    assert "sqlite_stat1" not in names
    engine.dispose()
