"""A family's decoration as catalog rows: print positions, their options and charges, and the
price tiers of both.

Decoration lives on the variants, and every variant of a family usually offers the same: then
it is stored once, with ``variant_sku`` NULL on its positions; otherwise each variant's own rows
carry its SKU. The print-area pictures differ per colour and are not compared: they are image
references of their variant (``rows.image_refs``).

Ids are derived from the family's SKU and the feed's codes, so a family rewritten with the same
decoration keeps its ids, and the rows need no round trip for generated keys.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from promosync_pipeline.catalog.copy_text import ImprintPriceRow
from promosync_pipeline.promidata import Family
from promosync_pipeline.promidata.models import (
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    JsonObject,
    LocalText,
    OrderTerms,
    PriceTier,
)


class PositionRow(NamedTuple):
    """An ``imprint_positions`` row."""

    id: int
    product_sku: str
    variant_sku: str | None
    """None when every variant of the family offers this position as it is."""
    position_code: str | None
    supplier_position_code: str | None
    name: LocalText
    description: LocalText
    max_print_area: str | None
    sort_order: int
    attributes: JsonObject


class OptionRow(NamedTuple):
    """An ``imprint_options`` row: a print technique offered at a position."""

    id: int
    position_id: int
    option_sku: str | None
    supplier_sku: str | None
    supplier_print_code: str | None
    name: LocalText
    description: LocalText
    colors: str | None
    width_mm: float | None
    height_mm: float | None
    depth_mm: float | None
    diameter_mm: float | None
    order_terms: JsonObject
    sort_order: int
    attributes: JsonObject
    product_sku: str


class ChargeRow(NamedTuple):
    """An ``imprint_charges`` row: a one-time or fixed cost of an option."""

    id: int
    option_id: int
    charge_sku: str | None
    supplier_sku: str | None
    name: LocalText
    description: LocalText
    calculation_type: str | None
    calculation_amount: Decimal | None
    requirement: JsonObject | None
    order_terms: JsonObject
    sort_order: int
    attributes: JsonObject
    product_sku: str


@dataclass
class DecorationRows:
    positions: list[PositionRow] = field(default_factory=list)
    options: list[OptionRow] = field(default_factory=list)
    charges: list[ChargeRow] = field(default_factory=list)
    prices: list[ImprintPriceRow] = field(default_factory=list)


def row_id(*parts: str) -> int:
    """A positive 63-bit id of the parts (BLAKE2b: stable across processes and versions)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def offers(family: Family) -> list[tuple[str | None, tuple[ImprintPosition, ...]]]:
    """``[(None, positions)]`` when every variant offers the same positions (pictures aside),
    else each variant's own: ``[(variant SKU, its positions), …]`` (variants without any left
    out)."""
    own = [(v.sku, v.positions) for v in family.variants]
    first = _shape(own[0][1])
    if all(_shape(positions) == first for _, positions in own[1:]):
        return [(None, own[0][1])] if own[0][1] else []
    return [(sku, positions) for sku, positions in own if positions]


def _shape(positions: tuple[ImprintPosition, ...]) -> tuple[ImprintPosition, ...]:
    """Positions without their pictures: what variants must share to share their rows."""
    return tuple(dataclasses.replace(p, images=()) for p in positions)


def decoration_rows(family: Family) -> DecorationRows:
    rows = DecorationRows()
    for variant_sku, positions in offers(family):
        seen: Counter[str] = Counter()
        for order, position in enumerate(positions):
            code = position.code or ""
            pid = row_id(family.sku, variant_sku or "", "position", code, str(seen[code]))
            seen[code] += 1
            rows.positions.append(_position_row(family.sku, variant_sku, pid, order, position))
            _add_options(rows, family.sku, pid, position.options)
    return rows


def _position_row(
    product_sku: str, variant_sku: str | None, pid: int, order: int, p: ImprintPosition
) -> PositionRow:
    return PositionRow(
        pid,
        product_sku,
        variant_sku,
        p.code,
        p.supplier_code,
        p.name,
        p.description,
        p.max_print_area,
        order,
        p.attributes,
    )


def _add_options(
    rows: DecorationRows, product_sku: str, pid: int, options: Sequence[ImprintOption]
) -> None:
    seen: Counter[str] = Counter()
    for order, o in enumerate(options):
        sku = o.sku or ""
        oid = row_id(str(pid), "option", sku, str(seen[sku]))
        seen[sku] += 1
        rows.options.append(
            OptionRow(
                oid, pid, o.sku, o.supplier_sku, o.print_code, o.name, o.description, o.colors,
                o.width_mm, o.height_mm, o.depth_mm, o.diameter_mm, order_terms(o.terms), order,
                o.attributes, product_sku,
            )
        )  # fmt: skip
        rows.prices.extend(_prices(oid, oid, None, o.prices, product_sku))
        _add_charges(rows, product_sku, oid, o.charges)


def _add_charges(
    rows: DecorationRows, product_sku: str, oid: int, charges: Sequence[ImprintCharge]
) -> None:
    seen: Counter[str] = Counter()
    for order, c in enumerate(charges):
        sku = c.sku or ""
        cid = row_id(str(oid), "charge", sku, str(seen[sku]))
        seen[sku] += 1
        rows.charges.append(
            ChargeRow(
                cid, oid, c.sku, c.supplier_sku, c.name, c.description, c.calculation_type,
                c.calculation_amount, c.requirement, order_terms(c.terms), order, c.attributes,
                product_sku,
            )
        )  # fmt: skip
        rows.prices.extend(_prices(cid, oid, cid, c.prices, product_sku))


def _prices(
    owner: int, oid: int, cid: int | None, tiers: Sequence[PriceTier], product_sku: str
) -> list[ImprintPriceRow]:
    return [
        ImprintPriceRow(
            owner,
            t.region,
            t.kind,
            t.min_quantity,
            oid,
            cid,
            t.price,
            t.currency,
            t.on_request,
            product_sku,
        )
        for t in tiers
    ]


def order_terms(terms: Sequence[OrderTerms]) -> JsonObject:
    """``{region: {min_order_quantity, quantity_increment, vat_percentage, vat_setting_id}}``,
    values left out when the feed gives none."""
    out: JsonObject = {}
    for term in terms:
        values: dict[str, Any] = {
            "min_order_quantity": term.min_order_quantity,
            "quantity_increment": term.quantity_increment,
            "vat_percentage": _number(term.vat_percentage),
            "vat_setting_id": term.vat_setting_id,
        }
        out[term.region] = {k: v for k, v in values.items() if v is not None}
    return out


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)
