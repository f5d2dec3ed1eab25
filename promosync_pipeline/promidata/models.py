"""Typed records of the Promidata feed, as promosync stores them.

These are the parser's output and the feed simulator's truth: a generated feed parses back to
exactly the records the generator started from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

PriceKind = Literal["selling", "buying"]
ImageRole = Literal["main", "gallery", "imprint"]
LocalText = dict[str, str]
"""Text per language code, e.g. ``{"de": "Tasche", "en": "Bag"}``; no key without text."""
JsonObject = dict[str, Any]
"""A JSON object as the feed gives it: same keys, same nesting, same JSON types, with ``null``,
``{}`` and ``[]`` left out (and objects left empty by that). In an array, an element of which
nothing is left stays as ``{}`` (or ``null``) so that the others keep their positions."""


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
    """0 for the main image; 0, 1, 2 … for gallery and imprint images in feed order."""
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class OrderTerms:
    """The order terms of one price block (``ProductPriceCountryBased.<region>``)."""

    region: str
    min_order_quantity: int | None
    """``MinimumOrderQuantity``: the least a customer may order."""
    quantity_increment: int | None
    """``QuantityIncrements``: orders are a multiple of this (1 = any quantity)."""
    vat_percentage: Decimal | None
    """``VatPercentage`` (0 = the prices exclude VAT)."""
    vat_setting_id: str | None
    """``VatSettingId`` as text (``"1"``)."""


@dataclass(frozen=True, slots=True)
class ImprintCharge:
    """A one-time or fixed cost of a print option (``ImprintOptions[].ImprintCosts[]``)."""

    sku: str | None
    supplier_sku: str | None
    name: LocalText
    """``Texts.{lang}.Name`` ("Setup costs")."""
    description: LocalText
    calculation_type: str | None
    """``CalculationType`` as given: ``Unique`` (once per order line), ``PerColor`` …"""
    calculation_amount: Decimal | None
    requirement: JsonObject | None
    """``Requirement`` as given (``{"Operator": "Always", "Amount": 0}``); None when null."""
    prices: tuple[PriceTier, ...]
    """Its ``ProductPriceCountryBased`` tiers, sorted by region, kind, quantity."""
    terms: tuple[OrderTerms, ...]
    """The order terms of its price blocks, sorted by region."""
    attributes: JsonObject = field(default_factory=dict)
    """Everything else it carries, at its JSON path relative to the charge."""


@dataclass(frozen=True, slots=True)
class ImprintOption:
    """A print technique offered at a position (``ImprintPositions[].ImprintOptions[]``)."""

    sku: str | None
    supplier_sku: str | None
    print_code: str | None
    """``SupplierPrintCode``: the technique group (some suppliers only)."""
    name: LocalText
    """``ImprintTexts.{lang}.Name`` ("Screen print 1 colour")."""
    description: LocalText
    colors: str | None
    """``FastEditorNumberOfColors`` as text: ``"1"``, ``"full-color"``."""
    width_mm: float | None
    """``DimensionsWidth`` of the print area; None when absent or 0 (unknown)."""
    height_mm: float | None
    depth_mm: float | None
    diameter_mm: float | None
    prices: tuple[PriceTier, ...]
    """The print price per piece, sorted by region, kind, quantity."""
    terms: tuple[OrderTerms, ...]
    charges: tuple[ImprintCharge, ...]
    """``ImprintCosts`` in feed order."""
    attributes: JsonObject = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImprintPosition:
    """Where on the article a print goes, and how (``ChildProducts[].ImprintPositions[]``)."""

    code: str | None
    """``PositionCode`` (``item front_150x150mm``, ``LOC_1269407534``)."""
    supplier_code: str | None
    """``SupplierPositionCode``."""
    name: LocalText
    """``ImprintLocationTexts.{lang}.Name``."""
    description: LocalText
    max_print_area: str | None
    """``UnstructuredInformation.MaxPrintArea`` ("150 x 150 mm")."""
    images: tuple[ImageRef, ...]
    """Pictures of the print area (role ``imprint``), deduplicated across languages."""
    options: tuple[ImprintOption, ...]
    """``ImprintOptions`` in feed order."""
    attributes: JsonObject = field(default_factory=dict)


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
    country_of_origin: str | None = None
    """``CountryOfOrigin`` as given: ISO 3166 alpha-2 (``CN``) or alpha-3 (``CHN``)."""
    customs_tariff_number: str | None = None
    """``CustomsTariffNumber`` (HS code) as text."""
    carton_length_cm: float | None = None
    """``OuterCartonLengthCM``; the six carton figures are None when absent or 0."""
    carton_width_cm: float | None = None
    carton_height_cm: float | None = None
    carton_weight_net_kg: float | None = None
    carton_weight_gross_kg: float | None = None
    carton_quantity: int | None = None
    """``OuterCartonQuantityPerCarton``: pieces per shipping carton."""
    price_terms: tuple[OrderTerms, ...] = ()
    """Order terms of the own price blocks, or the family's when the variant inherits its
    tiers; sorted by region."""
    positions: tuple[ImprintPosition, ...] = ()
    """Own print positions, or the family's when the variant has none of its own."""
    attributes: JsonObject = field(default_factory=dict)
    """Every value of the child that no field above holds, at its JSON path in the child."""


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
    attributes: JsonObject = field(default_factory=dict)
    """Every value of the file outside ``ChildProducts`` that no field above holds (nor a
    variant, through inheritance), at its JSON path in the file."""

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
