"""Catalog rows of a parsed family, and the checks that keep one bad family out of a batch.

Rows are plain tuples in the column order below, and price tiers (nine rows in ten) are kept
as PostgreSQL COPY text (:class:`TierBlock`). They are built and checked where the file is
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
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from promosync_pipeline.catalog import schema as t

if TYPE_CHECKING:
    from promosync_pipeline.catalog.records import FamilyWrite

PRODUCT_CONTENT_COLUMNS = (
    "sku",
    "supplier_code",
    "supplier_sku",
    "ean",
    "category_code",
    "category_path",
    "brand",
    "name",
    "description",
    "short_description",
    "material",
    "source_url",
    "source_hash",
    "content_hash",
    "variant_count",
    "price_min",
    "price_max",
    "currency",
)
"""What a family's product row holds: everything the file says. The write adds the rest."""
PRODUCT_COLUMNS = (
    *PRODUCT_CONTENT_COLUMNS,
    "is_active",
    "first_seen_at",
    "last_synced_at",
    "removed_at",
)
VARIANT_COLUMNS = (
    "sku",
    "product_sku",
    "supplier_sku",
    "ean",
    "color",
    "color_label",
    "hex_color",
    "size",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "diameter_mm",
    "is_active",
)
TIER_COLUMNS = (
    "variant_sku",
    "region",
    "kind",
    "min_quantity",
    "price",
    "currency",
    "on_request",
    "product_sku",
)
INT32 = 2**31

Row = tuple[Any, ...]
ImageRefRow = tuple[str, str | None, str, int, str]
"""``(product_sku, variant_sku, role, position, source_url)``."""


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
    def of(cls, rows: Sequence[Row]) -> TierBlock:
        """The block of ``rows`` as :func:`family_rows` builds them."""
        null = _COPY_NULL
        escaped = _CopyTexts()  # a family repeats its SKUs and regions: each escaped once
        lines = [
            f"{escaped[v]}\t{escaped[r]}\t{escaped[k]}\t{null if q is None else q}\t"
            f"{null if p is None else p!s}\t{escaped[c]}\t{_COPY_BOOLEANS[o]}\t{escaped[s]}\n"
            for v, r, k, q, p, c, o, s in rows
        ]
        return cls("".join(lines).encode(), len(lines))

    def rows(self) -> list[Row]:
        """The rows, typed as :func:`family_rows` builds them (SQLite writes them so)."""
        out: list[Row] = []
        for line in self.text.decode().split("\n")[:-1]:  # not splitlines: \x1c is data
            v, r, k, q, p, c, o, s = map(_copy_unescape, line.split("\t"))
            quantity = None if q is None else int(q)
            price = None if p is None else Decimal(p)
            on_request = None if o is None else o == "t"
            out.append((v, r, k, quantity, price, c, on_request, s))
        return out


@dataclass(frozen=True, slots=True)
class FamilyRows:
    """One family as the rows of ``products``, ``product_variants`` and ``price_tiers``."""

    sku: str
    product: Row
    """:data:`PRODUCT_CONTENT_COLUMNS`; ``supplier_code`` is the one the file declares."""
    variants: list[Row]
    tiers: TierBlock
    images: list[ImageRefRow]
    """The ``original`` image rows."""
    refusal: str | None
    """Why the database would refuse these rows (:func:`problem`, for any supplier), checked
    when they were built; None when they can be written. It is staged with the rows: a change
    to the checks is a change to the staging format (:func:`decode_rows`)."""

    @property
    def variant_skus(self) -> list[str]:
        return [row[0] for row in self.variants]

    def product_row(self, now: datetime) -> Row:
        """The whole ``products`` row (:data:`PRODUCT_COLUMNS`) of a family written at ``now``."""
        return (*self.product, True, now, now, None)


def family_rows(item: FamilyWrite) -> FamilyRows:
    family = item.family
    product = (
        family.sku,
        family.supplier_code,
        family.supplier_sku,
        family.ean,
        family.category_code,
        family.category_path,
        family.brand,
        family.name,
        family.description,
        family.short_description,
        family.material,
        item.source_url,
        item.source_hash,
        item.content_hash,
        len(family.variants),
        family.price_min,
        family.price_max,
        family.currency,
    )
    variants = [
        (
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
        (v.sku, p.region, p.kind, p.min_quantity, p.price, p.currency, p.on_request, family.sku)
        for v in family.variants
        for p in v.price_tiers
    ]
    images: list[ImageRefRow] = [
        (family.sku, v.sku, image.role, image.position, image.url)
        for v in family.variants
        for image in v.images
    ]
    refusal = _refusal(product, variants, tiers)
    return FamilyRows(family.sku, product, variants, TierBlock.of(tiers), images, refusal)


_PRODUCT_PRICES = tuple(PRODUCT_CONTENT_COLUMNS.index(c) for c in ("price_min", "price_max"))


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot stage a {type(value).__name__}")


def encode_rows(rows: FamilyRows) -> bytes:
    """``rows`` for the staging table: compact JSON of all but the tiers, a newline (which
    compact JSON never holds), the tiers' COPY text. :func:`decode_rows` reads them back."""
    head = [rows.product, rows.variants, rows.images, rows.refusal, rows.tiers.count]
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
        tuple(product),
        [tuple(v) for v in variants],
        TierBlock(tiers, tier_count),
        [tuple(i) for i in images],
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


def _too_long(table: str, row: Row, limits: list[tuple[int, str, int]]) -> str | None:
    for position, name, limit in limits:
        value = row[position]
        if value is not None and len(value) > limit:
            return f"{table}.{name} of {row[0]!r:.80} is {len(value)} characters long (max {limit})"
    return None


def problem(rows: FamilyRows, supplier_code: str) -> str | None:
    """Why the database would refuse this family as one of ``supplier_code``'s, or None when
    it can be written."""
    declared = rows.product[1]
    if declared != supplier_code:
        return f"family {rows.sku} belongs to supplier {declared}, not {supplier_code}"
    return rows.refusal


def _refusal(product: Row, variants: list[Row], tiers: list[Row]) -> str | None:
    if not product[0]:
        return "family without a SKU"
    reason = _too_long("products", product, _PRODUCT_LIMITS)
    if reason:
        return reason
    seen: set[str] = set()
    for variant in variants:
        sku = variant[0]
        if not sku:
            return "variant without a SKU"
        if sku in seen:
            return f"variant SKU {sku} occurs twice in the family"
        seen.add(sku)
        reason = _too_long("product_variants", variant, _VARIANT_LIMITS)
        if reason:
            return reason
    return _tiers_problem(tiers) if tiers else None


def _tiers_problem(tiers: list[Row]) -> str | None:
    """Checked per distinct value: a family has thousands of tiers but few regions."""
    kinds = {tier[2] for tier in tiers}
    if not kinds <= set(t.PRICE_KINDS):
        odd = sorted(map(repr, kinds - set(t.PRICE_KINDS)))
        return f"price tier kind {', '.join(odd)} is neither selling nor buying"
    for position, name, limit in _TIER_LIMITS:
        if name in ("variant_sku", "product_sku", "kind"):
            continue  # checked with the variant and the product
        values = {tier[position] for tier in tiers}
        if name == "region" and None in values:
            return "price tier without a region"
        if any("\x00" in v for v in values if v is not None):
            return f"price_tiers.{name} holds a NUL character, which PostgreSQL cannot store"
        longest = max((v for v in values if v is not None), key=len, default="")
        if len(longest) > limit:
            size = len(longest)
            return f"price_tiers.{name} {longest!r:.80} is {size} characters long (max {limit})"
    quantities = [tier[3] for tier in tiers]
    if None in quantities:
        return "price tier without a minimum quantity"
    if min(quantities) < -INT32 or max(quantities) >= INT32:
        return "price tier minimum quantity out of range"
    prices = [tier[4] for tier in tiers if tier[4] is not None]
    if prices and not all(map(Decimal.is_finite, prices)):
        return "price tier price is not a number"
    if prices and max(max(prices), -min(prices)) >= t.MONEY_LIMIT:
        return f"price tier price out of range ({min(prices)} … {max(prices)})"
    if len({tier[:4] for tier in tiers}) != len(tiers):
        return "a price tier (variant, region, kind, quantity) occurs twice"
    return None
