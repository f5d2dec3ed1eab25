"""``ProductPriceCountryBased``: the price tiers and order terms of every region's block.

The same reading serves articles, print options and their charges.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from promosync_pipeline.promidata.models import JsonObject, OrderTerms, PriceKind, PriceTier
from promosync_pipeline.promidata.reader import Field, Reader
from promosync_pipeline.promidata.residue import placed, pruned, rest

PRICE_LISTS: tuple[tuple[str, PriceKind], ...] = (
    ("RecommendedSellingPrice", "selling"),
    ("GeneralBuyingPrice", "buying"),
)
TERM_KEYS = ("MinimumOrderQuantity", "QuantityIncrements", "VatPercentage", "VatSettingId")
_BLOCK_KEYS = frozenset([name for name, _ in PRICE_LISTS] + list(TERM_KEYS))
_TIER_KEYS = frozenset(("Price", "Quantity", "OnRequest", "Valuta"))
_TIER_KEYS_BUT_PRICE = _TIER_KEYS - {"Price"}
_CURRENCY_ALIASES = {"EURO": "EUR", "€": "EUR"}
_KNOWN_CURRENCIES: dict[str, str] = {}
"""Raw ``Valuta`` text -> currency code, for the few spellings a feed uses."""

_TierKey = tuple[str, str, int]


class Prices(NamedTuple):
    """One ``ProductPriceCountryBased`` read."""

    tiers: tuple[PriceTier, ...]
    """Every tier of every region, sorted by region, kind and quantity; the first per key."""
    terms: tuple[OrderTerms, ...]
    """The order terms of each region's block that has any, sorted by region."""
    rest: JsonObject | None
    """What no tier or term holds, by region; None when nothing is left."""


NO_PRICES = Prices((), (), None)


def read_prices(reader: Reader, value: Any, field: Field) -> Prices:
    if value is None:
        return NO_PRICES
    regions = value if type(value) is dict else reader.obj(value, field)
    tiers: dict[_TierKey, PriceTier] = {}
    terms: list[OrderTerms] = []
    left: JsonObject | None = None
    for region, block in regions.items():
        if type(block) is not dict:
            if block is None:
                continue
            block = reader.obj(block, (field, region))
        block_left = _block(reader, region, block, (field, region), tiers, terms)
        if block_left:
            if left is None:
                left = {}
            left[region] = block_left
    terms.sort(key=lambda t: t.region)
    return Prices(tuple(tiers[key] for key in sorted(tiers)), tuple(terms), left)


def _block(
    reader: Reader,
    region: str,
    block: dict[str, Any],
    field: Field,
    tiers: dict[_TierKey, PriceTier],
    terms: list[OrderTerms],
) -> JsonObject | None:
    """Reads one region's block into ``tiers`` and ``terms``; returns what is left of it."""
    left: JsonObject = {}
    for name, kind in PRICE_LISTS:
        items = block.get(name)
        if items is not None:
            items_left = _tiers(reader, region, kind, items, (field, name), tiers)
            if items_left is not None:
                left[name] = items_left
    term = _terms(reader, region, block, field)
    if term is not None:
        terms.append(term)
    if block.keys() <= _BLOCK_KEYS:
        return left or None
    others = rest(block, _BLOCK_KEYS)
    others.update(left)
    return others or None


def _tiers(
    reader: Reader,
    region: str,
    kind: PriceKind,
    items: Any,
    field: Field,
    tiers: dict[_TierKey, PriceTier],
) -> list[Any] | None:
    """Reads one tier list into ``tiers``; returns what is left of it (repeated tiers, prices
    of on-request tiers, unknown keys), None when nothing is."""
    if type(items) is not list:
        items = reader.array(items, field)
    left: list[Any] | None = None
    for i, tier in enumerate(items):
        if type(tier) is not dict:
            tier = reader.obj(tier, (field, i))
        # The usual types are read inline; anything else goes through the reader, and only
        # then is the field's path spelled out (it costs more than the value).
        on_request = tier.get("OnRequest", False)
        if type(on_request) is not bool:
            on_request = reader.flag(on_request, ((field, i), "OnRequest"), False)
        price = tier.get("Price")
        if type(price) is float:
            price = Decimal(repr(price))
        else:
            price = reader.decimal(price, ((field, i), "Price"))
        quantity = tier.get("Quantity")
        if type(quantity) is not int or quantity < 0:
            quantity = reader.quantity(quantity, ((field, i), "Quantity"))
        key = (region, kind, quantity)
        leftover = None
        if key in tiers:
            leftover = pruned(tier)
        else:
            tiers[key] = PriceTier(
                region, kind, quantity, None if on_request else price,
                _currency(reader, tier.get("Valuta"), field, i), on_request,
            )  # fmt: skip
            if on_request and price is not None:
                leftover = rest(tier, _TIER_KEYS_BUT_PRICE)
            elif not tier.keys() <= _TIER_KEYS:
                leftover = rest(tier, _TIER_KEYS) or None
        if leftover is not None or left is not None:
            left = placed(left, i, leftover)
    return left


def _currency(reader: Reader, valuta: Any, field: Field, i: int) -> str | None:
    if type(valuta) is str:
        code = _KNOWN_CURRENCIES.get(valuta)
        if code is not None:
            return code
    text = reader.text(valuta, ((field, i), "Valuta"))
    if text is None:
        return None
    upper = text.upper()
    code = _CURRENCY_ALIASES.get(upper, upper)
    if isinstance(valuta, str) and len(_KNOWN_CURRENCIES) < 64:
        _KNOWN_CURRENCIES[valuta] = code
    return code


def _terms(reader: Reader, region: str, block: dict[str, Any], field: Field) -> OrderTerms | None:
    minimum = block.get("MinimumOrderQuantity")
    increment = block.get("QuantityIncrements")
    vat = block.get("VatPercentage")
    setting = block.get("VatSettingId")
    if minimum is None and increment is None and vat is None and setting is None:
        return None
    if type(minimum) is not int or minimum < 0:
        minimum = reader.count(minimum, (field, "MinimumOrderQuantity"))
    if type(increment) is not int or increment < 0:
        increment = reader.count(increment, (field, "QuantityIncrements"))
    vat = Decimal(vat) if type(vat) is int else reader.decimal(vat, (field, "VatPercentage"))
    if type(setting) is int:
        setting = str(setting)
    else:
        setting = reader.text(setting, (field, "VatSettingId"))
    if minimum is None and increment is None and vat is None and setting is None:
        return None
    return OrderTerms(region, minimum, increment, vat, setting)
