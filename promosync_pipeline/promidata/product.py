"""One product JSON file -> one :class:`Family`.

The reader is strict about structure and lenient about representation: a number sent as a
string (``"12,5"``) is read as a number, ``null`` is an absent value, but an object where text
is expected, a missing parent ``Sku`` or an empty ``ChildProducts`` is a
:class:`ProductParseError` that names the file and the JSON path of the value.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from promosync_pipeline.promidata.errors import ProductParseError
from promosync_pipeline.promidata.models import (
    Family,
    ImageRef,
    LocalText,
    PriceKind,
    PriceTier,
    Variant,
)

UNDEFINED_COLOR = "undefined"
_PRICE_LISTS: tuple[tuple[str, PriceKind], ...] = (
    ("RecommendedSellingPrice", "selling"),
    ("GeneralBuyingPrice", "buying"),
)
_CURRENCY_ALIASES = {"EURO": "EUR", "€": "EUR"}
_DIMENSIONS = (
    ("DimensionsLength", "length_mm"),
    ("DimensionsWidth", "width_mm"),
    ("DimensionsHeight", "height_mm"),
    ("DimensionsDiameter", "diameter_mm"),
)


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


class _Reader:
    """Typed access to raw JSON values; every failure names ``source`` and the field path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, reason: str) -> ProductParseError:
        return ProductParseError(self.source, reason, field)

    def obj(self, value: Any, field: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(field, f"expected an object, got {_type_name(value)}")
        return value

    def array(self, value: Any, field: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(field, f"expected an array, got {_type_name(value)}")
        return value

    def text(self, value: Any, field: str) -> str | None:
        """A string, stripped; numbers become their decimal text (EANs, SKUs); '' is None."""
        if type(value) is str:
            return value.strip() or None
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        raise self.fail(field, f"expected text, got {_type_name(value)}")

    def required_text(self, value: Any, field: str) -> str:
        text = self.text(value, field)
        if text is None:
            raise self.fail(field, "missing" if value is None else "empty")
        return text

    def decimal(self, value: Any, field: str) -> Decimal | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.fail(field, "expected a number, got boolean")
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                number = Decimal(value.strip().replace(",", "."))
            except InvalidOperation:
                raise self.fail(field, f"expected a number, got {value[:40]!r}") from None
            if number.is_finite():
                return number
            raise self.fail(field, f"expected a finite number, got {value[:40]!r}")
        raise self.fail(field, f"expected a number, got {_type_name(value)}")

    def number(self, value: Any, field: str) -> float | None:
        if type(value) is float:
            return value
        number = self.decimal(value, field)
        return None if number is None else float(number)

    def quantity(self, value: Any, field: str) -> int:
        number = self.decimal(value, field)
        if number is None:
            raise self.fail(field, "missing")
        if number != number.to_integral_value() or number < 0:
            raise self.fail(field, f"expected a whole non-negative quantity, got {value!r}")
        return int(number)

    def flag(self, value: Any, field: str, default: bool) -> bool:
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return value != 0
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", ""):
            return value.strip().lower() in ("true", "1")
        raise self.fail(field, f"expected true or false, got {value!r:.40}")


def _load(data: bytes | str, source: str) -> Any:
    if not data or (isinstance(data, bytes) and not data.strip()):
        raise ProductParseError(source, "empty file")
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if isinstance(data, bytes):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise ProductParseError(
                    source, f"invalid UTF-8 at byte {bad.start}: {bad.reason}"
                ) from None
        raise ProductParseError(source, f"invalid JSON: {exc}") from None


_KNOWN_CURRENCIES: dict[str, str] = {}
"""Raw ``Valuta`` text -> currency code, for the few spellings a feed uses."""


def _items(reader: _Reader, value: Any, field: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of the JSON array ``value`` (``field``), with their positions."""
    items = value if type(value) is list else reader.array(value, field)
    for i, item in enumerate(items):
        yield i, item if type(item) is dict else reader.obj(item, f"{field}[{i}]")


def _item_text(
    reader: _Reader,
    item: dict[str, Any],
    key: str,
    field: str,
    i: int,
    label: str | None = None,
) -> str | None:
    """Text of ``item[key]``, ``item`` being ``field[i]``; ``label`` names the key in errors."""
    value = item.get(key)
    if type(value) is str:
        return value.strip() or None
    return reader.text(value, f"{field}[{i}].{label or key}")


def _currency(reader: _Reader, value: Any, field: str) -> str | None:
    text = reader.text(value, field)
    if text is None:
        return None
    upper = text.upper()
    code = _CURRENCY_ALIASES.get(upper, upper)
    if isinstance(value, str) and len(_KNOWN_CURRENCIES) < 64:
        _KNOWN_CURRENCIES[value] = code
    return code


def _price_tiers(reader: _Reader, value: Any, field: str) -> tuple[PriceTier, ...]:
    """Every tier of every region in ``ProductPriceCountryBased``, sorted, first one per key."""
    tiers: dict[tuple[str, str, int], PriceTier] = {}
    for region, block in reader.obj(value, field).items():
        block_field = f"{field}.{region}"
        block = reader.obj(block, block_field)
        for list_name, kind in _PRICE_LISTS:
            list_field = f"{block_field}.{list_name}"
            for i, tier in _items(reader, block.get(list_name), list_field):
                # The usual types are read inline; anything else goes through the reader, and
                # only then is the field's path spelled out (it costs more than the value).
                on_request = tier.get("OnRequest", False)
                if type(on_request) is not bool:
                    on_request = reader.flag(on_request, f"{list_field}[{i}].OnRequest", False)
                price = tier.get("Price")
                if type(price) is float:
                    price = Decimal(repr(price))
                else:
                    price = reader.decimal(price, f"{list_field}[{i}].Price")
                min_quantity = tier.get("Quantity")
                if type(min_quantity) is not int or min_quantity < 0:
                    min_quantity = reader.quantity(min_quantity, f"{list_field}[{i}].Quantity")
                key = (region, kind, min_quantity)
                if key not in tiers:
                    valuta = tier.get("Valuta")
                    currency = _KNOWN_CURRENCIES.get(valuta) if type(valuta) is str else None
                    if currency is None:
                        currency = _currency(reader, valuta, f"{list_field}[{i}].Valuta")
                    tiers[key] = PriceTier(
                        region=region,
                        kind=kind,
                        min_quantity=min_quantity,
                        price=None if on_request else price,
                        currency=currency,
                        on_request=on_request,
                    )
    return tuple(tiers[key] for key in sorted(tiers))


def _images(
    reader: _Reader, details: dict[str, dict[str, Any]], field: str
) -> tuple[ImageRef, ...]:
    """Main then gallery images over every language, first occurrence of each URL kept."""
    main: dict[str, str | None] = {}
    gallery: dict[str, str | None] = {}
    for lang, block in details.items():
        lang_field = f"{field}.{lang}"
        image = block.get("Image")
        if type(image) is not dict:
            image = reader.obj(image, f"{lang_field}.Image")
        url = reader.text(image.get("Url"), f"{lang_field}.Image.Url")
        if url and url not in main:
            main[url] = reader.text(image.get("FileName"), f"{lang_field}.Image.FileName")
        items_field = f"{lang_field}.MediaGalleryImages"
        for i, item in _items(reader, block.get("MediaGalleryImages"), items_field):
            url = _item_text(reader, item, "Url", items_field, i)
            if url and url not in gallery:
                gallery[url] = _item_text(reader, item, "FileName", items_field, i)
    return tuple(
        [ImageRef(url, "main", i, name) for i, (url, name) in enumerate(main.items())]
        + [ImageRef(url, "gallery", i, name) for i, (url, name) in enumerate(gallery.items())]
    )


def _language_order(item: tuple[Any, Any]) -> tuple[str, str]:
    return str(item[0]).strip().lower(), str(item[0])


def _details(reader: _Reader, value: Any, field: str) -> dict[str, dict[str, Any]]:
    """Per-language blocks, keyed by lower-case language code, in code order.

    The order of the file's keys carries no meaning, so nothing derived from these blocks may
    depend on it: the first image URL seen, the first language with a size and the family's
    ``languages`` all follow code order (of two keys that differ only in case or spaces, the last
    in that order wins).
    """
    blocks = reader.obj(value, field)
    return {
        str(lang).strip().lower(): reader.obj(block, f"{field}.{lang}")
        for lang, block in sorted(blocks.items(), key=_language_order)
        if block is not None
    }


def _local(reader: _Reader, details: dict[str, dict[str, Any]], key: str, field: str) -> LocalText:
    out: LocalText = {}
    for lang, block in details.items():
        text = reader.text(block.get(key), f"{field}.{lang}.{key}")
        if text:
            out[lang] = text
    return out


def _material(reader: _Reader, details: dict[str, dict[str, Any]], field: str) -> LocalText:
    out: LocalText = {}
    for lang, block in details.items():
        info_field = f"{field}.{lang}.WebShopInformation"
        info = reader.obj(block.get("WebShopInformation"), info_field)
        material = reader.obj(info.get("Material"), f"{info_field}.Material")
        text = reader.text(
            material.get("InformationValue"), f"{info_field}.Material.InformationValue"
        )
        if text:
            out[lang] = text
    return out


def _configuration(
    reader: _Reader, details: dict[str, dict[str, Any]], name: str, field: str
) -> LocalText:
    """The ``ConfigurationValue`` of the configuration field called ``name``, per language."""
    out: LocalText = {}
    wanted = name.lower()
    for lang, block in details.items():
        conf_field = f"{field}.{lang}.ConfigurationFields"
        for i, item in _items(reader, block.get("ConfigurationFields"), conf_field):
            conf_name = _item_text(reader, item, "ConfigurationName", conf_field, i, "Name")
            if conf_name and conf_name.lower() == wanted:
                value = _item_text(reader, item, "ConfigurationValue", conf_field, i)
                if value and lang not in out:
                    out[lang] = value
    return out


def _search_color(reader: _Reader, value: Any, field: str) -> str | None:
    color = reader.text(value, field)
    return None if color is None or color.lower() == UNDEFINED_COLOR else color


def _variant(
    reader: _Reader,
    raw: Any,
    field: str,
    parent_facts: dict[str, Any],
    parent_tiers: tuple[PriceTier, ...],
    parent_images: tuple[ImageRef, ...],
) -> Variant:
    child = reader.obj(raw, field)
    sku = reader.required_text(child.get("Sku"), f"{field}.Sku")
    facts = reader.obj(
        child.get("NonLanguageDependedProductDetails"), f"{field}.NonLanguageDependedProductDetails"
    )
    facts_field = f"{field}.NonLanguageDependedProductDetails"

    def fact(key: str) -> Any:
        value = facts.get(key)
        return parent_facts.get(key) if value is None else value

    details = _details(reader, child.get("ProductDetails"), f"{field}.ProductDetails")
    sizes = _configuration(reader, details, "Size", f"{field}.ProductDetails")
    tiers = _price_tiers(
        reader, child.get("ProductPriceCountryBased"), f"{field}.ProductPriceCountryBased"
    )
    images = _images(reader, details, f"{field}.ProductDetails")
    actives = [
        reader.flag(block.get("IsActive"), f"{field}.ProductDetails.{lang}.IsActive", True)
        for lang, block in details.items()
    ]
    dimensions = {
        column: reader.number(fact(key), f"{facts_field}.{key}") for key, column in _DIMENSIONS
    }
    return Variant(
        sku=sku,
        supplier_sku=reader.text(child.get("SupplierSku"), f"{field}.SupplierSku"),
        ean=reader.text(child.get("Ean"), f"{field}.Ean"),
        color=_search_color(reader, fact("SearchColor"), f"{facts_field}.SearchColor"),
        color_label=_configuration(reader, details, "Color", f"{field}.ProductDetails"),
        hex_color=reader.text(fact("HexColor"), f"{facts_field}.HexColor"),
        size=next(iter(sizes.values()), None),
        weight_g=reader.number(fact("Weight"), f"{facts_field}.Weight"),
        is_active=any(actives) if actives else True,
        price_tiers=tiers or parent_tiers,
        images=images or parent_images,
        **dimensions,
    )


def _variants(
    reader: _Reader,
    children: list[Any],
    facts: dict[str, Any],
    parent_tiers: tuple[PriceTier, ...],
    parent_images: tuple[ImageRef, ...],
) -> list[Variant]:
    """``ChildProducts``, each variant SKU once."""
    variants: list[Variant] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(children):
        field = f"ChildProducts[{i}]"
        variant = _variant(reader, raw, field, facts, parent_tiers, parent_images)
        if variant.sku in seen:
            raise reader.fail(
                f"{field}.Sku",
                f"variant SKU {variant.sku!r} repeats ChildProducts[{seen[variant.sku]}]",
            )
        seen[variant.sku] = i
        variants.append(variant)
    return variants


def parse_product(
    data: bytes | str,
    source: str,
    *,
    expected_sku: str | None = None,
    supplier_code: str | None = None,
) -> Family:
    """Parse one product file.

    ``source`` names the file in errors. ``expected_sku`` is the family SKU the index URL names;
    a parent ``Sku`` that disagrees with it is an error. ``supplier_code`` (from the index) wins
    over ``ANumber``.
    """
    reader = _Reader(source)
    root = _load(data, source)
    if not isinstance(root, dict):
        raise reader.fail("(root)", f"expected an object, got {_type_name(root)}")
    sku = reader.required_text(root.get("Sku"), "Sku")
    if expected_sku is not None and sku.casefold() != expected_sku.casefold():
        raise reader.fail(
            "Sku", f"parent Sku {sku!r} disagrees with the file name's {expected_sku!r}"
        )
    children = reader.array(root.get("ChildProducts"), "ChildProducts")
    if not children:
        raise reader.fail("ChildProducts", "no variants")
    code = supplier_code or reader.text(root.get("ANumber"), "ANumber") or sku.split("-", 1)[0]

    facts_field = "NonLanguageDependedProductDetails"
    facts = reader.obj(root.get(facts_field), facts_field)
    details = _details(reader, root.get("ProductDetails"), "ProductDetails")
    parent_tiers = _price_tiers(
        reader, root.get("ProductPriceCountryBased"), "ProductPriceCountryBased"
    )
    parent_images = _images(reader, details, "ProductDetails")

    variants = _variants(reader, children, facts, parent_tiers, parent_images)
    category_path = reader.text(facts.get("Category"), f"{facts_field}.Category")
    category_code = category_path.strip("/").rsplit("/", 1)[-1] if category_path else None
    return Family(
        sku=sku,
        supplier_code=code,
        supplier_sku=reader.text(root.get("SupplierSku"), "SupplierSku"),
        ean=reader.text(root.get("Ean"), "Ean"),
        brand=reader.text(facts.get("Brand"), f"{facts_field}.Brand"),
        category_code=category_code or None,
        category_path=category_path,
        name=_local(reader, details, "Name", "ProductDetails"),
        description=_local(reader, details, "Description", "ProductDetails"),
        short_description=_local(reader, details, "ShortDescription", "ProductDetails"),
        material=_material(reader, details, "ProductDetails"),
        variants=tuple(variants),
        languages=tuple(details),
    )
