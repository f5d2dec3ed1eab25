"""Data-quality reads of one supplier's part of the catalog, for the asset checks.

SQLAlchemy Core only, no Dagster: each function takes an engine or a connection and a supplier
code, runs a few aggregate queries and returns a small frozen dataclass with the numbers and a
handful of example SKUs. Every query is per supplier and served by the supplier / product
indexes of the schema; none loads a supplier's rows into memory.

"Active products" are ``products`` rows of the supplier with ``is_active`` true: what other
applications show. Rows of removed products are kept for the record and not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from promosync_pipeline.catalog import errors
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.schema import FAMILY_STAGES, ImageRole, ImageStatus, RunStatus

EXAMPLES = 10
"""How many offending SKUs a result names."""

Bind = sa.Engine | sa.Connection


def _rows(bind: Bind, query: Any) -> list[Any]:
    if isinstance(bind, sa.Connection):
        return list(bind.execute(query))
    with bind.connect() as conn:
        return list(conn.execute(query))


def _scalar(bind: Bind, query: Any) -> int:
    (row,) = _rows(bind, query)
    return int(row[0] or 0)


def _active_products(supplier_code: str) -> Any:
    p = t.products
    return sa.select(p.c.sku).where(p.c.supplier_code == supplier_code, p.c.is_active)


@dataclass(frozen=True, slots=True)
class Offenders:
    """How many rows break a rule, out of how many looked at, with a few examples."""

    count: int
    checked: int
    examples: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.count == 0


def _examples(bind: Bind, keys: Any) -> tuple[str, ...]:
    """The first :data:`EXAMPLES` distinct values of ``keys``, a select of one column."""
    (column,) = keys.subquery().c
    query = sa.select(column).distinct().order_by(column).limit(EXAMPLES)
    return tuple(str(r[0]) for r in _rows(bind, query))


def _offenders(bind: Bind, keys: Any, checked: int) -> Offenders:
    """``keys``: a select of one column naming each offending row (may repeat)."""
    (column,) = keys.subquery().c
    count = _scalar(bind, sa.select(sa.func.count(sa.distinct(column))))
    return Offenders(count, checked, _examples(bind, keys) if count else ())


def active_product_count(bind: Bind, supplier_code: str) -> int:
    p = t.products
    query = sa.select(sa.func.count()).where(p.c.supplier_code == supplier_code, p.c.is_active)
    return _scalar(bind, query)


def products_without_active_variant(bind: Bind, supplier_code: str) -> Offenders:
    """Active products none of whose ``product_variants`` rows is active (or with no rows)."""
    p, v = t.products, t.product_variants
    has_active = sa.select(v.c.sku).where(v.c.product_sku == p.c.sku, v.c.is_active).exists()
    keys = sa.select(p.c.sku).where(p.c.supplier_code == supplier_code, p.c.is_active, ~has_active)
    return _offenders(bind, keys, active_product_count(bind, supplier_code))


@dataclass(frozen=True, slots=True)
class VariantCountCheck:
    """``products.variant_count`` against the ``product_variants`` rows of active products."""

    out_of_bounds: Offenders
    """variant_count below the active rows or above all rows: the catalog is inconsistent."""
    not_exact: int
    """variant_count differs from all rows: normal once variants were dropped from a file."""


def variant_count_mismatches(bind: Bind, supplier_code: str) -> VariantCountCheck:
    """Active products whose ``variant_count`` contradicts their variant rows.

    The write path stores ``len(family.variants)``: every variant of the current product file,
    including those the file marks inactive. Variants that a later file no longer lists keep
    their row, made inactive. So for an active product
    ``active rows <= variant_count <= all rows`` always holds, with ``variant_count == all
    rows`` until a variant is dropped from the file.
    """
    p, v = t.products, t.product_variants
    counts = (
        sa.select(
            v.c.product_sku.label("sku"),
            sa.func.count().label("total"),
            sa.func.sum(sa.case((v.c.is_active, 1), else_=0)).label("active"),
        )
        .group_by(v.c.product_sku)
        .subquery()
    )
    total = sa.func.coalesce(counts.c.total, 0)
    active = sa.func.coalesce(counts.c.active, 0)
    joined = p.outerjoin(counts, counts.c.sku == p.c.sku)
    mine = (p.c.supplier_code == supplier_code, p.c.is_active)
    keys = (
        sa.select(p.c.sku)
        .select_from(joined)
        .where(*mine, sa.or_(p.c.variant_count < active, p.c.variant_count > total))
    )
    not_exact = _scalar(
        bind,
        sa.select(sa.func.count()).select_from(joined).where(*mine, p.c.variant_count != total),
    )
    out = _offenders(bind, keys, active_product_count(bind, supplier_code))
    return VariantCountCheck(out, not_exact)


def _tiers_of_active_products(supplier_code: str) -> Any:
    """Price tiers of the supplier's active products (tiers carry their product's SKU)."""
    return t.price_tiers.c.product_sku.in_(_active_products(supplier_code))


@dataclass(frozen=True, slots=True)
class TierAudit:
    """The price tiers of a supplier's active products, audited in one scan: the variants
    breaking each rule. Every :class:`Offenders` counts the same tiers as checked."""

    negative_prices: Offenders
    """Variants with a tier priced below zero."""
    negative_quantities: Offenders
    """Variants with a tier of a negative minimum quantity. Within one (variant, region,
    kind) the primary key already makes the quantities distinct, so ordered by quantity they
    strictly increase; what can still be wrong is their range."""
    rising_prices: Offenders
    """Variants with a tier priced higher than a tier below it (same variant, region and
    kind). Bigger orders should not cost more per piece; on-request tiers (no price) are
    skipped."""


def tier_audit(bind: Bind, supplier_code: str) -> TierAudit:
    """One pass over the supplier's tiers (half a million rows for a large one) for all three
    rules, where a query per rule and a count would scan them five times.

    A ladder rises somewhere exactly when some tier costs more than the cheapest tier below
    it, so each tier is compared with that minimum: ``min`` skips the unpriced tiers itself,
    where ``lag`` would need them filtered out of the very scan that counts them.
    """
    pt = t.price_tiers
    cheapest_below = sa.func.min(pt.c.price).over(
        partition_by=(pt.c.variant_sku, pt.c.region, pt.c.kind),
        order_by=pt.c.min_quantity,
        rows=(None, -1),
    )
    tiers = (
        sa.select(
            pt.c.variant_sku, pt.c.price, pt.c.min_quantity, cheapest_below.label("cheapest_below")
        )
        .where(_tiers_of_active_products(supplier_code))
        .subquery()
    )
    rules = (
        tiers.c.price < 0,
        tiers.c.min_quantity < 0,
        tiers.c.price > tiers.c.cheapest_below,
    )
    variants = sa.func.count(sa.distinct(tiers.c.variant_sku))
    summary = sa.select(sa.func.count(), *(variants.filter(rule) for rule in rules))
    checked, *counts = _rows(bind, summary.select_from(tiers))[0]
    return TierAudit(
        *(
            Offenders(
                int(count or 0),
                int(checked or 0),
                _examples(bind, sa.select(tiers.c.variant_sku).where(rule)) if count else (),
            )
            for rule, count in zip(rules, counts, strict=True)
        )
    )


@dataclass(frozen=True, slots=True)
class IndexCoverage:
    """Active products against the supplier's index entries and its recorded failures."""

    index_entries: int
    active: int
    failed_missing: int
    """Families with an open download/parse/write error that are not active products."""

    @property
    def expected(self) -> int:
        return self.index_entries - self.failed_missing

    @property
    def ok(self) -> bool:
        return self.active == self.expected


def index_coverage(bind: Bind, supplier_code: str) -> IndexCoverage | None:
    """Every index entry of the supplier's last finished sync is an active product, unless its
    family failed and was never written; a family that failed this time but was synced before
    stays active (with its last good content) and counts as covered. None when no finished
    sync recorded its index entries."""
    r = t.sync_runs
    listed = (
        sa.select(r.c.index_entries)
        .where(
            r.c.supplier_code == supplier_code,
            r.c.status != RunStatus.RUNNING,
            r.c.index_entries.is_not(None),
        )
        .order_by(r.c.started_at.desc(), r.c.id.desc())
        .limit(1)
    )
    entries = _rows(bind, listed)
    if not entries:
        return None
    failed_skus = (
        errors.failed_families(supplier_code, FAMILY_STAGES)
        .where(t.sync_errors.c.sku.not_in(_active_products(supplier_code)))
        .subquery()
    )
    failed = sa.select(sa.func.count(sa.distinct(failed_skus.c.sku)))
    return IndexCoverage(
        int(entries[0][0]), active_product_count(bind, supplier_code), _scalar(bind, failed)
    )


@dataclass(frozen=True, slots=True)
class MainImageCoverage:
    """Active products with a stored main image (``product_images``: role ``main``,
    rendition ``original``, status ``stored``)."""

    active: int
    with_main_image: int
    image_rows: int
    """``original`` image rows of the active products, of any status: 0 means images were
    never recorded (not synced yet, or skipped)."""

    @property
    def share(self) -> float | None:
        return self.with_main_image / self.active if self.active else None


def main_image_coverage(bind: Bind, supplier_code: str) -> MainImageCoverage:
    pi = t.product_images
    mine = pi.c.product_sku.in_(_active_products(supplier_code))
    original = pi.c.rendition == "original"
    with_main = sa.select(sa.func.count(sa.distinct(pi.c.product_sku))).where(
        mine, original, pi.c.role == ImageRole.MAIN, pi.c.status == ImageStatus.STORED
    )
    rows = sa.select(sa.func.count()).where(mine, original)
    return MainImageCoverage(
        active_product_count(bind, supplier_code), _scalar(bind, with_main), _scalar(bind, rows)
    )


@dataclass(frozen=True, slots=True)
class LastSync:
    """The supplier's most recent finished ``sync_runs`` row and its open errors."""

    sync_run_id: int | None
    status: str | None
    families_failed: int
    images_failed: int
    open_errors: dict[str, int]
    """Unresolved ``sync_errors`` by stage."""

    @property
    def ok(self) -> bool:
        return (
            self.status != RunStatus.FAILED
            and not self.families_failed
            and not self.images_failed
            and not any(self.open_errors.values())
        )


def last_sync(bind: Bind, supplier_code: str) -> LastSync:
    r = t.sync_runs
    latest = (
        sa.select(r.c.id, r.c.status, r.c.families_failed, r.c.images_failed)
        .where(r.c.supplier_code == supplier_code, r.c.status != RunStatus.RUNNING)
        .order_by(r.c.started_at.desc(), r.c.id.desc())
        .limit(1)
    )
    if isinstance(bind, sa.Connection):
        counts = errors.open_counts(bind, supplier_code)
    else:
        with bind.connect() as conn:
            counts = errors.open_counts(conn, supplier_code)
    by_stage = {stage: n for _, stage, n in counts}
    rows = _rows(bind, latest)
    if not rows:
        return LastSync(None, None, 0, 0, by_stage)
    run_id, status, families_failed, images_failed = rows[0]
    return LastSync(run_id, status, int(families_failed), int(images_failed), by_stage)


# -- decoration and order terms -----------------------------------------------------------------
def _label(owner: Any, code: Any) -> Any:
    """``owner: code`` of a row, for a check's examples (``||``: SQLite has no concat())."""
    first = sa.func.coalesce(owner, "?", type_=sa.Text)
    return first.concat(": ").concat(sa.func.coalesce(code, "?", type_=sa.Text))


def options_without_prices(bind: Bind, supplier_code: str) -> Offenders:
    """Print options of active products with no per-piece price tier at all."""
    o, pr = t.imprint_options, t.imprint_prices
    mine = o.c.product_sku.in_(_active_products(supplier_code))
    priced = sa.select(pr.c.owner_id).where(pr.c.owner_id == o.c.id).exists()
    keys = sa.select(_label(o.c.product_sku, o.c.option_sku)).where(mine, ~priced)
    return _offenders(bind, keys, _scalar(bind, sa.select(sa.func.count()).where(mine)))


def charges_without_prices(bind: Bind, supplier_code: str) -> Offenders:
    """Charges of active products with neither a price nor an on-request tier."""
    c, pr = t.imprint_charges, t.imprint_prices
    mine = c.c.product_sku.in_(_active_products(supplier_code))
    priced = (
        sa.select(pr.c.owner_id)
        .where(pr.c.owner_id == c.c.id, sa.or_(pr.c.price.is_not(None), pr.c.on_request))
        .exists()
    )
    keys = sa.select(_label(c.c.product_sku, c.c.charge_sku)).where(mine, ~priced)
    return _offenders(bind, keys, _scalar(bind, sa.select(sa.func.count()).where(mine)))


def negative_print_prices(bind: Bind, supplier_code: str) -> Offenders:
    """Print prices (per piece or of a charge) below zero, of active products."""
    pr, o = t.imprint_prices, t.imprint_options
    mine = pr.c.product_sku.in_(_active_products(supplier_code))
    keys = (
        sa.select(_label(o.c.product_sku, o.c.option_sku))
        .select_from(pr.join(o, o.c.id == pr.c.option_id))
        .where(mine, pr.c.price < 0)
    )
    return _offenders(bind, keys, _scalar(bind, sa.select(sa.func.count()).where(mine)))


def order_terms_below_one(bind: Bind, supplier_code: str) -> Offenders:
    """Variants' order terms (``price_terms``) with a minimum order quantity or an increment
    below 1: an order could never satisfy them."""
    pt = t.price_terms
    mine = pt.c.product_sku.in_(_active_products(supplier_code))
    below = sa.or_(pt.c.min_order_quantity < 1, pt.c.quantity_increment < 1)
    keys = sa.select(_label(pt.c.variant_sku, pt.c.region)).where(mine, below)
    return _offenders(bind, keys, _scalar(bind, sa.select(sa.func.count()).where(mine)))
