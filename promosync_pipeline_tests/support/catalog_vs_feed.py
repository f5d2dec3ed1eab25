"""Comparing the catalog with the feed: a family stored whole and exactly as the feed has it,
the catalog equal to the feed, nothing lost after faults; the catalog's content as a snapshot
comparable across databases and runs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator
from promosync_pipeline.promidata import Family, ProductParseError, parse_product
from promosync_pipeline_tests.support.catalog import active_skus, open_errors, rows


@dataclass
class CatalogRows:
    """The product, variant and price tier rows of a catalog, read once."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By SKU."""
    variants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """By product SKU."""
    tiers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """By product SKU."""


def load_catalog(url: str, skus: Collection[str] | None = None) -> CatalogRows:
    """The catalog's products, variants and price tiers, read on one engine; those of the
    products ``skus`` only, when given (a few: they are sent as parameters)."""
    selected = CatalogRows()
    queries = [sa.select(t.products), sa.select(t.product_variants), sa.select(t.price_tiers)]
    if skus is not None:
        queries[0] = queries[0].where(t.products.c.sku.in_(skus))
        queries[1] = queries[1].where(t.product_variants.c.product_sku.in_(skus))
        queries[2] = queries[2].where(t.price_tiers.c.product_sku.in_(skus))
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            for r in conn.execute(queries[0]).mappings():
                selected.products[r["sku"]] = dict(r)
            for r in conn.execute(queries[1]).mappings():
                selected.variants.setdefault(r["product_sku"], []).append(dict(r))
            for r in conn.execute(queries[2]).mappings():
                selected.tiers.setdefault(r["product_sku"], []).append(dict(r))
    finally:
        engine.dispose()
    return selected


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


def stored_problem(family: Family, catalog: CatalogRows) -> str | None:
    """What differs between ``family`` and its rows in ``catalog`` (None: it is stored whole,
    active, with the family's product values, variants and price tiers)."""
    product = catalog.products.get(family.sku)
    if product is None:
        return "not in products"
    if not product["is_active"] or product["removed_at"] is not None:
        return "inactive"
    got = (
        product["supplier_code"], product["name"], product["description"], product["brand"],
        product["category_code"], product["variant_count"], _money(product["price_min"]),
        _money(product["price_max"]),
    )  # fmt: skip
    want = (
        family.supplier_code, family.name, family.description, family.brand,
        family.category_code, len(family.variants), _money(family.price_min),
        _money(family.price_max),
    )  # fmt: skip
    if got != want:
        return f"product row differs: {got!r:.300} != {want!r:.300}"
    return _variants_problem(family, catalog) or _tiers_problem(family, catalog)


def _variants_problem(family: Family, catalog: CatalogRows) -> str | None:
    own = {
        r["sku"]: r
        for r in catalog.variants.get(family.sku, [])
        if r["is_active"] or not any(v.sku == r["sku"] and v.is_active for v in family.variants)
    }
    for v in family.variants:
        row = own.get(v.sku)
        if row is None:
            return f"variant {v.sku} missing"
        got = (row["color"], row["color_label"], row["size"], row["ean"], row["weight_g"],
               row["length_mm"], row["is_active"])  # fmt: skip
        want = (v.color, v.color_label, v.size, v.ean, v.weight_g, v.length_mm, v.is_active)
        if got != want:
            return f"variant {v.sku} differs: {got!r:.200} != {want!r:.200}"
    return None


def _tiers_problem(family: Family, catalog: CatalogRows) -> str | None:
    stored = sorted(
        (r["variant_sku"], r["region"], r["kind"], r["min_quantity"], _money(r["price"]),
         r["on_request"])
        for r in catalog.tiers.get(family.sku, [])
    )  # fmt: skip
    expected = sorted(
        (v.sku, p.region, p.kind, p.min_quantity, _money(p.price), p.on_request)
        for v in family.variants
        for p in v.price_tiers
    )
    if stored != expected:
        return f"price tiers differ ({len(stored)} stored, {len(expected)} expected)"
    return None


def assert_family_stored(url: str, family: Family) -> None:
    """``family`` is stored whole, active, exactly as given (:func:`stored_problem`)."""
    problem = stored_problem(family, load_catalog(url, [family.sku]))
    assert problem is None, f"{family.sku}: {problem}"


def assert_whole_families(url: str, families: Iterable[Family]) -> None:
    """Each of these families is stored whole, exactly as given."""
    catalog = load_catalog(url)
    problems = [f"{f.sku}: {p}" for f in families if (p := stored_problem(f, catalog))]
    assert not problems, "\n".join(problems[:20])


def assert_catalog_equals_feed(url: str, generator: FeedGenerator) -> None:
    """The active products are exactly the feed's families, each stored as the feed has it."""
    skus = generator.all_skus()
    assert active_skus(url) == set(skus)
    assert_whole_families(url, (generator.family(sku) for sku in skus))


def assert_supplier_equals_feed(url: str, generator: FeedGenerator, code: str) -> None:
    """The supplier's active products are exactly its families in the feed, each stored as the
    feed has it."""
    p = t.products
    active = {r["sku"] for r in rows(url, p, p.c.supplier_code == code, p.c.is_active)}
    skus = generator.family_skus(code)
    assert active == set(skus)
    assert_whole_families(url, (generator.family(sku) for sku in skus))


def _expected(generator: FeedGenerator, sku: str) -> Family:
    poisoned = generator.poisoned()
    if sku not in poisoned:
        return generator.family(sku)
    code = generator.extra_files().get(sku) or sku.split("-", 1)[0]
    return parse_product(poisoned[sku], sku, expected_sku=sku, supplier_code=code)


def assert_nothing_lost(url: str, generator: FeedGenerator, *, kept: Iterable[str] = ()) -> None:
    """Every family the feed lists is either in the catalog with the feed's content (the
    parsed file, its index hash) or has an open ``sync_errors`` row saying why it is not.

    Active catalog families the feed no longer lists must have been deactivated, except
    ``kept`` (removals a guard refused on purpose).
    """
    errors = open_errors(url)
    catalog = load_catalog(url)
    lost: list[str] = []
    skus = [*generator.all_skus(), *generator.extra_files()]
    for sku in skus:
        error = errors.get(sku)
        if error is not None:
            if not (error["error"] or "").strip():
                lost.append(f"{sku}: sync_errors row without a reason")
            continue
        try:
            problem = stored_problem(_expected(generator, sku), catalog)
        except ProductParseError as exc:
            lost.append(f"{sku}: unparsable in the feed ({exc}) but no sync_errors row")
            continue
        if problem is not None:
            lost.append(f"{sku}: not stored with the feed's content: {problem}")
            continue
        stored_hash = (catalog.products[sku]["source_hash"] or "").upper()
        if stored_hash != generator.file_hash(sku).upper():
            lost.append(f"{sku}: stored source_hash {stored_hash} is not the index's")
    listed = set(skus) | set(kept)
    stale = sorted(s for s, r in catalog.products.items() if r["is_active"] and s not in listed)
    if stale:
        lost.append(f"active but no longer in the feed: {stale[:20]}")
    assert not lost, "families lost:\n" + "\n".join(lost[:50])


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
