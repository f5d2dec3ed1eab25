"""What the catalog holds of a supplier: its products' hashes and its active counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.records import KnownProduct
from promosync_pipeline.catalog.sql import among, chunks

PriceKey = tuple[str, str, int]
"""(variant SKU, region, minimum quantity)."""


@dataclass(frozen=True, slots=True)
class DecorationCounts:
    """What a supplier's active products offer to print on them."""

    positions: int
    options: int
    charges: int


class CatalogReads:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def known_hashes(self, supplier_code: str) -> dict[str, KnownProduct]:
        """Source hash, content hash and activity of every product of a supplier: one query."""
        p = t.products
        query = sa.select(p.c.sku, p.c.source_hash, p.c.content_hash, p.c.is_active).where(
            p.c.supplier_code == supplier_code
        )
        with self.engine.connect() as conn:
            return {
                sku: KnownProduct(source_hash, content_hash, bool(active))
                for sku, source_hash, content_hash, active in conn.execute(query)
            }

    def active_count(self, supplier_code: str) -> int:
        """Active products of a supplier."""
        p = t.products
        query = sa.select(sa.func.count()).where(p.c.supplier_code == supplier_code, p.c.is_active)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def active_variant_count(self, supplier_code: str) -> int:
        """Active variants of a supplier's active products."""
        p, v = t.products, t.product_variants
        query = (
            sa.select(sa.func.count())
            .select_from(v.join(p, p.c.sku == v.c.product_sku))
            .where(p.c.supplier_code == supplier_code, p.c.is_active, v.c.is_active)
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def decoration_counts(self, supplier_code: str) -> DecorationCounts:
        """Print positions, options and charges of a supplier's active products."""
        p = t.products
        active = sa.select(p.c.sku).where(p.c.supplier_code == supplier_code, p.c.is_active)
        tables = (t.imprint_positions, t.imprint_options, t.imprint_charges)
        with self.engine.connect() as conn:
            counts = [
                int(
                    conn.execute(
                        sa.select(sa.func.count()).where(table.c.product_sku.in_(active))
                    ).scalar_one()
                )
                for table in tables
            ]
        return DecorationCounts(*counts)

    def selling_prices(self, product_skus: Sequence[str]) -> dict[str, dict[PriceKey, Decimal]]:
        """Family SKU -> (variant, region, quantity) -> the selling price the catalog holds."""
        pt = t.price_tiers
        out: dict[str, dict[PriceKey, Decimal]] = {}
        with self.engine.connect() as conn:
            for part in chunks(list(product_skus)):
                query = sa.select(
                    pt.c.product_sku, pt.c.variant_sku, pt.c.region, pt.c.min_quantity, pt.c.price
                ).where(
                    among(conn, pt.c.product_sku, part),
                    pt.c.kind == "selling",
                    pt.c.price.is_not(None),
                )
                for sku, variant, region, quantity, price in conn.execute(query):
                    out.setdefault(sku, {})[(variant, region, quantity)] = Decimal(price)
        return out
