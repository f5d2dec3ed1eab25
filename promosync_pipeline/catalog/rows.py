"""Catalog rows of a parsed family.

Rows are named tuples in their table's column order; price rows (nine in ten) are kept as
PostgreSQL COPY text (``copy_text``). They are built and checked (``refusals``) where the file
is parsed (a worker process) and staged encoded (:func:`encode_rows`), so the catalog write
only decodes the small part and hands the prices to COPY as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from promosync_pipeline.catalog import refusals
from promosync_pipeline.catalog.copy_text import (
    ImprintPriceBlock,
    ImprintPriceRow,
    TierBlock,
    TierRow,
)
from promosync_pipeline.catalog.decoration import (
    ChargeRow,
    DecorationRows,
    OptionRow,
    PositionRow,
    decoration_rows,
)
from promosync_pipeline.catalog.records import EncodedFamily, FamilyWrite
from promosync_pipeline.promidata import Family
from promosync_pipeline.promidata.hashing import PARSER_VERSION
from promosync_pipeline.promidata.models import JsonObject, LocalText, Variant

__all__ = ["ImprintPriceRow", "TierBlock", "TierRow"]


class ProductRow(NamedTuple):
    """What a family's ``products`` row holds: everything the file says. The write adds the
    rest (:data:`PRODUCT_COLUMNS`)."""

    sku: str
    supplier_code: str
    """The supplier the file declares (the write checks it is the one being synced)."""
    supplier_sku: str | None
    ean: str | None
    category_code: str | None
    category_path: str | None
    brand: str | None
    name: LocalText
    description: LocalText
    short_description: LocalText
    material: LocalText
    source_url: str
    source_hash: str
    content_hash: str
    variant_count: int
    price_min: Decimal | None
    price_max: Decimal | None
    currency: str | None
    attributes: JsonObject
    parser_version: str


class VariantRow(NamedTuple):
    """A ``product_variants`` row."""

    sku: str
    product_sku: str
    supplier_sku: str | None
    ean: str | None
    color: str | None
    color_label: LocalText
    hex_color: str | None
    size: str | None
    weight_g: float | None
    length_mm: float | None
    width_mm: float | None
    height_mm: float | None
    diameter_mm: float | None
    is_active: bool
    country_of_origin: str | None
    customs_tariff_number: str | None
    carton_length_cm: float | None
    carton_width_cm: float | None
    carton_height_cm: float | None
    carton_weight_net_kg: float | None
    carton_weight_gross_kg: float | None
    carton_quantity: int | None
    attributes: JsonObject


class PriceTermRow(NamedTuple):
    """A ``price_terms`` row: a variant's order terms in one region."""

    variant_sku: str
    region: str
    min_order_quantity: int | None
    quantity_increment: int | None
    vat_percentage: Decimal | None
    vat_setting_id: str | None
    product_sku: str


class ImageRefRow(NamedTuple):
    """A feed image reference: what an ``original`` ``product_images`` row says of it."""

    product_sku: str
    variant_sku: str | None
    role: str
    position: int
    source_url: str
    position_code: str | None
    """The print position an ``imprint`` picture shows."""
    file_name: str | None


PRODUCT_CONTENT_COLUMNS = ProductRow._fields
PRODUCT_COLUMNS = (
    *PRODUCT_CONTENT_COLUMNS,
    "is_active",
    "first_seen_at",
    "last_synced_at",
    "removed_at",
)
"""A whole ``products`` row as the write upserts it."""
VARIANT_COLUMNS = VariantRow._fields
TIER_COLUMNS = TierRow._fields
TERM_COLUMNS = PriceTermRow._fields

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class FamilyRows:
    """One family as the rows of every catalog table it writes."""

    sku: str
    product: ProductRow
    variants: list[VariantRow]
    tiers: TierBlock
    terms: list[PriceTermRow]
    decoration: DecorationRows
    """Positions, options, charges; their prices are in ``imprint_prices``."""
    imprint_prices: ImprintPriceBlock
    images: list[ImageRefRow]
    """The ``original`` image rows."""
    refusal: str | None
    """Why the database would refuse these rows (:func:`problem`, for any supplier), checked
    when they were built; None when they can be written. It is staged with the rows: a change
    to the checks is a change to the staging format (:func:`decode_rows`)."""

    @property
    def variant_skus(self) -> list[str]:
        return [row.sku for row in self.variants]

    @property
    def decoration_count(self) -> int:
        """Rows of ``price_terms`` and of the four decoration tables."""
        d = self.decoration
        return (
            len(self.terms)
            + len(d.positions)
            + len(d.options)
            + len(d.charges)
            + self.imprint_prices.count
        )

    def product_row(self, now: datetime) -> Row:
        """The whole ``products`` row (:data:`PRODUCT_COLUMNS`) of a family written at ``now``."""
        return (*self.product, True, now, now, None)


def family_rows(item: FamilyWrite) -> FamilyRows:
    """The catalog rows of a parsed family, checked."""
    family = item.family
    product = _product_row(item)
    variants = [_variant_row(family.sku, v) for v in family.variants]
    tiers = [
        TierRow(
            v.sku, p.region, p.kind, p.min_quantity, p.price, p.currency, p.on_request, family.sku
        )
        for v in family.variants
        for p in v.price_tiers
    ]
    terms = [
        PriceTermRow(
            v.sku, term.region, term.min_order_quantity, term.quantity_increment,
            term.vat_percentage, term.vat_setting_id, family.sku,
        )
        for v in family.variants
        for term in v.price_terms
    ]  # fmt: skip
    decoration = decoration_rows(family)
    refusal = refusals.family_problem(product, variants, tiers, terms, decoration)
    return FamilyRows(
        family.sku,
        product,
        variants,
        TierBlock.of(tiers),
        terms,
        decoration,
        ImprintPriceBlock.of(decoration.prices),
        image_refs(family),
        refusal,
    )


def _product_row(item: FamilyWrite) -> ProductRow:
    family = item.family
    return ProductRow(
        sku=family.sku,
        supplier_code=family.supplier_code,
        supplier_sku=family.supplier_sku,
        ean=family.ean,
        category_code=family.category_code,
        category_path=family.category_path,
        brand=family.brand,
        name=family.name,
        description=family.description,
        short_description=family.short_description,
        material=family.material,
        source_url=item.source_url,
        source_hash=item.source_hash,
        content_hash=item.content_hash,
        variant_count=len(family.variants),
        price_min=family.price_min,
        price_max=family.price_max,
        currency=family.currency,
        attributes=family.attributes,
        parser_version=PARSER_VERSION,
    )


def _variant_row(product_sku: str, v: Variant) -> VariantRow:
    return VariantRow(
        v.sku, product_sku, v.supplier_sku, v.ean, v.color, v.color_label, v.hex_color, v.size,
        v.weight_g, v.length_mm, v.width_mm, v.height_mm, v.diameter_mm, v.is_active,
        v.country_of_origin, v.customs_tariff_number, v.carton_length_cm, v.carton_width_cm,
        v.carton_height_cm, v.carton_weight_net_kg, v.carton_weight_gross_kg, v.carton_quantity,
        v.attributes,
    )  # fmt: skip


def image_refs(family: Family) -> list[ImageRefRow]:
    """Every image reference of the family: each variant's main and gallery images, then the
    pictures of its print positions."""
    refs = [
        ImageRefRow(family.sku, v.sku, image.role, image.position, image.url, None, image.file_name)
        for v in family.variants
        for image in v.images
    ]
    refs += [
        ImageRefRow(
            family.sku, v.sku, image.role, image.position, image.url, position.code,
            image.file_name,
        )
        for v in family.variants
        for position in v.positions
        for image in position.images
    ]  # fmt: skip
    return refs


def encode_family(write: FamilyWrite) -> EncodedFamily:
    """``write``'s family as rows encoded for staging."""
    payload = encode_rows(family_rows(write))
    return EncodedFamily(
        write.family.sku, payload, write.source_url, write.source_hash, write.content_hash
    )


_PRODUCT_DECIMALS = tuple(PRODUCT_CONTENT_COLUMNS.index(c) for c in ("price_min", "price_max"))
_TERM_DECIMALS = (TERM_COLUMNS.index("vat_percentage"),)
_CHARGE_DECIMALS = (ChargeRow._fields.index("calculation_amount"),)
_HEAD_FIELDS = 10


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot stage a {type(value).__name__}")


def encode_rows(rows: FamilyRows) -> bytes:
    """``rows`` for the staging table: compact JSON of all but the prices, a newline (which
    compact JSON never holds), then the COPY text of the tiers and of the print prices.
    :func:`decode_rows` reads them back."""
    d = rows.decoration
    head = [
        tuple(rows.product),
        [tuple(v) for v in rows.variants],
        [tuple(i) for i in rows.images],
        rows.refusal,
        [tuple(term) for term in rows.terms],
        [tuple(p) for p in d.positions],
        [tuple(o) for o in d.options],
        [tuple(c) for c in d.charges],
        [rows.tiers.count, len(rows.tiers.text)],
        rows.imprint_prices.count,
    ]
    body = rows.tiers.text + rows.imprint_prices.text
    return orjson.dumps(head, default=_decimal_text) + b"\n" + body


def decode_rows(data: bytes) -> FamilyRows:
    head, newline, body = data.partition(b"\n")
    value = orjson.loads(head) if newline else None
    if not isinstance(value, list) or len(value) != _HEAD_FIELDS:
        raise ValueError(
            "a staged family is not in the format of this promosync (staged before an upgrade?):"
            " sync the supplier again"
        )
    product, variants, images, refusal, terms, positions, options, charges, tiers, prices = value
    tier_count, tier_bytes = tiers
    tier_text, price_text = body[:tier_bytes], body[tier_bytes:]
    if tier_text.count(b"\n") != tier_count or price_text.count(b"\n") != prices:
        raise ValueError(f"the staged family {product[0]!r} is cut short: sync the supplier again")
    decoration = DecorationRows(
        [PositionRow._make(p) for p in positions],
        [OptionRow._make(o) for o in options],
        [ChargeRow._make(_decimals(c, _CHARGE_DECIMALS)) for c in charges],
    )
    return FamilyRows(
        product[0],
        ProductRow._make(_decimals(product, _PRODUCT_DECIMALS)),
        [VariantRow._make(v) for v in variants],
        TierBlock(tier_text, tier_count),
        [PriceTermRow._make(_decimals(term, _TERM_DECIMALS)) for term in terms],
        decoration,
        ImprintPriceBlock(price_text, prices),
        [ImageRefRow._make(i) for i in images],
        refusal,
    )


def _decimals(row: list[Any], positions: Sequence[int]) -> list[Any]:
    for i in positions:
        if row[i] is not None:
            row[i] = Decimal(row[i])
    return row


def problem(rows: FamilyRows, supplier_code: str) -> str | None:
    """Why the database would refuse this family as one of ``supplier_code``'s, or None when
    it can be written."""
    declared = rows.product.supplier_code
    if declared != supplier_code:
        return f"family {rows.sku} belongs to supplier {declared}, not {supplier_code}"
    return rows.refusal
