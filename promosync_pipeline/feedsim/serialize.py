"""A family's truth written out as a Promidata product file.

Typed fields are written as the feed spells them, then the records' ``attributes`` are laid
over them (they hold everything else a parsed file keeps, at its JSON path). Print positions
and options are built once per document and shared by reference by every variant that offers
them: real files repeat them in each child, and orjson writes them out each time.
"""

from __future__ import annotations

import random
from typing import Any

from promosync_pipeline.feedsim import shapes
from promosync_pipeline.feedsim.truth import FACT_KEYS, FamilyDraft
from promosync_pipeline.promidata import ImageRef, ImprintOption, ImprintPosition, Variant

_LANGUAGE_NULLS: dict[str, Any] = {
    "Name": None,
    "Description": None,
    "ShortDescription": None,
    "MetaName": None,
    "MetaDescription": None,
    "MetaKeywords": None,
    "InformationFiles": [],
    "ConfigurationFields": None,
    "PIMV1Information": None,
    "ImportantInformation": None,
}


_OPTIONS: dict[int, tuple[ImprintOption, tuple[str, ...], dict[str, Any]]] = {}
_OPTIONS_LIMIT = 1024


class _Decoration:
    """The JSON of a document's positions and options, each built once."""

    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages
        self._built: dict[int, Any] = {}
        self._merged: dict[tuple[str, int], tuple[Any, Any]] = {}

    def merged(self, typed: dict[str, Any], extra: dict[str, Any] | None, lang: str) -> Any:
        """A child's language block with its attributes laid over it. Its web-shop facts,
        typed the same in every child (the family's material), are merged once per language
        and attributes object."""
        if not extra:
            return typed
        out = {**typed, **extra}
        for key in typed.keys() & extra.keys():
            here, value = typed[key], extra[key]
            if type(here) is not dict or type(value) is not dict:
                continue
            if key != "WebShopInformation":
                out[key] = shapes.merged(here, value)
                continue
            memo = (lang, id(value))
            if memo not in self._merged:  # the entry holds the object, so that its id stays
                self._merged[memo] = (value, shapes.merged(here, value))
            out[key] = self._merged[memo][1]
        return out

    def positions(self, positions: tuple[ImprintPosition, ...]) -> list[Any] | None:
        return [self._position(p) for p in positions] or None

    def _position(self, position: ImprintPosition) -> dict[str, Any]:
        built = self._built.get(id(position))
        if built is None:
            options = self._built.get(id(position.options))
            if options is None:
                options = [self._option(o) for o in position.options]
                self._built[id(position.options)] = options
            built = self._built[id(position)] = shapes.position(position, self.languages, options)
        return built

    def _option(self, option: ImprintOption) -> dict[str, Any]:
        """An option's JSON, kept across documents: a supplier's options recur in many of its
        families (the cache holds the option itself, so that its id stays its own)."""
        known = _OPTIONS.get(id(option))
        if known is not None and known[0] is option and known[1] == self.languages:
            return known[2]
        built = shapes.option(option, self.languages)
        if len(_OPTIONS) >= _OPTIONS_LIMIT:
            _OPTIONS.clear()
        _OPTIONS[id(option)] = (option, self.languages, built)
        return built


def _images(images: tuple[ImageRef, ...]) -> tuple[Any, Any]:
    main = next((shapes.image(i) for i in images if i.role == "main"), None)
    gallery = [shapes.image(i) for i in images if i.role == "gallery"] or None
    return main, gallery


def _details(
    draft: FamilyDraft, lang: str, images: tuple[Any, Any], long_text: bool, lean: bool
) -> dict[str, Any]:
    """The typed part of a ``ProductDetails`` block (a child's texts only with ``long_text``;
    no null keys when ``lean``)."""
    fam = draft.family
    block: dict[str, Any] = {} if lean else dict(_LANGUAGE_NULLS)
    if long_text:
        block["Name"] = fam.name.get(lang)
        block["Description"] = fam.description.get(lang)
        block["ShortDescription"] = fam.short_description.get(lang)
    block["Image"] = images[0]
    block["MediaGalleryImages"] = images[1]
    block["WebShopInformation"] = {"Material": {"InformationValue": fam.material.get(lang)}}
    return block


def product_document(draft: FamilyDraft, salt: int = 0) -> dict[str, Any]:
    """The product file of ``draft``; ``salt`` changes the order of its keys (new bytes, the
    same content). Parts of it are shared with other documents: write it, do not change it."""
    fam = draft.family
    decoration = _Decoration(fam.languages)
    long_text = len(fam.variants) <= 6
    parent_images = _images(draft.parent_images)
    typed: dict[str, Any] = {
        "ChildProducts": [_child(draft, v, decoration, long_text) for v in fam.variants],
        "ProductDetails": {
            lang: _details(draft, lang, parent_images, True, False) for lang in fam.languages
        },
        "ProductPriceCountryBased": shapes.price_block(draft.parent_tiers, draft.parent_terms),
        "NonLanguageDependedProductDetails": {
            "SearchColor": "Undefined",
            "HexColor": None,
            "Category": fam.category_path,
            "Brand": fam.brand,
            **{FACT_KEYS[k]: v for k, v in draft.parent_facts.items()},
        },
        "ImprintPositions": decoration.positions(draft.parent_positions) or [],
        "Ean": fam.ean,
        "VideoUrl": None,
        "Sku": fam.sku,
        "SupplierSku": fam.supplier_sku,
        "ANumber": fam.supplier_code,
        "Errors": {},
        "Warnings": {},
    }
    doc = shapes.merged(typed, fam.attributes)
    return _reordered(doc, salt) if salt else doc


def _reordered(doc: dict[str, Any], salt: int) -> dict[str, Any]:
    """``doc`` with its keys in another order (one per salt, never the first one)."""
    keys = list(doc)
    random.Random(salt).shuffle(keys)
    if keys == list(doc):
        keys = keys[1:] + keys[:1]
    return {key: doc[key] for key in keys}


def _facts(draft: FamilyDraft, variant: Variant) -> dict[str, Any]:
    fam = draft.family
    tariff: Any = variant.customs_tariff_number
    if tariff is not None and draft.extras.tariff_as_number:
        tariff = int(tariff)
    return {
        "SearchColor": variant.color or "Undefined",
        "HexColor": variant.hex_color,
        "Category": fam.category_path,
        "Brand": fam.brand,
        "CountryOfOrigin": variant.country_of_origin,
        "CustomsTariffNumber": tariff,
        "OuterCartonLengthCM": variant.carton_length_cm,
        "OuterCartonWidthCM": variant.carton_width_cm,
        "OuterCartonHeightCM": variant.carton_height_cm,
        "OuterCartonWeightNetKG": variant.carton_weight_net_kg,
        "OuterCartonWeightGrossKG": variant.carton_weight_gross_kg,
        "OuterCartonQuantityPerCarton": variant.carton_quantity,
        **{FACT_KEYS[k]: v for k, v in draft.own_facts[variant.sku].items()},
    }


def _child(
    draft: FamilyDraft, variant: Variant, decoration: _Decoration, long_text: bool
) -> dict[str, Any]:
    fam = draft.family
    images = _images(() if variant.sku in draft.inherits_images else variant.images)
    extra = variant.attributes
    extra_details = extra.get("ProductDetails") or {}
    details = {}
    for lang in fam.languages:
        block = _details(draft, lang, images, long_text, draft.lean)
        block["IsActive"] = variant.is_active
        details[lang] = decoration.merged(block, extra_details.get(lang), lang)
    own_prices = variant.sku not in draft.inherits_tiers
    typed = {
        "ProductDetails": details,
        "ProductPriceCountryBased": (
            shapes.price_block(variant.price_tiers, variant.price_terms) if own_prices else None
        ),
        "NonLanguageDependedProductDetails": _facts(draft, variant),
        "ImprintPositions": (
            None if draft.inherits_positions else decoration.positions(variant.positions)
        ),
        "Ean": variant.ean,
        "Sku": variant.sku,
        "SupplierSku": variant.supplier_sku,
        "ANumber": fam.supplier_code,
        "Errors": {},
        "Warnings": {},
    }
    return shapes.merged(typed, {k: v for k, v in extra.items() if k != "ProductDetails"})
