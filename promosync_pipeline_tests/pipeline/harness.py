"""Run the real jobs in-process against a feed simulator and read the catalog back."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import dagster as dg
import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedGenerator
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import Family

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class SupplierRun:
    success: bool
    metadata: dict[str, Any]
    """catalog_products materialization metadata (empty when the step failed)."""
    result: dg.ExecuteInProcessResult


def sync(
    instance: dg.DagsterInstance, codes: list[str] | None = None, full_refresh: bool = False
) -> dict[str, SupplierRun]:
    feed = defs.resolve_job_def("feed_refresh_job").execute_in_process(
        instance=instance, run_config=QUIET
    )
    assert feed.success
    (mat,) = feed.asset_materializations_for_node("promidata_index")
    listed = sorted(mat.metadata["supplier_slices"].value)
    job = defs.resolve_job_def("supplier_sync_job")
    runs = {}
    for code in codes or listed:
        instance.add_dynamic_partitions(suppliers.name, [code])
        config = {**QUIET, "ops": {"parsed_variants": {"config": {"full_refresh": full_refresh}}}}
        result = job.execute_in_process(
            partition_key=code, instance=instance, run_config=config, raise_on_error=False
        )
        mats = result.asset_materializations_for_node("catalog_tables") if result.success else []
        metadata = {
            k: v.value
            for m in mats
            if m.asset_key == dg.AssetKey("catalog_products")
            for k, v in m.metadata.items()
        }
        runs[code] = SupplierRun(result.success, metadata, result)
    return runs


def rows(url: str, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(table).where(*where))]
    finally:
        engine.dispose()


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


def catalog_snapshot(url: str) -> dict[str, Any]:
    """The catalog's content, comparable across databases and runs (no timestamps)."""
    products = {
        r["sku"]: (
            r["supplier_code"], r["category_code"], r["brand"], r["name"], r["description"],
            r["variant_count"], _money(r["price_min"]), _money(r["price_max"]), r["currency"],
            r["content_hash"], r["source_hash"], r["is_active"],
        )
        for r in rows(url, t.products)
    }  # fmt: skip
    variants = {
        r["sku"]: (r["product_sku"], r["color"], r["size"], r["ean"], r["is_active"])
        for r in rows(url, t.product_variants)
    }
    tiers = sorted(
        (r["variant_sku"], r["region"], r["kind"], r["min_quantity"], _money(r["price"]))
        for r in rows(url, t.price_tiers)
    )
    return {"products": products, "variants": variants, "tiers": tiers}


def assert_family_stored(url: str, family: Family) -> None:
    (product,) = rows(url, t.products, t.products.c.sku == family.sku)
    assert product["is_active"] and product["removed_at"] is None
    assert product["supplier_code"] == family.supplier_code
    assert product["name"] == family.name and product["description"] == family.description
    assert (product["brand"], product["category_code"]) == (family.brand, family.category_code)
    assert product["variant_count"] == len(family.variants)
    assert _money(product["price_min"]) == _money(family.price_min)
    assert _money(product["price_max"]) == _money(family.price_max)
    variants = {
        r["sku"]: r
        for r in rows(url, t.product_variants, t.product_variants.c.product_sku == family.sku)
        if r["is_active"] or not any(v.sku == r["sku"] and v.is_active for v in family.variants)
    }
    for v in family.variants:
        row = variants[v.sku]
        assert (row["color"], row["color_label"], row["size"], row["ean"]) == (
            v.color, v.color_label, v.size, v.ean,
        )  # fmt: skip
        assert (row["weight_g"], row["length_mm"], row["is_active"]) == (
            v.weight_g, v.length_mm, v.is_active,
        )  # fmt: skip
    stored = sorted(
        (r["variant_sku"], r["region"], r["kind"], r["min_quantity"], _money(r["price"]),
         r["on_request"])
        for r in rows(url, t.price_tiers, t.price_tiers.c.product_sku == family.sku)
    )  # fmt: skip
    expected = sorted(
        (v.sku, p.region, p.kind, p.min_quantity, _money(p.price), p.on_request)
        for v in family.variants
        for p in v.price_tiers
    )
    assert stored == expected


def assert_catalog_equals_feed(url: str, generator: FeedGenerator) -> None:
    skus = generator.all_skus()
    active = {r["sku"] for r in rows(url, t.products, t.products.c.is_active)}
    assert active == set(skus)
    for sku in skus:
        assert_family_stored(url, generator.family(sku))
