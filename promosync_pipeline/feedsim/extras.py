"""Logistics, compliance and free key/values of a generated family.

Typed logistics go to every variant; the rest is what the parsed family and variants keep in
their ``attributes``, exactly as the serializer writes it into the file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from promosync_pipeline.feedsim import text
from promosync_pipeline.feedsim.decoration import supplier_style
from promosync_pipeline.promidata import JsonObject, Variant


@dataclass(frozen=True)
class Extras:
    """What a family carries besides its texts, prices, images and decoration."""

    logistics: dict[str, Any]
    """Typed fields of each of its variants (origin, customs, carton)."""
    tariff_as_number: bool
    """The supplier writes the customs tariff number as a JSON number."""
    web_shop: dict[str, JsonObject]
    """Per language: the labelled facts of ``WebShopInformation`` but the material's value
    (children of families with many variants carry only the material's label)."""
    child_facts: JsonObject
    """Untyped ``NonLanguageDependedProductDetails`` of each child."""
    child_root: JsonObject
    """Untyped keys of each child (free key/values, video, certificates)."""
    parent_facts: JsonObject
    parent_root: JsonObject


def _carton(rng: random.Random) -> tuple[dict[str, Any], JsonObject]:
    if rng.random() < 0.3:
        return dict.fromkeys(
            ("carton_length_cm", "carton_width_cm", "carton_height_cm", "carton_weight_net_kg",
             "carton_weight_gross_kg", "carton_quantity")
        ), {}  # fmt: skip
    sides = [float(rng.randint(20, 80)) for _ in range(3)]
    net = round(rng.uniform(2, 20), 1)
    gross = round(net + rng.uniform(0.3, 2), 1)
    pieces = rng.choice([10, 25, 50, 90, 100, 200, 500])
    typed = {
        "carton_length_cm": sides[0],
        "carton_width_cm": sides[1],
        "carton_height_cm": sides[2],
        "carton_weight_net_kg": net,
        "carton_weight_gross_kg": gross,
        "carton_quantity": pieces,
    }
    as_text = {
        "OuterCartonDimension": " x ".join(f"{int(s)}" for s in sides) + " cm",
        "OuterCartonQuantityPerCarton": str(pieces),
        "OuterCartonWeightNetKG": str(net).replace(".", ","),
        "OuterCartonWeightGrossKG": str(gross).replace(".", ","),
    }
    return typed, as_text


def _web_shop(rng: random.Random, langs: list[str]) -> dict[str, JsonObject]:
    compliance = rng.randrange(len(text.COMPLIANCE["en"])) if rng.random() < 0.6 else None
    packaging = rng.randrange(len(text.PACKAGING["en"]))
    missing = langs[-1] if rng.random() < 0.2 else None
    out: dict[str, JsonObject] = {}
    for lang in langs:
        facts: JsonObject = {"Material": {"InformationLabel": text.LABELS["Material"][lang]}}
        if compliance is not None and lang != missing:
            facts["Compliance"] = {
                "InformationLabel": text.LABELS["Compliance"][lang],
                "InformationValue": text.COMPLIANCE[lang][compliance],
            }
        facts["PackagingInformation"] = {
            "InformationLabel": text.LABELS["PackagingInformation"][lang],
            "InformationValue": text.PACKAGING[lang][packaging],
        }
        out[lang] = facts
    return out


def _free(rng: random.Random) -> JsonObject:
    """Free key/values of a child: ``UnstructuredInformation``, a video, certificates."""
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2019, 2026)
    info = {
        "ReleaseDate": f"{day:02d}.{month:02d}.{year}",
        "DeliveryTimeInDays": str(rng.choice([3, 5, 7, 12, 20])),
    }
    if rng.random() < 0.3:
        info["LeakPrevention"] = "True"
    out: JsonObject = {"UnstructuredInformation": info}
    if rng.random() < 0.2:
        out["VideoUrl"] = f"https://video.example.test/{rng.randrange(10**8, 10**9)}"
    if rng.random() < 0.15:
        name = rng.choice(text.CERTIFICATES)
        out["ProductCertificates"] = {name: {"Number": f"{name[:2]}-{rng.randrange(10**5, 10**6)}"}}
    return out


def draw(rng: random.Random, code: str, langs: list[str]) -> Extras:
    style = supplier_style(code)
    origin = rng.choice(text.COUNTRIES)[0 if style % 3 else 1]
    tariff = f"{rng.randint(3900, 9619)}{rng.randrange(10**5, 10**6)}"[: 10 if style % 2 else 8]
    carton, carton_text = _carton(rng)
    filters = dict((name, rng.choice(values)) for name, values in rng.sample(text.FILTERS, 2))
    child_facts: JsonObject = {
        "ProductFiltersByGroup": filters,
        "Fragile": rng.random() < 0.1,
        "USBItem": False,
    }
    if carton_text:
        child_facts["WebShopInformation"] = carton_text
    parent_facts: JsonObject = {"Fragile": False, "USBItem": False}
    if rng.random() < 0.2:
        parent_facts["SecondaryCategories"] = [rng.choice(["GIFTS/OFFICE", "BAGS/TRAVEL"])]
    return Extras(
        logistics={"country_of_origin": origin, "customs_tariff_number": tariff, **carton},
        tariff_as_number=style % 4 == 0,
        web_shop=_web_shop(rng, langs),
        child_facts=child_facts,
        child_root=_free(rng),
        parent_facts=parent_facts,
        parent_root={"ChildHasErrors": False},
    )


def variant_attributes(
    extras: Extras, variant: Variant, pms: str, category_path: str, lean: bool
) -> JsonObject:
    """What a parsed variant keeps of its child beside its typed fields."""
    details: JsonObject = {}
    for lang, facts in extras.web_shop.items():
        block: JsonObject = {
            "WebShopInformation": {"Material": facts["Material"]} if lean else facts
        }
        config = []
        if lang in variant.color_label:
            config.append(
                {
                    "ConfigurationName": "Color",
                    "ConfigurationNameTranslated": text.CONFIGURATION_NAMES["Color"][lang],
                    "ConfigurationValue": variant.color_label[lang],
                }
            )
        if variant.size:
            config.append({"ConfigurationName": "Size", "ConfigurationValue": variant.size})
        if config:
            block["ConfigurationFields"] = config
        if not lean:
            block["UnstructuredInformation"] = {
                "SupplierMainCategory": category_path,
                "PMSValue": pms,
            }
        details[lang] = block
    facts = extras.child_facts
    if lean:  # the carton figures as text are left out, to keep the file's size
        facts = {k: v for k, v in facts.items() if k != "WebShopInformation"}
    return {
        "ProductDetails": details,
        "NonLanguageDependedProductDetails": facts,
        **extras.child_root,
    }
