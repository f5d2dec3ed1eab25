"""``ImprintPositions``: where an article can be printed, with which techniques, at what price.

Every variant repeats its positions, usually identical to its siblings' but for the picture of
the print area, and a supplier's print options recur in many of its families. So an option is
read once per process for each distinct JSON text of it (compared exactly, keys in the same
order), and an array of options once per file: the variants that repeat it share its tuple.
"""

from __future__ import annotations

from typing import Any

import orjson

from promosync_pipeline.promidata.models import (
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    JsonObject,
)
from promosync_pipeline.promidata.prices import read_prices
from promosync_pipeline.promidata.reader import (
    Field,
    Reader,
    decimal_at,
    size_at,
    text_at,
)
from promosync_pipeline.promidata.residue import pruned, rest
from promosync_pipeline.promidata.texts import ImageSet, named_texts

OptionCache = dict[tuple[bytes, ...], tuple[ImprintOption, ...]]
"""The option arrays read so far in a file, by the JSON of their options."""
_KNOWN_OPTIONS: dict[bytes, ImprintOption] = {}
_KNOWN_OPTIONS_LIMIT = 1024

_POSITION_KEYS = frozenset(
    ("PositionCode", "SupplierPositionCode", "ImprintLocationTexts", "UnstructuredInformation",
     "ImprintOptions")
)  # fmt: skip
_OPTION_KEYS = frozenset(
    ("Sku", "SupplierSku", "SupplierPrintCode", "ImprintTexts", "FastEditorNumberOfColors",
     "DimensionsWidth", "DimensionsHeight", "DimensionsDepth", "DimensionsDiameter",
     "ProductPriceCountryBased", "ImprintCosts")
)  # fmt: skip
_CHARGE_KEYS = frozenset(
    ("Sku", "SupplierSku", "Texts", "CalculationType", "CalculationAmount", "Requirement",
     "ProductPriceCountryBased")
)  # fmt: skip
_MAX_PRINT_AREA = frozenset(("MaxPrintArea",))


def read_positions(
    reader: Reader, value: Any, field: Field, cache: OptionCache
) -> tuple[ImprintPosition, ...]:
    """The positions of an ``ImprintPositions`` array (null elements skipped)."""
    if value is None:
        return ()
    items = value if type(value) is list else reader.array(value, field)
    positions = []
    for i, item in enumerate(items):
        if item is None:
            continue
        if type(item) is not dict:
            item = reader.obj(item, (field, i))
        positions.append(_position(reader, item, (field, i), cache))
    return tuple(positions)


def _position(
    reader: Reader, raw: dict[str, Any], field: Field, cache: OptionCache
) -> ImprintPosition:
    images = ImageSet()
    name, description, texts_left = named_texts(
        reader, raw.get("ImprintLocationTexts"), (field, "ImprintLocationTexts"), images
    )
    info = raw.get("UnstructuredInformation")
    max_print_area = None
    info_left = None
    if info is not None:
        if type(info) is not dict:
            info = reader.obj(info, (field, "UnstructuredInformation"))
        max_print_area = text_at(reader, info, "MaxPrintArea", (field, "UnstructuredInformation"))
        info_left = rest(info, _MAX_PRINT_AREA)
    attributes = rest(raw, _POSITION_KEYS)
    if texts_left:
        attributes["ImprintLocationTexts"] = texts_left
    if info_left:
        attributes["UnstructuredInformation"] = info_left
    return ImprintPosition(
        code=text_at(reader, raw, "PositionCode", field),
        supplier_code=text_at(reader, raw, "SupplierPositionCode", field),
        name=name,
        description=description,
        max_print_area=max_print_area,
        images=tuple(images.refs("imprint")),
        options=_options(reader, raw.get("ImprintOptions"), (field, "ImprintOptions"), cache),
        attributes=attributes,
    )


def _options(
    reader: Reader, value: Any, field: Field, cache: OptionCache
) -> tuple[ImprintOption, ...]:
    if value is None:
        return ()
    items = value if type(value) is list else reader.array(value, field)
    if not all(type(item) is dict or item is None for item in items):
        return tuple(  # fails naming the element that is not an object
            _option(reader, reader.obj(item, (field, i)), (field, i))
            for i, item in enumerate(items)
            if item is not None
        )
    texts = tuple(orjson.dumps(item) for item in items if item is not None)
    options = cache.get(texts)
    if options is None:
        present = [(i, item) for i, item in enumerate(items) if item is not None]
        options = cache[texts] = tuple(
            _known_option(reader, text, item, (field, i))
            for text, (i, item) in zip(texts, present, strict=True)
        )
    return options


def _known_option(reader: Reader, text: bytes, raw: dict[str, Any], field: Field) -> ImprintOption:
    """The option whose JSON is ``text``: read once per process (a supplier's print options
    recur, identical, in many of its families)."""
    option = _KNOWN_OPTIONS.get(text)
    if option is None:
        option = _option(reader, raw, field)
        if len(_KNOWN_OPTIONS) >= _KNOWN_OPTIONS_LIMIT:
            _KNOWN_OPTIONS.clear()
        _KNOWN_OPTIONS[text] = option
    return option


def _option(reader: Reader, raw: dict[str, Any], field: Field) -> ImprintOption:
    name, description, texts_left = named_texts(
        reader, raw.get("ImprintTexts"), (field, "ImprintTexts")
    )
    prices = read_prices(
        reader, raw.get("ProductPriceCountryBased"), (field, "ProductPriceCountryBased")
    )
    attributes = _attributes(raw, _OPTION_KEYS, texts_left, "ImprintTexts", prices.rest)
    return ImprintOption(
        sku=text_at(reader, raw, "Sku", field),
        supplier_sku=text_at(reader, raw, "SupplierSku", field),
        print_code=text_at(reader, raw, "SupplierPrintCode", field),
        name=name,
        description=description,
        colors=text_at(reader, raw, "FastEditorNumberOfColors", field),
        width_mm=size_at(reader, raw, "DimensionsWidth", field),
        height_mm=size_at(reader, raw, "DimensionsHeight", field),
        depth_mm=size_at(reader, raw, "DimensionsDepth", field),
        diameter_mm=size_at(reader, raw, "DimensionsDiameter", field),
        prices=prices.tiers,
        terms=prices.terms,
        charges=_charges(reader, raw.get("ImprintCosts"), (field, "ImprintCosts")),
        attributes=attributes,
    )


def _charges(reader: Reader, value: Any, field: Field) -> tuple[ImprintCharge, ...]:
    if value is None:
        return ()
    items = value if type(value) is list else reader.array(value, field)
    return tuple(
        _charge(reader, item if type(item) is dict else reader.obj(item, (field, i)), (field, i))
        for i, item in enumerate(items)
        if item is not None
    )


def _charge(reader: Reader, raw: dict[str, Any], field: Field) -> ImprintCharge:
    name, description, texts_left = named_texts(reader, raw.get("Texts"), (field, "Texts"))
    prices = read_prices(
        reader, raw.get("ProductPriceCountryBased"), (field, "ProductPriceCountryBased")
    )
    requirement = raw.get("Requirement")
    if requirement is not None:
        if type(requirement) is not dict:
            requirement = reader.obj(requirement, (field, "Requirement"))
        requirement = pruned(requirement)
    return ImprintCharge(
        sku=text_at(reader, raw, "Sku", field),
        supplier_sku=text_at(reader, raw, "SupplierSku", field),
        name=name,
        description=description,
        calculation_type=text_at(reader, raw, "CalculationType", field),
        calculation_amount=decimal_at(reader, raw, "CalculationAmount", field),
        requirement=requirement,
        prices=prices.tiers,
        terms=prices.terms,
        attributes=_attributes(raw, _CHARGE_KEYS, texts_left, "Texts", prices.rest),
    )


def _attributes(
    raw: dict[str, Any],
    taken: frozenset[str],
    texts_left: JsonObject | None,
    texts_key: str,
    prices_left: JsonObject | None,
) -> JsonObject:
    attributes = rest(raw, taken)
    if texts_left:
        attributes[texts_key] = texts_left
    if prices_left:
        attributes["ProductPriceCountryBased"] = prices_left
    return attributes
