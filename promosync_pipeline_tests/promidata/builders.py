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


def clone(doc: Any) -> Any:
    return copy.deepcopy(doc)


# -- decoration -------------------------------------------------------------------------------
PRINT_QUANTITIES = (1, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


def block(
    selling: list[dict],
    buying: list[dict] | None = None,
    *,
    minimum: Any = 1,
    increment: Any = 1,
    vat: Any = 0,
    setting: Any = 1,
) -> dict[str, Any]:
    """One region's price block with its order terms."""
    return {
        "RecommendedSellingPrice": selling,
        "GeneralBuyingPrice": buying or [],
        "QuantityIncrements": increment,
        "VatPercentage": vat,
        "MinimumOrderQuantity": minimum,
        "VatSettingId": setting,
    }


def texts(name: str, langs: tuple[str, ...] = LANGS, **extra: Any) -> dict[str, Any]:
    return {lang: {"Name": f"{name} [{lang}]", "Description": None, **extra} for lang in langs}


def charge(sku: str, amount: float = 30.0, **overrides: Any) -> dict[str, Any]:
    doc = {
        "Sku": sku,
        "SupplierSku": sku.split("-", 1)[1],
        "Texts": texts("Setup"),
        "ProductPriceRegionBased": None,
        "ProductPriceCountryBased": {
            "BENELUX": block([tier(amount, 1)], minimum=0, increment=0, setting=0)
        },
        "IsActiveRegionBased": None,
        "IsActiveCountryBased": None,
        "CalculationType": "Unique",
        "CalculationAmount": 1,
        "Requirement": None,
        "UnstructuredInformation": None,
    }
    doc.update(overrides)
    return doc


def option(sku: str, colors: Any = "1", base: float = 3.0, **overrides: Any) -> dict[str, Any]:
    """A print option with nine selling tiers in BENELUX and one setup charge."""
    doc = {
        "ChildImprints": None,
        "PrintColorAsText": None,
        "Dimension": None,
        "FastEditorNumberOfColors": colors,
        "ImprintTexts": texts(f"Print {colors}"),
        "Sku": sku,
        "SupplierSku": sku.split("-", 1)[1],
        "DimensionsHeight": 0,
        "DimensionsDiameter": 0,
        "DimensionsWidth": 0,
        "DimensionsDepth": 0,
        "ImprintType": None,
        "UnstructuredInformation": None,
        "ProductPriceRegionBased": None,
        "ProductPriceCountryBased": {
            "BENELUX": block(
                [tier(round(base - 0.25 * i, 2), q) for i, q in enumerate(PRINT_QUANTITIES)]
            )
        },
        "PrintColor": 0,
        "ImprintCosts": [charge(f"{sku}_S")],
        "IsActiveRegionBased": None,
        "IsActiveCountryBased": None,
        "ImportantInformation": None,
        "SupplierPrintCode": "Screen",
    }
    doc.update(overrides)
    return doc


def position(code: str, options: list[dict], picture: str | None = None, **overrides: Any):
    images = [{"Url": IMG.format(picture), "Description": None, "FileName": None}]
    doc = {
        "PositionCode": code,
        "ImprintLocationTexts": texts(f"Area {code}", Images=images if picture else None),
        "UnstructuredInformation": {"MaxPrintArea": "150 x 150 mm"},
        "ImprintOptions": options,
        "SupplierPositionCode": code.split("_", 1)[0],
    }
    doc.update(overrides)
    return doc


def reference_like() -> dict[str, Any]:
    """A family shaped like a real file: two colours, each child with one print position of
    twelve options (nine print tiers and one setup charge each) in four languages, logistics
    and labelled facts; the parent with a one-tier price summary and no decoration."""
    options = [option(f"A23-SCREEN_{n}C", colors=str(n), base=4.0 + n / 4) for n in range(1, 7)] + [
        option(f"A23-EMBROIDERY_{n}", base=2.0 + n, colors="1") for n in range(5)
    ]
    options.append(option("A23-DIGITAL_FC", colors="full-color", ImprintCosts=None))
    children = []
    for sku, colour, hex_color in (
        ("A23-100-001", "Black", "#000000"),
        ("A23-100-410", "Navy", None),
    ):
        kid = child(sku, search_color=colour, main=f"{sku}-main", gallery=[f"{sku}-g1"])
        kid["NonLanguageDependedProductDetails"].update(
            HexColor=hex_color, CountryOfOrigin="CHN", CustomsTariffNumber="4202929190",
            OuterCartonLengthCM=47.0, OuterCartonWidthCM=37.0, OuterCartonHeightCM=39.0,
            OuterCartonWeightNetKG=15.8, OuterCartonWeightGrossKG=16.8,
            OuterCartonQuantityPerCarton=90, Fragile=False, USBItem=False,
            ProductFiltersByGroup={"Eco": "True", "GiftWrappingPossible": "True"},
            WebShopInformation={"OuterCartonWeightNetKG": "15,8"},
        )  # fmt: skip
        kid["ProductPriceCountryBased"] = {
            "BENELUX": block([tier(9.0 - i, q) for i, q in enumerate((1, 100, 500))])
        }
        kid["ImprintPositions"] = [position("front_150x150mm", clone(options), f"{sku}-area")]
        kid["UnstructuredInformation"] = {"ReleaseDate": "01.05.2025"}
        for lang, details_block in kid["ProductDetails"].items():
            details_block["WebShopInformation"]["Compliance"] = {
                "InformationLabel": f"Compliance ({lang})",
                "InformationValue": f"Free of PVC ({lang})",
            }
        children.append(kid)
    doc = family("A23-100", children)
    doc["ProductPriceCountryBased"] = {"BENELUX": block([tier(7.5, 1500)], [tier(5.25, 1500)])}
    doc["DefaultProducts"] = {"BENELUX": "A23-100-001"}
    doc["ImprintPositions"] = None
    return doc
