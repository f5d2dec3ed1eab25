"""Typed records of the Promidata feed, as promosync stores them.

These are the parser's output and the feed simulator's truth: a generated feed parses back to
exactly the records the generator started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

PriceKind = Literal["selling", "buying"]
ImageRole = Literal["main", "gallery"]
LocalText = dict[str, str]
"""Text per language code, e.g. ``{"de": "Tasche", "en": "Bag"}``; no key without text."""


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One product file listed in Import.txt."""

    supplier_code: str
    sku: str
    """The family SKU the URL names: ``<code>-<supplier sku>`` from ``<code>/<code>-<sku>.json``."""
    url: str
    hash: str
    """The index's hash of the file, upper-cased (compare case-insensitively)."""
    line: int
    """1-based line number in Import.txt, for error messages."""


IndexProblemKind = Literal["malformed", "duplicate_sku", "url_mismatch", "bad_hash", "unsafe_name"]


@dataclass(frozen=True, slots=True)
class IndexProblem:
    """A line of Import.txt that was skipped, and why."""

    line: int
    kind: IndexProblemKind
    message: str
    text: str
    """The offending line, cut to 200 characters."""

    def __str__(self) -> str:
        return f"Import.txt line {self.line}: {self.message}: {self.text!r}"


@dataclass(frozen=True, slots=True)
class IndexReport:
    """Import.txt parsed: the usable entries plus every line that was skipped."""

    entries: list[IndexEntry]
    problems: list[IndexProblem]
    categories_url: str | None = None
    lines_read: int = 0
    truncated: bool = False
    """The text ends in the middle of a line (no line break after it) and that line is
    unusable, or names a hash shorter than the others': the file was cut in transit, and the
    families after the cut are missing, not removed."""

    def by_supplier(self) -> dict[str, list[IndexEntry]]:
        out: dict[str, list[IndexEntry]] = {}
        for entry in self.entries:
            out.setdefault(entry.supplier_code, []).append(entry)
        return out


@dataclass(frozen=True, slots=True)
class Category:
    """One row of CAT.csv."""

    code: str
    parent_code: str | None
    name: LocalText
    sort_order: int | None


@dataclass(frozen=True, slots=True)
class PriceTier:
    """One price tier: from ``min_quantity`` pieces on, ``price`` per piece.

    ``price`` is None for on-request tiers without a usable price.
    """

    region: str
    kind: PriceKind
    min_quantity: int
    price: Decimal | None
    currency: str | None
    on_request: bool


@dataclass(frozen=True, slots=True)
class ImageRef:
    """One distinct source image of a variant, in feed order within its role."""

    url: str
    role: ImageRole
    position: int
    """0 for the main image; 0, 1, 2 … for gallery images in feed order."""
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    """One orderable article (a child of ``ChildProducts``)."""

    sku: str
    supplier_sku: str | None
    ean: str | None
    color: str | None
    """``SearchColor``; None when absent or ``Undefined``."""
    color_label: LocalText
    """The localised ``ConfigurationFields`` value named ``Color``."""
    hex_color: str | None
    size: str | None
    """The ``Size`` configuration value (first language that has one)."""
    weight_g: float | None
    length_mm: float | None
    width_mm: float | None
    height_mm: float | None
    diameter_mm: float | None
    is_active: bool
    price_tiers: tuple[PriceTier, ...]
    """Own tiers, or the family's when it has none; sorted by region, kind, quantity."""
    images: tuple[ImageRef, ...]
    """Main image first, then gallery; deduplicated across languages."""


@dataclass(frozen=True, slots=True)
class Family:
    """One product file: the parent product and its variants, keyed by the parent ``Sku``."""

    sku: str
    supplier_code: str
    supplier_sku: str | None
    ean: str | None
    brand: str | None
    category_code: str | None
    """Last segment of ``category_path``."""
    category_path: str | None
    name: LocalText
    description: LocalText
    short_description: LocalText
    material: LocalText
    variants: tuple[Variant, ...]
    languages: tuple[str, ...] = field(default=())

    @property
    def selling_prices(self) -> list[Decimal]:
        return [
            tier.price
            for variant in self.variants
            for tier in variant.price_tiers
            if tier.kind == "selling" and tier.price is not None and not tier.on_request
        ]

    @property
    def price_min(self) -> Decimal | None:
        prices = self.selling_prices
        return min(prices) if prices else None

    @property
    def price_max(self) -> Decimal | None:
        prices = self.selling_prices
        return max(prices) if prices else None

    @property
    def currency(self) -> str | None:
        """Currency of the selling tiers (the most frequent one when several occur)."""
        counts: dict[str, int] = {}
        for variant in self.variants:
            for tier in variant.price_tiers:
                if tier.kind == "selling" and tier.currency:
                    counts[tier.currency] = counts.get(tier.currency, 0) + 1
        return max(sorted(counts), key=lambda c: counts[c]) if counts else None

    @property
    def price_tier_count(self) -> int:
        return sum(len(v.price_tiers) for v in self.variants)

    def image_urls(self) -> list[str]:
        """Distinct image URLs of the family, in first-seen order."""
        seen: dict[str, None] = {}
        for variant in self.variants:
            for image in variant.images:
                seen.setdefault(image.url, None)
        return list(seen)
