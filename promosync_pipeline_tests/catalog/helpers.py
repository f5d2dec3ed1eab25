"""Reading catalog rows back in tests."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog
from promosync_pipeline.catalog import schema as t


def rows(store: Catalog, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    """Rows of ``table`` as dicts, in primary key order."""
    query = sa.select(table).where(*where).order_by(*table.primary_key.columns)
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def product(store: Catalog, sku: str) -> dict[str, Any]:
    (row,) = rows(store, t.products, t.products.c.sku == sku)
    return row


def variants(store: Catalog, product_sku: str) -> dict[str, dict[str, Any]]:
    v = t.product_variants
    return {r["sku"]: r for r in rows(store, v, v.c.product_sku == product_sku)}


def tiers(store: Catalog, product_sku: str) -> list[tuple[Any, ...]]:
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
        for r in rows(store, pt, pt.c.product_sku == product_sku)
    ]


def expected_tiers(family: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (v.sku, p.region, p.kind, p.min_quantity, p.price, p.currency, p.on_request)
        for v in family.variants
        for p in v.price_tiers
    )


def empty(engine: sa.Engine) -> None:
    """Delete every row of the catalog tables (the schema stays)."""
    names = [table.name for table in reversed(t.metadata.sorted_tables)]
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
        else:
            for name in names:
                conn.exec_driver_sql(f"DELETE FROM {name}")
