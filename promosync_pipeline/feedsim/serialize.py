"""A family's truth written out as a Promidata product file."""

from __future__ import annotations

import functools
import random
from typing import Any

import orjson

from promosync_pipeline.feedsim import text
from promosync_pipeline.feedsim.truth import FamilyDraft
from promosync_pipeline.promidata import ImageRef, PriceTier, Variant

FACT_KEYS = {
    "weight_g": "Weight",
    "length_mm": "DimensionsLength",
    "width_mm": "DimensionsWidth",
    "height_mm": "DimensionsHeight",
    "diameter_mm": "DimensionsDiameter",
}
MIN_BYTES = 20 * 1024
MAX_BYTES = 250 * 1024


def _price_block(tiers: tuple[PriceTier, ...]) -> dict[str, Any] | None:
    if not tiers:
        return None
    out: dict[str, Any] = {}
    for tier in tiers:
        block = out.setdefault(
            tier.region,
            {
                "RecommendedSellingPrice": [],
                "GeneralBuyingPrice": [],
                "QuantityIncrements": 1,
                "VatPercentage": 0,
                "MinimumOrderQuantity": 1,
                "VatSettingId": 1,
            },
        )
        name = "RecommendedSellingPrice" if tier.kind == "selling" else "GeneralBuyingPrice"
        block[name].append(
            {
                "Price": 0 if tier.price is None else float(tier.price),
                "Quantity": tier.min_quantity,
                "OnRequest": tier.on_request,
                "Valuta": "EURO",
            }
        )
    return out


def _image(ref: ImageRef) -> dict[str, Any]:
    return {"Url": ref.url, "Description": "", "FileName": ref.file_name}


def _details(
    draft: FamilyDraft,
    lang: str,
    images: tuple[ImageRef, ...],
    config: list[dict[str, Any]] | None,
    active: bool,
    long_text: bool = True,
) -> dict[str, Any]:
    fam = draft.family
    main = [i for i in images if i.role == "main"]
    return {
        "Name": fam.name.get(lang) if long_text else None,
        "Description": fam.description.get(lang) if long_text else None,
        "ShortDescription": fam.short_description.get(lang) if long_text else None,
        "MetaName": None,
        "MetaDescription": None,
        "MetaKeywords": None,
        "Image": _image(main[0]) if main else None,
        "MediaGalleryImages": [_image(i) for i in images if i.role == "gallery"] or None,
        "InformationFiles": [],
        "IsActive": active,
        "ConfigurationFields": config,
        "UnstructuredInformation": {"SupplierMainCategory": fam.category_path},
        "WebShopInformation": {
            "Material": {"InformationLabel": "Material", "InformationValue": fam.material[lang]}
        },
        "PIMV1Information": None,
        "ImportantInformation": None,
    }


@functools.cache
def _imprint_position(languages: tuple[str, ...], variant: int) -> dict[str, Any]:
    """Decoration data: ignored by the parser, but most of a real file's weight.

    Built once per language set and reused by reference (orjson writes it out each time).
    """
    rng = random.Random(f"imprint:{variant}:{languages}")
    return {
        "PositionCode": f"position {variant}",
        "ImprintLocationTexts": {
            lang: {"Name": text.sentence(rng, lang, 4), "Description": None} for lang in languages
        },
        "ImprintOptions": [
            {
                "Sku": f"IMPRINT-{variant}-{o}",
                "ImprintTexts": {
                    lang: {"Name": text.sentence(rng, lang, 3), "Description": None}
                    for lang in languages
                },
                "ProductPriceCountryBased": {
                    "BENELUX": {
                        "RecommendedSellingPrice": [
                            {
                                "Price": round(rng.uniform(0.1, 9), 2),
                                "Quantity": q,
                                "OnRequest": False,
                                "Valuta": "EURO",
                            }
                            for q in (1, 50, 100, 250, 500)
                        ],
                        "GeneralBuyingPrice": [],
                    }
                },
                "ImprintCosts": [{"Sku": f"SETUP-{variant}-{o}", "CalculationType": "Unique"}],
            }
            for o in range(4)
        ],
    }


def product_document(draft: FamilyDraft, salt: int = 0) -> dict[str, Any]:
    fam = draft.family
    long_text = len(fam.variants) <= 6
    children = [_child(draft, variant, long_text) for variant in fam.variants]
    parent_facts = {FACT_KEYS[k]: v for k, v in draft.parent_facts.items()}
    doc: dict[str, Any] = {
        "ChildProducts": children,
        "ChildHasErrors": False,
        "DefaultProducts": {"BENELUX": fam.variants[0].sku},
        "ProductDetails": {
            lang: _details(draft, lang, draft.parent_images, None, True) for lang in fam.languages
        },
        "ProductPriceCountryBased": _price_block(draft.parent_tiers),
        "NonLanguageDependedProductDetails": {
            "SearchColor": "Undefined",
            "HexColor": None,
            "Category": fam.category_path,
            "Brand": fam.brand,
            **parent_facts,
        },
        "ImprintPositions": [],
        "Ean": fam.ean,
        "VideoUrl": None,
        "Sku": fam.sku,
        "SupplierSku": fam.supplier_sku,
        "ANumber": fam.supplier_code,
        "Errors": {},
        "Warnings": {"Revision": salt} if salt else {},
    }
    return doc


def _child(draft: FamilyDraft, variant: Variant, long_text: bool) -> dict[str, Any]:
    fam = draft.family
    details = {}
    for lang in fam.languages:
        fields: list[dict[str, Any]] = []
        if lang in variant.color_label:
            fields.append(
                {"ConfigurationName": "Color", "ConfigurationValue": variant.color_label[lang]}
            )
        if variant.size:
            fields.append({"ConfigurationName": "Size", "ConfigurationValue": variant.size})
        own_images = () if variant.sku in draft.inherits_images else variant.images
        details[lang] = _details(
            draft, lang, own_images, fields or None, variant.is_active, long_text
        )
    facts = {FACT_KEYS[k]: v for k, v in draft.own_facts[variant.sku].items()}
    own_tiers = () if variant.sku in draft.inherits_tiers else variant.price_tiers
    return {
        "ProductDetails": details,
        "ProductPriceCountryBased": _price_block(own_tiers),
        "NonLanguageDependedProductDetails": {
            "SearchColor": variant.color or "Undefined",
            "HexColor": variant.hex_color,
            "Category": fam.category_path,
            "Brand": fam.brand,
            "CountryOfOrigin": "CHN",
            **facts,
        },
        "ImprintPositions": None,
        "Ean": variant.ean,
        "Sku": variant.sku,
        "SupplierSku": variant.supplier_sku,
        "ANumber": fam.supplier_code,
        "Errors": {},
        "Warnings": {},
    }


def fill_to_size(doc: dict[str, Any], encoded_size: int, languages: tuple[str, ...], target: int):
    """Grow the ignored decoration block until the file weighs about ``target`` bytes."""
    block = _imprint_position(languages, len(doc["Sku"]) % 3)
    per_position = len(orjson.dumps(block))
    missing = max(0, target - encoded_size)
    doc["ImprintPositions"] = [block] * (missing // per_position)
