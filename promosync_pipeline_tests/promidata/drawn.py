"""Promidata-shaped product files drawn at random, for property tests.

Random languages (some in odd case or with blanks), random decoration, numbers sent as text,
unknown keys at random depths and random nulls. ``support.scalars.as_read`` removes from a file
the values the format defines as "none" (a ``SearchColor`` of ``Undefined``, a measure of 0
where 0 means unknown): what remains must all be kept (a currency spelled ``EURO`` counts as
kept read as ``EUR``, or as spelled).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

LANGUAGES = ["de", "en", "fr", "nl", "es", "it", "da", "EN ", "Fr"]
WORDS = ["tote", "bag", "cotton", "print", "front", "lid", "  padded ", "zip", "blue", "eco"]
REGIONS = ["BENELUX", "GERMANY", "FRANCE"]
OBJECT_MAPS = {"ProductDetails", "ImprintLocationTexts", "ImprintTexts", "Texts"}
"""Objects whose values must be objects (per language); price maps are handled alike."""


@dataclass(frozen=True)
class Shape:
    """How big a drawn file is and how much it is disturbed (Hypothesis shrinks these)."""

    children: int = 2
    positions: int = 1
    options: int = 2
    charges: int = 1
    nulls: float = 0.04
    """Share of values replaced by null."""
    extras: float = 0.15
    """Share of objects given an unknown key."""


class Draw:
    """Promidata-shaped values from one random source."""

    def __init__(self, rng: random.Random, shape: Shape = Shape()) -> None:
        self.rng = rng
        self.shape = shape
        self.serial = 0

    def upto(self, most: int) -> int:
        return self.rng.randint(0, most)

    def token(self) -> str:
        self.serial += 1
        return f"{self.rng.choice(WORDS)} {self.rng.randrange(10**6)}-{self.serial}"

    def text(self) -> Any:
        return self.rng.choice([self.token(), self.token(), None, "", f"  {self.token()} "])

    def number(self, low: int = 1, high: int = 900) -> Any:
        value = round(self.rng.uniform(low, high), self.rng.choice([0, 1, 2]))
        return self.rng.choice([value, int(value), str(value).replace(".", ","), str(int(value))])

    def tiers(self) -> list[dict[str, Any]]:
        quantities = sorted(
            self.rng.sample([1, 25, 50, 100, 250, 500, 1000], self.rng.randint(1, 5))
        )
        tiers = [
            {"Price": self.number(1, 50), "Quantity": q if self.rng.random() < 0.8 else str(q),
             "OnRequest": self.rng.random() < 0.1, "Valuta": self.rng.choice(["EURO", "EUR", None])}
            for q in quantities
        ]  # fmt: skip
        if self.rng.random() < 0.1:  # the same quantity twice: the second is kept as given
            tiers.append({**tiers[0], "Price": self.number(1, 50)})
        return tiers

    def prices(self) -> Any:
        if self.rng.random() < 0.2:
            return None
        return {
            region: {
                "RecommendedSellingPrice": self.tiers(),
                "GeneralBuyingPrice": self.tiers() if self.rng.random() < 0.5 else [],
                "QuantityIncrements": self.rng.choice([1, 10, "25", None]),
                "VatPercentage": self.rng.choice([0, 19, "21", 7.7, None]),
                "MinimumOrderQuantity": self.rng.choice([0, 1, 50, "100", None]),
                "VatSettingId": self.rng.choice([0, 1, "2", None]),
            }
            for region in self.rng.sample(REGIONS, self.rng.randint(1, 2))
        }

    def languages(self) -> list[str]:
        return self.rng.sample(LANGUAGES, self.rng.randint(1, 4))

    def image(self) -> dict[str, Any]:
        return {
            "Url": f"https://img.test/{self.token().replace(' ', '_')}.jpg",
            "FileName": self.rng.choice([None, f"{self.token()}.jpg"]),
            "Description": self.rng.choice(["", None, self.token()]),
        }

    def named(self, langs: list[str], images: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for lang in langs:
            out[lang] = {"Name": self.text(), "Description": self.text()}
            if images:
                out[lang]["Images"] = [self.image() for _ in range(self.rng.randint(0, 2))]
        return out

    def charge(self, langs: list[str]) -> dict[str, Any]:
        return {
            "Sku": self.token(), "SupplierSku": self.rng.choice([None, self.token()]),
            "Texts": self.named(langs), "ProductPriceCountryBased": self.prices(),
            "CalculationType": self.rng.choice(["Unique", "PerColor", "PerPosition", None]),
            "CalculationAmount": self.rng.choice([1, 2.5, "1,5", None]),
            "Requirement": self.rng.choice([None, {"Operator": "Always", "Amount": 0},
                                            {"Operator": self.token(), "Amount": self.number()}]),
        }  # fmt: skip

    def option(self, langs: list[str]) -> dict[str, Any]:
        return {
            "Sku": self.token(), "SupplierSku": self.text(), "SupplierPrintCode": self.text(),
            "ImprintTexts": self.named(langs),
            "FastEditorNumberOfColors": self.rng.choice(["1", 2, "full-color", None, 4.0]),
            "DimensionsWidth": self.rng.choice([0, self.number(), None]),
            "DimensionsHeight": self.rng.choice([0, self.number()]), "DimensionsDepth": 0,
            "DimensionsDiameter": self.rng.choice([0, "0", self.number()]), "PrintColor": 0,
            "ProductPriceCountryBased": self.prices(),
            "ImprintCosts": [self.charge(langs) for _ in range(self.upto(self.shape.charges))],
        }  # fmt: skip

    def position(self, langs: list[str]) -> dict[str, Any]:
        return {
            "PositionCode": self.text(), "SupplierPositionCode": self.text(),
            "ImprintLocationTexts": self.named(langs, images=True),
            "UnstructuredInformation": {"MaxPrintArea": self.text(), "Note": self.text()},
            "ImprintOptions": [self.option(langs) for _ in range(self.upto(self.shape.options))],
        }  # fmt: skip

    def facts(self, parent: bool) -> dict[str, Any]:
        facts = {key: self.rng.choice([None, self.number()]) for key in (
            "Weight", "DimensionsLength", "DimensionsWidth", "DimensionsHeight",
            "DimensionsDiameter", "OuterCartonLengthCM", "OuterCartonWeightGrossKG")}  # fmt: skip
        facts.update(
            SearchColor=self.rng.choice(["Undefined", "Black", None, self.token()]),
            HexColor=self.text(), CountryOfOrigin=self.rng.choice(["CHN", "CN", None]),
            CustomsTariffNumber=self.rng.choice([None, str(self.rng.randrange(10**7, 10**10)),
                                                 self.rng.randrange(10**7, 10**10)]),
            OuterCartonQuantityPerCarton=self.rng.choice([None, 0, 90, "12"]),
            ProductFiltersByGroup={"Eco": self.rng.choice(["True", "False"])},
            Fragile=self.rng.random() < 0.5, DimensionsDepth=self.number(),
            WebShopInformation={"OuterCartonWeightNetKG": self.number()},
        )  # fmt: skip
        if parent or self.rng.random() < 0.3:
            facts.update(Brand=self.text(), Category=self.rng.choice(["BAGS/TOTES", self.text()]))
        return facts

    def details(self, langs: list[str], family_texts: dict[str, Any] | None) -> dict[str, Any]:
        out = {}
        for lang in langs:
            block: dict[str, Any] = {
                key: family_texts[lang][key]
                if family_texts and lang in family_texts and self.rng.random() < 0.6
                else self.text()
                for key in ("Name", "Description", "ShortDescription")
            }
            block.update(
                Image=self.rng.choice([None, self.image()]), IsActive=self.rng.random() < 0.9,
                MediaGalleryImages=[self.image() for _ in range(self.rng.randint(0, 2))],
                ConfigurationFields=[{"ConfigurationName": self.rng.choice(["Color", "Size"]),
                                      "ConfigurationValue": self.text()}],
                WebShopInformation={"Material": {"InformationLabel": self.text(),
                                                 "InformationValue": self.text()}},
                UnstructuredInformation={"PMSValue": self.text()}, MetaName=None,
            )  # fmt: skip
            out[lang] = block
        return out

    def family(self) -> dict[str, Any]:
        sku = f"A{self.rng.randrange(1, 999)}-{self.rng.randrange(10**5)}"
        langs = self.languages()
        details = self.details(langs, None)
        children = []
        for n in range(1 + self.upto(self.shape.children - 1)):
            children.append({
                "Sku": f"{sku}-{n}", "SupplierSku": self.text(), "Ean": self.rng.choice(
                    [None, str(self.rng.randrange(10**12, 10**13)), self.rng.randrange(10**12)]),
                "ANumber": self.rng.choice([sku.split("-")[0], "A0"]),
                "ProductDetails": self.details(self.rng.choice([langs, self.languages()]), details),
                "NonLanguageDependedProductDetails": self.facts(parent=False),
                "ProductPriceCountryBased": self.prices(),
                "ImprintPositions": [
                    self.position(langs) for _ in range(self.upto(self.shape.positions))
                ],
                "UnstructuredInformation": {"ReleaseDate": self.text()}, "Errors": {},
            })  # fmt: skip
        return {
            "Sku": sku, "SupplierSku": self.text(), "ANumber": sku.split("-")[0], "Ean": None,
            "ProductDetails": details, "NonLanguageDependedProductDetails": self.facts(True),
            "ProductPriceCountryBased": self.prices(), "ChildProducts": children,
            "ImprintPositions": [self.position(langs) for _ in range(self.upto(1))],
            "DefaultProducts": {"BENELUX": f"{sku}-0"}, "Warnings": {}, "VideoUrl": self.text(),
        }  # fmt: skip


REQUIRED = {"Sku", "Quantity", "ChildProducts"}


def mutated(value: Any, rng: random.Random, draw: Draw, parent_key: str = "") -> Any:
    """``value`` with unknown keys added and values nulled at random depths (never where the
    format requires a value: a SKU, a tier's quantity, an element of ChildProducts or of a tier
    list)."""
    if isinstance(value, list):
        keep = parent_key in ("ChildProducts", "RecommendedSellingPrice", "GeneralBuyingPrice")
        return [mutated(item, rng, draw, "" if keep else "[]") for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key not in REQUIRED and rng.random() < draw.shape.nulls:
            out[key] = None
        else:
            out[key] = mutated(item, rng, draw, key)
    if rng.random() < draw.shape.extras:
        objects_only = parent_key in OBJECT_MAPS or parent_key.endswith("PriceCountryBased")
        extra = {f"X{draw.token()}": draw.text(), "list": [draw.number(), {"deep": draw.text()}]}
        out[f"X{draw.token()}"] = extra if objects_only else rng.choice([extra, draw.number()])
    return out


@st.composite
def product_files(draw_from: st.DrawFn) -> Any:
    """Product files: their shape drawn by Hypothesis, their values by a seeded random source
    (a failing file shrinks to fewer children, positions, nulls and unknown keys)."""
    shape = Shape(
        children=draw_from(st.integers(1, 3)),
        positions=draw_from(st.integers(0, 2)),
        options=draw_from(st.integers(0, 3)),
        charges=draw_from(st.integers(0, 2)),
        nulls=draw_from(st.sampled_from([0.0, 0.02, 0.05, 0.1])),
        extras=draw_from(st.sampled_from([0.0, 0.1, 0.3])),
    )
    rng = random.Random(draw_from(st.integers(0, 2**32 - 1)))
    draw = Draw(rng, shape)
    return mutated(draw.family(), rng, draw)
