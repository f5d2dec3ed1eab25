"""Writing and reading catalog rows: families written the way a sync writes them, rows read
back as dicts, and a catalog emptied between tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import FAMILY_STAGES, Catalog, FamilyWrite, WriteStats, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.rows import FamilyRows, decode_rows, encode_family
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline.promidata import Family

_STAGING_IDS = itertools.count(10**12)
"""Staging ids of test writes: far above any sync run a test opens."""


# -- writing -----------------------------------------------------------------------------------


def write_families(
    catalog: Catalog,
    supplier_code: str,
    writes: Iterable[FamilyWrite],
    now: datetime,
    *,
    on_batch: Callable[[int], None] | None = None,
    changes_of: int | None = None,
) -> WriteStats:
    """Write ``writes`` as a sync does: each family encoded as a parsing process encodes it,
    staged in the catalog's staging table, read back from it in the given order and written in
    batches (recording the change feed of sync run ``changes_of``, if given); the staged rows
    are cleared afterwards."""
    staging_id = next(_STAGING_IDS)
    skus: list[str] = []
    for write in writes:
        catalog.staging.stage(supplier_code, staging_id, [encode_family(write)])
        skus.append(write.family.sku)
    try:
        families = catalog.staging.rows(staging_id, skus)
        return catalog.families.write(
            supplier_code, families, now, on_batch=on_batch, changes_of=changes_of
        )
    finally:
        catalog.staging.clear(supplier_code)


def staged_rows(writes: Iterable[FamilyWrite]) -> Iterator[FamilyRows]:
    """Each family's rows as the catalog write reads them from staging (encoded, decoded),
    lazily: for tests of how the write consumes its input."""
    for write in writes:
        yield decode_rows(encode_family(write).payload)


def empty(engine: sa.Engine) -> None:
    """Delete every row of the catalog tables (the schema stays)."""
    names = [table.name for table in reversed(t.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        else:
            for name in names:
                conn.exec_driver_sql(f"DELETE FROM {name}")


# -- reading -----------------------------------------------------------------------------------


def rows(catalog: str | sa.Engine | Catalog, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    """Rows of ``table`` where ``where`` holds, as dicts in primary key order. ``catalog`` is
    the catalog's URL (an engine is opened and disposed of), an engine or a :class:`Catalog`."""
    query = sa.select(table).where(*where).order_by(*table.primary_key.columns)
    if isinstance(catalog, str):
        engine = make_engine(catalog)
        try:
            return rows(engine, table, *where)
        finally:
            engine.dispose()
    engine = catalog.engine if isinstance(catalog, Catalog) else catalog
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def product(catalog: str | sa.Engine | Catalog, sku: str) -> dict[str, Any]:
    """The product row of ``sku`` (there must be one)."""
    (row,) = rows(catalog, t.products, t.products.c.sku == sku)
    return row


def variants(catalog: str | sa.Engine | Catalog, product_sku: str) -> dict[str, dict[str, Any]]:
    """The variant rows of a product, by variant SKU (inactive ones included)."""
    v = t.product_variants
    return {r["sku"]: r for r in rows(catalog, v, v.c.product_sku == product_sku)}


def tiers(catalog: str | sa.Engine | Catalog, product_sku: str) -> list[tuple[Any, ...]]:
    """(variant, region, kind, quantity, price, currency, on_request) of a product, sorted."""
    pt = t.price_tiers
    return [
        (
            r["variant_sku"],
            r["region"],
            r["kind"],
            r["min_quantity"],
            r["price"],
            r["currency"],
            r["on_request"],
        )
        for r in rows(catalog, pt, pt.c.product_sku == product_sku)
    ]


def expected_tiers(family: Family) -> list[tuple[Any, ...]]:
    """The tiers of ``family`` in the shape and order of :func:`tiers`."""
    return sorted(
        (v.sku, p.region, p.kind, p.min_quantity, p.price, p.currency, p.on_request)
        for v in family.variants
        for p in v.price_tiers
    )


def active_skus(url: str) -> set[str]:
    """SKUs of the active products."""
    return {r["sku"] for r in rows(url, t.products, t.products.c.is_active)}


def open_errors(url: str) -> dict[str, dict[str, Any]]:
    """Open ``sync_errors`` rows of families, by SKU (the latest one when several)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows(url, t.sync_errors, t.sync_errors.c.resolved_at.is_(None)):
        if row["sku"] is not None and row["stage"] in FAMILY_STAGES:
            out[row["sku"]] = row
    return out


def cached_index(url: str, feed: FeedServer) -> bytes | None:
    """The copy of ``feed``'s Import.txt kept in the catalog at ``url`` (None: no copy)."""
    engine = make_engine(url)
    try:
        cached = Catalog(engine).feed_cache.get(feed.index_url)
    finally:
        engine.dispose()
    return cached.body if cached is not None else None


def is_timestamp(column: sa.Column[Any]) -> bool:
    """Whether ``column`` holds a date and time (``UtcDateTime`` included): when something
    happened, not what the catalog holds."""
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.DateTime)


def dump(
    url: str, *, leave_out: Iterable[sa.Table] = (), timestamps: bool = True
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the catalog database (but ``leave_out``), comparable: a
    test that something wrote nothing compares two dumps. Without ``timestamps`` the
    date-and-time columns are left out of every row (:func:`is_timestamp`): two dumps then
    compare what the catalog holds, not when it was written."""
    skipped = set(leave_out)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: _sorted_rows(conn, table, timestamps)
                for table in t.metadata.sorted_tables
                if table not in skipped
            }
    finally:
        engine.dispose()


def _sorted_rows(conn: sa.Connection, table: sa.Table, timestamps: bool) -> list[tuple[Any, ...]]:
    columns = [c for c in table.columns if timestamps or not is_timestamp(c)]
    return sorted((tuple(r) for r in conn.execute(sa.select(*columns))), key=repr)
