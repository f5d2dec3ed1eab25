"""``ChildProducts``: the variants, with what they inherit from the parent product."""

from __future__ import annotations

from typing import Any

from promosync_pipeline.promidata.decoration import OptionCache, read_positions
from promosync_pipeline.promidata.details import (
    DETAILS_KEY,
    ChildDetails,
    ParentDetails,
    child_details_rest,
    read_child_details,
    read_parent_details,
)
from promosync_pipeline.promidata.facts import (
    FACTS_KEY,
    same_text,
    variant_facts,
    variant_facts_rest,
)
from promosync_pipeline.promidata.models import ImprintPosition, JsonObject, Variant
from promosync_pipeline.promidata.prices import Prices, read_prices
from promosync_pipeline.promidata.reader import Field, Reader, text_at
from promosync_pipeline.promidata.residue import pruned, rest

PRICES_KEY = "ProductPriceCountryBased"
POSITIONS_KEY = "ImprintPositions"
_CHILD_TYPED = frozenset(
    ("Sku", "SupplierSku", "Ean", "ANumber", DETAILS_KEY, FACTS_KEY, PRICES_KEY, POSITIONS_KEY)
)


class Parent:
    """The parent product: what its variants inherit, and which of it they took."""

    def __init__(self, reader: Reader, root: dict[str, Any], code: str) -> None:
        self.reader = reader
        self.code = code
        self.facts = reader.obj(root.get(FACTS_KEY), FACTS_KEY)
        self.family_facts = {
            "Brand": text_at(reader, self.facts, "Brand", FACTS_KEY),
            "Category": text_at(reader, self.facts, "Category", FACTS_KEY),
        }
        self.details: ParentDetails = read_parent_details(reader, root.get(DETAILS_KEY))
        self.prices: Prices = read_prices(reader, root.get(PRICES_KEY), PRICES_KEY)
        self._positions_value = root.get(POSITIONS_KEY)
        self._positions: tuple[ImprintPosition, ...] | None = None
        self.options: OptionCache = {}
        self.taken_facts: set[str] = set()
        self.prices_taken = self.images_taken = self.positions_taken = False

    def positions(self) -> tuple[ImprintPosition, ...]:
        """The parent's positions, read the first time a variant has none of its own."""
        if self._positions is None:
            self._positions = read_positions(
                self.reader, self._positions_value, POSITIONS_KEY, self.options
            )
        return self._positions


def read_variant(reader: Reader, parent: Parent, raw: Any, index: int) -> Variant:
    field: Field = ("ChildProducts", index)
    child = raw if type(raw) is dict else reader.obj(raw, field)
    sku = reader.required_text(child.get("Sku"), (field, "Sku"))
    facts = child.get(FACTS_KEY)
    if type(facts) is not dict:
        facts = reader.obj(facts, (field, FACTS_KEY))
    values = variant_facts(reader, facts, parent.facts, (field, FACTS_KEY), parent.taken_facts)
    details = read_child_details(reader, child.get(DETAILS_KEY), (field, DETAILS_KEY))
    own = read_prices(reader, child.get(PRICES_KEY), (field, PRICES_KEY))
    positions = read_positions(
        reader, child.get(POSITIONS_KEY), (field, POSITIONS_KEY), parent.options
    )
    prices = own if own.tiers else parent.prices
    parent.prices_taken = parent.prices_taken or not own.tiers
    parent.images_taken = parent.images_taken or not details.images
    if not positions:
        positions = parent.positions()
        parent.positions_taken = parent.positions_taken or bool(positions)
    return Variant(
        sku=sku,
        supplier_sku=text_at(reader, child, "SupplierSku", field),
        ean=text_at(reader, child, "Ean", field),
        color_label=details.color_label,
        size=details.size,
        is_active=details.is_active,
        price_tiers=prices.tiers,
        price_terms=prices.terms,
        images=details.images or parent.details.images,
        positions=positions,
        attributes=_variant_rest(child, parent, facts, details, own),
        **values,
    )


def _variant_rest(
    child: dict[str, Any],
    parent: Parent,
    facts: dict[str, Any],
    details: ChildDetails,
    own: Prices,
) -> JsonObject:
    """Every value of the child that no field of its variant holds."""
    left = rest(child, _CHILD_TYPED)
    number = child.get("ANumber")
    if number is not None and not same_text(number, parent.code):
        number = pruned(number)
        if number is not None:
            left["ANumber"] = number
    details_left = child_details_rest(child.get(DETAILS_KEY), details, parent.details.texts)
    if details_left:
        left[DETAILS_KEY] = details_left
    facts_left = variant_facts_rest(facts, parent.family_facts)
    if facts_left:
        left[FACTS_KEY] = facts_left
    prices_left = own.rest if own.tiers else pruned(child.get(PRICES_KEY))
    if prices_left:
        left[PRICES_KEY] = prices_left
    return left


def read_variants(reader: Reader, parent: Parent, children: list[Any]) -> tuple[Variant, ...]:
    """``ChildProducts``, each variant SKU once."""
    variants: list[Variant] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(children):
        variant = read_variant(reader, parent, raw, i)
        if variant.sku in seen:
            raise reader.fail(
                (("ChildProducts", i), "Sku"),
                f"variant SKU {variant.sku!r} repeats ChildProducts[{seen[variant.sku]}]",
            )
        seen[variant.sku] = i
        variants.append(variant)
    return tuple(variants)
