"""``NonLanguageDependedProductDetails``: colour, measures and logistics of a variant.

A child's null value falls back to the parent's; a parent value that no child fell back to
stays in the family's attributes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from promosync_pipeline.promidata.errors import ProductParseError
from promosync_pipeline.promidata.models import JsonObject
from promosync_pipeline.promidata.reader import Field, Reader
from promosync_pipeline.promidata.residue import pruned, rest

FACTS_KEY = "NonLanguageDependedProductDetails"
UNDEFINED_COLOR = "undefined"


def _text(reader: Reader, value: Any, field: Field) -> str | None:
    if type(value) is str:
        return value.strip() or None
    return reader.text(value, field)


def _color(reader: Reader, value: Any, field: Field) -> str | None:
    """``SearchColor``; ``Undefined`` means none."""
    color = _text(reader, value, field)
    return None if color is None or color.lower() == UNDEFINED_COLOR else color


def _number(reader: Reader, value: Any, field: Field) -> float | None:
    kind = type(value)
    if kind is float:
        return value
    if kind is int:
        return float(value)
    return reader.number(value, field)


def _size(reader: Reader, value: Any, field: Field) -> float | None:
    """A carton figure: 0 means unknown."""
    return _number(reader, value, field) or None


def _pieces(reader: Reader, value: Any, field: Field) -> int | None:
    if type(value) is int and value >= 0:
        return value or None
    return reader.count(value, field) or None


_Read = Callable[[Reader, Any, Field], Any]
VARIANT_FACTS: tuple[tuple[str, str, _Read], ...] = (
    ("SearchColor", "color", _color),
    ("HexColor", "hex_color", _text),
    ("Weight", "weight_g", _number),
    ("DimensionsLength", "length_mm", _number),
    ("DimensionsWidth", "width_mm", _number),
    ("DimensionsHeight", "height_mm", _number),
    ("DimensionsDiameter", "diameter_mm", _number),
    ("CountryOfOrigin", "country_of_origin", _text),
    ("CustomsTariffNumber", "customs_tariff_number", _text),
    ("OuterCartonLengthCM", "carton_length_cm", _size),
    ("OuterCartonWidthCM", "carton_width_cm", _size),
    ("OuterCartonHeightCM", "carton_height_cm", _size),
    ("OuterCartonWeightNetKG", "carton_weight_net_kg", _size),
    ("OuterCartonWeightGrossKG", "carton_weight_gross_kg", _size),
    ("OuterCartonQuantityPerCarton", "carton_quantity", _pieces),
)
"""Key in the file, field of :class:`Variant`, reading."""
FAMILY_FACTS = ("Brand", "Category")
_TYPED = frozenset([key for key, _, _ in VARIANT_FACTS] + list(FAMILY_FACTS))


def same_text(value: Any, text: str | None) -> bool:
    """Whether ``value`` is a string that reads as ``text``."""
    return type(value) is str and (value.strip() or None) == text


def variant_facts(
    reader: Reader, own: dict[str, Any], parent: dict[str, Any], field: Field, taken: set[str]
) -> dict[str, Any]:
    """The variant's facts by field name; adds to ``taken`` the keys it took from ``parent``."""
    values: dict[str, Any] = {}
    for key, name, read in VARIANT_FACTS:
        value = own.get(key)
        where: Field = (field, key)
        if value is None:
            value = parent.get(key)
            if value is None:
                values[name] = None
                continue
            taken.add(key)
            where = (FACTS_KEY, key)
        values[name] = read(reader, value, where)
    return values


def variant_facts_rest(own: dict[str, Any], family: dict[str, str | None]) -> JsonObject:
    """What no field of the variant holds; ``Brand`` and ``Category`` are the family's
    (``family``) unless they differ."""
    left = rest(own, _TYPED)
    for key in FAMILY_FACTS:
        value = own.get(key)
        if value is not None and not same_text(value, family[key]):
            value = pruned(value)
            if value is not None:
                left[key] = value
    return left


def family_facts_rest(reader: Reader, facts: dict[str, Any], taken: set[str]) -> JsonObject:
    """What is left of the parent's facts: the untyped ones, and each variant fact that no
    variant took and that reads as a value."""
    left = rest(facts, _TYPED)
    for key, _, read in VARIANT_FACTS:
        value = facts.get(key)
        if value is None or key in taken:
            continue
        try:
            blank = read(reader, value, key) is None
        except ProductParseError:
            blank = False
        if not blank:
            value = pruned(value)
            if value is not None:
                left[key] = value
    return left
