"""Catalog rows of a parsed family, and the checks that keep one bad family out of a batch.

Rows are named tuples in their table's column order, and price tiers (nine rows in ten) are
kept as PostgreSQL COPY text (:class:`TierBlock`). They are built and checked where the file is
parsed (a worker process) and staged encoded (:func:`encode_rows`), so the catalog write only
decodes the small part and hands the tiers to COPY as they are. The checks mirror the schema's
limits, so a value the database would refuse fails its family with a readable reason, on
PostgreSQL and SQLite alike (SQLite enforces no string lengths).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.records import EncodedFamily, FamilyWrite
from promosync_pipeline.promidata.models import LocalText


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


class TierRow(NamedTuple):
    """A ``price_tiers`` row."""

    variant_sku: str
    region: str
    kind: str
    min_quantity: int
    price: Decimal | None
    currency: str | None
    on_request: bool
    product_sku: str


class ImageRefRow(NamedTuple):
    """A feed image reference: the key of an ``original`` ``product_images`` row."""

    product_sku: str
    variant_sku: str | None
    role: str
    position: int
    source_url: str


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
INT32 = 2**31

Row = tuple[Any, ...]

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_COPY_NULL = "\\N"
_COPY_BOOLEANS = {True: "t", False: "f", None: _COPY_NULL}


def _copy_unescape(field: str) -> str | None:
    if field == _COPY_NULL:
        return None
    if "\\" not in field:
        return field
    out: list[str] = []
    chars = iter(field)
    for char in chars:
        out.append(_COPY_UNESCAPES[next(chars)] if char == "\\" else char)
    return "".join(out)


class _CopyTexts(dict[str | None, str]):
    """Strings as COPY text fields, each escaped at its first lookup."""

    def __missing__(self, value: str | None) -> str:
        text = _COPY_NULL if value is None else value.translate(_COPY_ESCAPES)
        self[value] = text
        return text


@dataclass(frozen=True, slots=True)
class TierBlock:
    """A family's ``price_tiers`` rows (:data:`TIER_COLUMNS`) as PostgreSQL COPY text, a line
    per row, UTF-8.

    Formatted where the file is parsed, and handed to COPY as it is: a supplier's hundreds of
    thousands of tiers never become Python objects in the syncing process, where decoding
    them and formatting them again for COPY made the catalog write a third slower.
    """

    text: bytes
    count: int

    @classmethod
    def of(cls, rows: Sequence[TierRow]) -> TierBlock:
        """The block of ``rows`` as :func:`family_rows` builds them."""
        null = _COPY_NULL
        escaped = _CopyTexts()  # a family repeats its SKUs and regions: each escaped once
        lines = [
            f"{escaped[v]}\t{escaped[r]}\t{escaped[k]}\t{null if q is None else q}\t"
            f"{null if p is None else p!s}\t{escaped[c]}\t{_COPY_BOOLEANS[o]}\t{escaped[s]}\n"
            for v, r, k, q, p, c, o, s in rows
        ]
        return cls("".join(lines).encode(), len(lines))

    def rows(self) -> list[TierRow]:
        """The rows, typed as :func:`family_rows` builds them (SQLite writes them so)."""
        out: list[TierRow] = []
        for line in self.text.decode().split("\n")[:-1]:  # not splitlines: \x1c is data
            v, r, k, q, p, c, o, s = map(_copy_unescape, line.split("\t"))
            quantity = None if q is None else int(q)
            price = None if p is None else Decimal(p)
            on_request = None if o is None else o == "t"
            out.append(TierRow(v, r, k, quantity, price, c, on_request, s))  # type: ignore[arg-type]
        return out


@dataclass(frozen=True, slots=True)
class FamilyRows:
    """One family as the rows of ``products``, ``product_variants``, ``price_tiers`` and its
    image references."""

    sku: str
    product: ProductRow
    variants: list[VariantRow]
    tiers: TierBlock
    images: list[ImageRefRow]
    """The ``original`` image rows."""
    refusal: str | None
    """Why the database would refuse these rows (:func:`problem`, for any supplier), checked
    when they were built; None when they can be written. It is staged with the rows: a change
    to the checks is a change to the staging format (:func:`decode_rows`)."""

    @property
    def variant_skus(self) -> list[str]:
        return [row.sku for row in self.variants]

    def product_row(self, now: datetime) -> Row:
        """The whole ``products`` row (:data:`PRODUCT_COLUMNS`) of a family written at ``now``."""
        return (*self.product, True, now, now, None)


def family_rows(item: FamilyWrite) -> FamilyRows:
    """The catalog rows of a parsed family, checked."""
    family = item.family
    product = ProductRow(
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
    )
    variants = [
        VariantRow(
            v.sku,
            family.sku,
            v.supplier_sku,
            v.ean,
            v.color,
            v.color_label,
            v.hex_color,
            v.size,
            v.weight_g,
            v.length_mm,
            v.width_mm,
            v.height_mm,
            v.diameter_mm,
            v.is_active,
        )
        for v in family.variants
    ]
    tiers = [
        TierRow(
            v.sku, p.region, p.kind, p.min_quantity, p.price, p.currency, p.on_request, family.sku
        )
        for v in family.variants
        for p in v.price_tiers
    ]
    images = [
        ImageRefRow(family.sku, v.sku, image.role, image.position, image.url)
        for v in family.variants
        for image in v.images
    ]
    refusal = _refusal(product, variants, tiers)
    return FamilyRows(family.sku, product, variants, TierBlock.of(tiers), images, refusal)


def encode_family(write: FamilyWrite) -> EncodedFamily:
    """``write``'s family as rows encoded for staging."""
    payload = encode_rows(family_rows(write))
    return EncodedFamily(
        write.family.sku, payload, write.source_url, write.source_hash, write.content_hash
    )


_PRODUCT_PRICES = tuple(PRODUCT_CONTENT_COLUMNS.index(c) for c in ("price_min", "price_max"))


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot stage a {type(value).__name__}")


def encode_rows(rows: FamilyRows) -> bytes:
    """``rows`` for the staging table: compact JSON of all but the tiers, a newline (which
    compact JSON never holds), the tiers' COPY text. :func:`decode_rows` reads them back."""
    head = [
        tuple(rows.product),
        [tuple(v) for v in rows.variants],
        [tuple(i) for i in rows.images],
        rows.refusal,
        rows.tiers.count,
    ]
    return orjson.dumps(head, default=_decimal_text) + b"\n" + rows.tiers.text


def decode_rows(data: bytes) -> FamilyRows:
    head, newline, tiers = data.partition(b"\n")
    value = orjson.loads(head) if newline else None
    if not isinstance(value, list) or len(value) != 5:
        raise ValueError(
            "a staged family is not in the format of this promosync (staged before an upgrade?):"
            " sync the supplier again"
        )
    product, variants, images, refusal, tier_count = value
    if tiers.count(b"\n") != tier_count:
        raise ValueError(f"the staged family {product[0]!r} is cut short: sync the supplier again")
    for i in _PRODUCT_PRICES:
        if product[i] is not None:
            product[i] = Decimal(product[i])
    return FamilyRows(
        product[0],
        ProductRow._make(product),
        [VariantRow._make(v) for v in variants],
        TierBlock(tiers, tier_count),
        [ImageRefRow._make(i) for i in images],
        refusal,
    )


def _limits(table: sa.Table, columns: Sequence[str]) -> list[tuple[int, str, int]]:
    """(position, column, max length) of the length-limited columns among ``columns``."""
    out = []
    for position, name in enumerate(columns):
        length = getattr(table.c[name].type, "length", None)
        if length:
            out.append((position, name, length))
    return out


_PRODUCT_LIMITS = _limits(t.products, PRODUCT_CONTENT_COLUMNS)
_VARIANT_LIMITS = _limits(t.product_variants, VARIANT_COLUMNS)
_TIER_LIMITS = _limits(t.price_tiers, TIER_COLUMNS)


def _too_long(table: str, row: Sequence[Any], limits: list[tuple[int, str, int]]) -> str | None:
    for position, name, limit in limits:
        value = row[position]
        if value is not None and len(value) > limit:
            return f"{table}.{name} of {row[0]!r:.80} is {len(value)} characters long (max {limit})"
    return None


def problem(rows: FamilyRows, supplier_code: str) -> str | None:
    """Why the database would refuse this family as one of ``supplier_code``'s, or None when
    it can be written."""
    declared = rows.product.supplier_code
    if declared != supplier_code:
        return f"family {rows.sku} belongs to supplier {declared}, not {supplier_code}"
    return rows.refusal


def _refusal(product: ProductRow, variants: list[VariantRow], tiers: list[TierRow]) -> str | None:
    if not product.sku:
        return "family without a SKU"
    reason = _too_long("products", product, _PRODUCT_LIMITS)
    if reason:
        return reason
    seen: set[str] = set()
    for variant in variants:
        sku = variant.sku
        if not sku:
            return "variant without a SKU"
        if sku in seen:
            return f"variant SKU {sku} occurs twice in the family"
        seen.add(sku)
        reason = _too_long("product_variants", variant, _VARIANT_LIMITS)
        if reason:
            return reason
    return _tiers_problem(tiers) if tiers else None


def _tiers_problem(tiers: list[TierRow]) -> str | None:
    """Checked per distinct value: a family has thousands of tiers but few regions."""
    kinds = {tier.kind for tier in tiers}
    if not kinds <= set(t.PRICE_KINDS):
        odd = sorted(map(repr, kinds - set(t.PRICE_KINDS)))
        return f"price tier kind {', '.join(odd)} is neither selling nor buying"
    for position, name, limit in _TIER_LIMITS:
        if name in ("variant_sku", "product_sku", "kind"):
            continue  # checked with the variant and the product
        values: set[str | None] = {tier[position] for tier in tiers}  # type: ignore[misc]
        if name == "region" and None in values:
            return "price tier without a region"
        if any("\x00" in v for v in values if v is not None):
            return f"price_tiers.{name} holds a NUL character, which PostgreSQL cannot store"
        longest = max((v for v in values if v is not None), key=len, default="")
        if len(longest) > limit:
            size = len(longest)
            return f"price_tiers.{name} {longest!r:.80} is {size} characters long (max {limit})"
    quantities = [tier.min_quantity for tier in tiers]
    if None in quantities:
        return "price tier without a minimum quantity"
    if min(quantities) < -INT32 or max(quantities) >= INT32:
        return "price tier minimum quantity out of range"
    prices = [tier.price for tier in tiers if tier.price is not None]
    if prices and not all(map(Decimal.is_finite, prices)):
        return "price tier price is not a number"
    if prices and max(max(prices), -min(prices)) >= t.MONEY_LIMIT:
        return f"price tier price out of range ({min(prices)} … {max(prices)})"
    if len({tier[:4] for tier in tiers}) != len(tiers):
        return "a price tier (variant, region, kind, quantity) occurs twice"
    return None
