"""Small builders of Promidata-shaped product JSON, written from the format description."""

from __future__ import annotations

import copy
from typing import Any

import orjson

LANGS = ("de", "en", "fr", "nl")
IMG = "https://img.example.test/Images/Live/{}.jpg"


def tier(price: float | str | None, quantity: int | str, on_request: bool = False) -> dict:
    return {"Price": price, "Quantity": quantity, "OnRequest": on_request, "Valuta": "EURO"}


def prices(**regions: tuple[list[dict], list[dict]]) -> dict:
    return {
        region: {
            "RecommendedSellingPrice": selling,
            "GeneralBuyingPrice": buying,
            "QuantityIncrements": 1,
            "VatPercentage": 0,
            "MinimumOrderQuantity": 1,
        }
        for region, (selling, buying) in regions.items()
    }


def details(
    name: str,
    *,
    color: dict[str, str] | None = None,
    size: str | None = None,
    main: str | None = None,
    gallery: list[str] | None = None,
    active: bool = True,
) -> dict[str, Any]:
    out = {}
    for lang in LANGS:
        fields = []
        if color:
            fields.append({"ConfigurationName": "Color", "ConfigurationValue": color[lang]})
        if size:
            fields.append({"ConfigurationName": "Size", "ConfigurationValue": size})
        out[lang] = {
            "Name": f"{name} ({lang})",
            "Description": f"Long text about {name} in {lang}.",
            "ShortDescription": None,
            "Image": {"Url": IMG.format(main), "FileName": f"{main}.jpg"} if main else None,
            "MediaGalleryImages": [
                {"Url": IMG.format(g), "FileName": f"{g}.jpg", "Description": ""}
                for g in gallery or []
            ],
            "IsActive": active,
            "ConfigurationFields": fields or None,
            "WebShopInformation": {
                "Material": {"InformationLabel": "Material", "InformationValue": f"cotton {lang}"}
            },
        }
    return out


def child(
    sku: str,
    *,
    search_color: str = "Black",
    color: dict[str, str] | None = None,
    size: str | None = None,
    main: str | None = "main-1",
    gallery: list[str] | None = None,
    price_block: dict | None = None,
    weight: Any = 175,
    ean: Any = "8712345678906",
) -> dict[str, Any]:
    return {
        "Sku": sku,
        "SupplierSku": sku.split("-", 1)[1],
        "Ean": ean,
        "ANumber": sku.split("-", 1)[0],
        "ProductDetails": details("Tote", color=color, size=size, main=main, gallery=gallery),
        "NonLanguageDependedProductDetails": {
            "SearchColor": search_color,
            "HexColor": "#101010",
            "Weight": weight,
            "DimensionsLength": 280,
            "DimensionsWidth": None,
            "DimensionsHeight": 381,
            "DimensionsDiameter": 0,
            "Category": "BAGS/SHOPPING_BAGS",
        },
        "ProductPriceCountryBased": price_block,
        "ImprintPositions": None,
        "Errors": {},
    }


def family(sku: str = "A23-100", children: list[dict] | None = None, **parent: Any) -> dict:
    doc: dict[str, Any] = {
        "Sku": sku,
        "SupplierSku": sku.split("-", 1)[1],
        "ANumber": sku.split("-", 1)[0],
        "Ean": None,
        "ProductDetails": details("Tote", main="parent-main", gallery=["parent-g1"]),
        "NonLanguageDependedProductDetails": {
            "SearchColor": "Undefined",
            "HexColor": None,
            "Brand": "Acme Bags",
            "Category": "BAGS/SHOPPING_BAGS",
            "Weight": 0,
            "DimensionsLength": 0,
            "DimensionsWidth": 127,
            "DimensionsHeight": 0,
            "DimensionsDiameter": 0,
        },
        "ProductPriceCountryBased": prices(
            BENELUX=([tier(9.5, 1), tier(8.25, 100)], [tier(6.0, 1), tier(5.5, 100)])
        ),
        "ChildProducts": children if children is not None else [child(sku)],
        "Warnings": {},
        "Errors": {},
    }
    doc.update(parent)
    return doc


def dumps(doc: Any) -> bytes:
    return orjson.dumps(doc)


def clone(doc: dict) -> dict:
    return copy.deepcopy(doc)
