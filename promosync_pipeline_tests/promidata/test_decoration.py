"""Decoration, order terms and logistics: what a quote is built from, read from the children."""

from decimal import Decimal

import pytest

from promosync_pipeline.promidata import (
    ImageRef,
    ImprintCharge,
    ImprintOption,
    ImprintPosition,
    OrderTerms,
    PriceTier,
    ProductParseError,
    parse_product,
)
from promosync_pipeline_tests.promidata.builders import (
    IMG,
    LANGS,
    PRINT_QUANTITIES,
    block,
    charge,
    child,
    dumps,
    family,
    option,
    position,
    reference_like,
    tier,
)

TERMS = (OrderTerms("BENELUX", 1, 1, Decimal(0), "1"),)


def parse(doc, **kwargs):
    return parse_product(dumps(doc), "A23/A23-100.json", **kwargs)


def local(name: str) -> dict[str, str]:
    return {lang: f"{name} [{lang}]" for lang in LANGS}


def selling(*prices: tuple[float, int], region: str = "BENELUX") -> tuple[PriceTier, ...]:
    return tuple(PriceTier(region, "selling", q, Decimal(str(p)), "EUR", False) for p, q in prices)


def expected_option(sku: str, colors: str, base: float, charged: bool = True) -> ImprintOption:
    setup = ImprintCharge(
        sku=f"{sku}_S",
        supplier_sku=f"{sku.split('-', 1)[1]}_S",
        name=local("Setup"),
        description={},
        calculation_type="Unique",
        calculation_amount=Decimal(1),
        requirement=None,
        prices=selling((30.0, 1)),
        terms=(OrderTerms("BENELUX", 0, 0, Decimal(0), "0"),),
    )
    return ImprintOption(
        sku=sku,
        supplier_sku=sku.split("-", 1)[1],
        print_code="Screen",
        name=local(f"Print {colors}"),
        description={},
        colors=colors,
        width_mm=None,
        height_mm=None,
        depth_mm=None,
        diameter_mm=None,
        prices=selling(*((round(base - 0.25 * i, 2), q) for i, q in enumerate(PRINT_QUANTITIES))),
        terms=TERMS,
        charges=(setup,) if charged else (),
        attributes={"PrintColor": 0},
    )


REFERENCE_OPTIONS = (
    *(expected_option(f"A23-SCREEN_{n}C", str(n), 4.0 + n / 4) for n in range(1, 7)),
    *(expected_option(f"A23-EMBROIDERY_{n}", "1", 2.0 + n) for n in range(5)),
    expected_option("A23-DIGITAL_FC", "full-color", 3.0, charged=False),
)


def test_a_file_shaped_like_a_real_one_parses_to_exactly_its_decoration_and_logistics():
    """Two colours, each child with one position of twelve options in four languages (nine
    print tiers and a setup charge each, the last without), logistics on the children."""
    fam = parse(reference_like())
    black, navy = fam.variants
    for variant in (black, navy):
        (front,) = variant.positions
        assert front == ImprintPosition(
            code="front_150x150mm",
            supplier_code="front",
            name=local("Area front_150x150mm"),
            description={},
            max_print_area="150 x 150 mm",
            images=(ImageRef(IMG.format(f"{variant.sku}-area"), "imprint", 0, None),),
            options=REFERENCE_OPTIONS,
            attributes={},
        )
        assert (variant.country_of_origin, variant.customs_tariff_number) == ("CHN", "4202929190")
        assert (variant.carton_length_cm, variant.carton_width_cm) == (47.0, 37.0)
        assert (variant.carton_height_cm, variant.carton_quantity) == (39.0, 90)
        assert (variant.carton_weight_net_kg, variant.carton_weight_gross_kg) == (15.8, 16.8)
        assert variant.price_terms == TERMS
        assert variant.price_tiers == selling((9.0, 1), (8.0, 100), (7.0, 500))
    assert black.positions[0].options is navy.positions[0].options, "read once, shared"
    assert len(black.positions[0].options[0].prices) == 9
    assert (black.color, black.hex_color, navy.color, navy.hex_color) == (
        "Black", "#000000", "Navy", None,
    )  # fmt: skip
    assert black.attributes == {
        "NonLanguageDependedProductDetails": {
            "Fragile": False,
            "USBItem": False,
            "ProductFiltersByGroup": {"Eco": "True", "GiftWrappingPossible": "True"},
            "WebShopInformation": {"OuterCartonWeightNetKG": "15,8"},
        },
        "ProductDetails": {
            lang: {
                "WebShopInformation": {
                    "Material": {"InformationLabel": "Material"},
                    "Compliance": {
                        "InformationLabel": f"Compliance ({lang})",
                        "InformationValue": f"Free of PVC ({lang})",
                    },
                }
            }
            for lang in LANGS
        },
        "UnstructuredInformation": {"ReleaseDate": "01.05.2025"},
    }


def test_the_parent_price_summary_no_variant_inherits_is_kept_in_the_family():
    fam = parse(reference_like())
    assert fam.attributes["ProductPriceCountryBased"] == {
        "BENELUX": {
            "RecommendedSellingPrice": [
                {"Price": 7.5, "Quantity": 1500, "OnRequest": False, "Valuta": "EURO"}
            ],
            "GeneralBuyingPrice": [
                {"Price": 5.25, "Quantity": 1500, "OnRequest": False, "Valuta": "EURO"}
            ],
            "QuantityIncrements": 1,
            "VatPercentage": 0,
            "MinimumOrderQuantity": 1,
            "VatSettingId": 1,
        }
    }
    assert fam.attributes["DefaultProducts"] == {"BENELUX": "A23-100-001"}


def test_variant_without_positions_inherits_the_parents_and_its_terms_follow_its_tiers():
    own = position("lid", [option("A23-PAD_1C")])
    doc = family(children=[child("A23-100-1"), child("A23-100-2")])
    doc["ImprintPositions"] = [own]
    doc["ChildProducts"][1]["ImprintPositions"] = [position("side", [option("A23-LASER_1C")])]
    doc["ChildProducts"][1]["ProductPriceCountryBased"] = {
        "FRANCE": block([tier(3.0, 1)], minimum=50, increment=10, vat=19, setting="2")
    }
    inherits, specific = parse(doc).variants
    assert [p.code for p in inherits.positions] == ["lid"]
    assert [p.code for p in specific.positions] == ["side"]
    assert inherits.price_terms == (OrderTerms("BENELUX", 1, 1, Decimal(0), None),)
    assert specific.price_terms == (OrderTerms("FRANCE", 50, 10, Decimal(19), "2"),)
    assert "ImprintPositions" not in parse(doc).attributes


def test_parent_positions_no_variant_inherits_are_kept_whole_in_the_family():
    doc = family(children=[child("A23-100-1")])
    doc["ChildProducts"][0]["ImprintPositions"] = [position("front", [option("A23-PAD_1C")])]
    doc["ImprintPositions"] = [{"PositionCode": "parent", "ImprintOptions": [], "Extra": None}]
    fam = parse(doc)
    assert [p.code for p in fam.variants[0].positions] == ["front"]
    assert fam.attributes["ImprintPositions"] == [{"PositionCode": "parent"}]


def test_nulls_and_empty_lists_everywhere_in_decoration():
    empty_option = {"Sku": None, "ImprintTexts": None, "ProductPriceCountryBased": {"X": None},
                    "ImprintCosts": [], "FastEditorNumberOfColors": None}  # fmt: skip
    doc = family(children=[child("A23-100-1"), child("A23-100-2"), child("A23-100-3")])
    doc["ChildProducts"][0]["ImprintPositions"] = [
        None,
        {"PositionCode": None, "ImprintLocationTexts": None, "UnstructuredInformation": None,
         "ImprintOptions": [None, empty_option, {"ImprintCosts": None, "Requirement": None}]},
    ]  # fmt: skip
    doc["ChildProducts"][1]["ImprintPositions"] = []
    doc["ImprintPositions"] = None
    first, second, third = parse(doc).variants
    (only,) = first.positions
    assert (only.code, only.name, only.images, only.max_print_area) == (None, {}, (), None)
    assert [o.sku for o in only.options] == [None, None]
    assert all(o.prices == () and o.terms == () and o.charges == () for o in only.options)
    assert only.options[0].attributes == {} and only.attributes == {}
    assert second.positions == () and third.positions == ()


@pytest.mark.parametrize(
    ("given", "read"),
    [("1", "1"), ("full-color", "full-color"), (2, "2"), (4.0, "4"), (" 2 ", "2"), (None, None)],
)
def test_colour_counts_are_text_whatever_their_json_type(given, read):
    doc = family(children=[child("A23-100-1")])
    doc["ChildProducts"][0]["ImprintPositions"] = [
        position("front", [option("A23-PAD", colors=given)])
    ]
    assert parse(doc).variants[0].positions[0].options[0].colors == read


def test_languages_missing_on_some_texts_and_keys_in_any_case():
    opt = option("A23-PAD_1C")
    del opt["ImprintTexts"]["nl"]
    opt["ImprintTexts"]["fr"] = None
    opt["ImprintTexts"]["DE "] = opt["ImprintTexts"].pop("de")
    opt["ImprintTexts"]["en"]["Description"] = "  Pad print on the lid  "
    doc = family(children=[child("A23-100-1")])
    doc["ChildProducts"][0]["ImprintPositions"] = [position("front", [opt])]
    read = parse(doc).variants[0].positions[0].options[0]
    assert read.name == {"de": "Print 1 [de]", "en": "Print 1 [en]"}
    assert read.description == {"en": "Pad print on the lid"}


def test_charge_without_supplier_sku_and_with_a_requirement():
    costs = [
        charge("A23-PAD_1C_S", SupplierSku=None, Requirement={"Operator": "Always", "Amount": 0}),
        charge("A23-PAD_1C_F", CalculationType="PerColor", CalculationAmount="2,5"),
    ]
    del costs[1]["SupplierSku"]
    doc = family(children=[child("A23-100-1")])
    doc["ChildProducts"][0]["ImprintPositions"] = [
        position("front", [option("A23-PAD_1C", ImprintCosts=costs)])
    ]
    setup, film = parse(doc).variants[0].positions[0].options[0].charges
    assert (setup.sku, setup.supplier_sku, setup.calculation_type) == (
        "A23-PAD_1C_S",
        None,
        "Unique",
    )
    assert setup.requirement == {"Operator": "Always", "Amount": 0}
    assert (film.supplier_sku, film.calculation_type, film.calculation_amount) == (
        None, "PerColor", Decimal("2.5"),
    )  # fmt: skip
    assert film.requirement is None


def test_print_area_dimensions_of_zero_are_unknown_and_text_numbers_are_read():
    opt = option("A23-PAD_1C", DimensionsWidth="12,5", DimensionsHeight=0, DimensionsDepth="0")
    opt["DimensionsDiameter"] = 40
    opt["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"] = [
        tier("0,31", "50"),
        tier(" 1.5 ", 1),
    ]
    opt["ProductPriceCountryBased"]["BENELUX"].update(
        MinimumOrderQuantity="100", QuantityIncrements=" 25 ", VatPercentage="19,5",
        VatSettingId=3.0,
    )  # fmt: skip
    doc = family(children=[child("A23-100-1")])
    doc["ChildProducts"][0]["ImprintPositions"] = [position("front", [opt])]
    read = parse(doc).variants[0].positions[0].options[0]
    assert (read.width_mm, read.height_mm, read.depth_mm, read.diameter_mm) == (
        12.5,
        None,
        None,
        40.0,
    )
    assert [(t.min_quantity, t.price) for t in read.prices] == [
        (1, Decimal("1.5")),
        (50, Decimal("0.31")),
    ]
    assert read.terms == (OrderTerms("BENELUX", 100, 25, Decimal("19.5"), "3"),)


def test_logistics_of_the_child_with_numbers_for_text_and_text_for_numbers():
    kid = child("A23-100-1")
    kid["NonLanguageDependedProductDetails"].update(
        CountryOfOrigin=" CN ", CustomsTariffNumber=4202929190, OuterCartonLengthCM="47,5",
        OuterCartonWidthCM=0, OuterCartonHeightCM=None, OuterCartonWeightNetKG="0",
        OuterCartonWeightGrossKG=16, OuterCartonQuantityPerCarton="90",
    )  # fmt: skip
    (variant,) = parse(family(children=[kid])).variants
    assert (variant.country_of_origin, variant.customs_tariff_number) == ("CN", "4202929190")
    assert (variant.carton_length_cm, variant.carton_width_cm, variant.carton_height_cm) == (
        47.5, None, None,
    )  # fmt: skip
    assert (variant.carton_weight_net_kg, variant.carton_weight_gross_kg) == (None, 16.0)
    assert variant.carton_quantity == 90


def test_a_child_without_logistics_falls_back_to_the_parents():
    doc = family(children=[child("A23-100-1")])
    doc["NonLanguageDependedProductDetails"].update(
        CountryOfOrigin="DEU", CustomsTariffNumber="96081010", OuterCartonQuantityPerCarton=0
    )
    (variant,) = parse(doc).variants
    assert (variant.country_of_origin, variant.customs_tariff_number) == ("DEU", "96081010")
    assert variant.carton_quantity is None


OPTION = "ChildProducts[0].ImprintPositions[0].ImprintOptions"


def _set_in_option(index: int, *path, value):
    def mutate(doc):
        node = doc["ChildProducts"][0]["ImprintPositions"][0]["ImprintOptions"]
        for key in (index, *path)[:-1]:
            node = node[key]
        node[(index, *path)[-1]] = value

    return mutate


def _set_child(*path, value, child_index=0):
    def mutate(doc):
        node = doc["ChildProducts"][child_index]
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


PRICES = ("ProductPriceCountryBased", "BENELUX")
BAD_VALUES = [
    (
        _set_in_option(3, *PRICES, "RecommendedSellingPrice", 2, "Price", value="2,8,9"),
        f"{OPTION}[3].ProductPriceCountryBased.BENELUX.RecommendedSellingPrice[2].Price",
        "expected a number, got '2,8,9'",
    ),
    (
        _set_in_option(0, "ImprintCosts", 0, "CalculationAmount", value="lots"),
        f"{OPTION}[0].ImprintCosts[0].CalculationAmount",
        "expected a number",
    ),
    (
        _set_in_option(2, "FastEditorNumberOfColors", value={"n": 1}),
        f"{OPTION}[2].FastEditorNumberOfColors",
        "expected text, got object",
    ),
    (
        _set_in_option(0, "DimensionsWidth", value=True),
        f"{OPTION}[0].DimensionsWidth",
        "got boolean",
    ),
    (
        _set_in_option(1, "ImprintCosts", 0, "Requirement", value="Always"),
        f"{OPTION}[1].ImprintCosts[0].Requirement",
        "expected an object, got string",
    ),
    (
        _set_in_option(0, *PRICES, "MinimumOrderQuantity", value=-5),
        f"{OPTION}[0].ProductPriceCountryBased.BENELUX.MinimumOrderQuantity",
        "whole non-negative quantity",
    ),
    (
        _set_in_option(0, *PRICES, "VatPercentage", value="nineteen"),
        f"{OPTION}[0].ProductPriceCountryBased.BENELUX.VatPercentage",
        "expected a number",
    ),
    (
        _set_in_option(0, "ImprintCosts", 0, *PRICES, "VatSettingId", value={"id": 1}),
        f"{OPTION}[0].ImprintCosts[0].ProductPriceCountryBased.BENELUX.VatSettingId",
        "expected text, got object",
    ),
    (
        _set_in_option(1, "ImprintTexts", "fr", "Name", value=["x"]),
        f"{OPTION}[1].ImprintTexts.fr.Name",
        "expected text, got array",
    ),
    (
        _set_in_option(4, value="SCREEN"),
        f"{OPTION}[4]",
        "expected an object, got string",
    ),
    (
        _set_child(
            "ImprintPositions", 0, "ImprintLocationTexts", "de", "Images", 0, "Url", value=5.5
        ),
        "ChildProducts[0].ImprintPositions[0].ImprintLocationTexts.de.Images[0].Url",
        "expected text, got float",
    ),
    (
        _set_child("ImprintPositions", 0, value="front"),
        "ChildProducts[0].ImprintPositions[0]",
        "expected an object, got string",
    ),
    (
        _set_child("ImprintPositions", value={"PositionCode": "front"}, child_index=1),
        "ChildProducts[1].ImprintPositions",
        "expected an array, got object",
    ),
    (
        _set_child("NonLanguageDependedProductDetails", "OuterCartonQuantityPerCarton", value=2.5),
        "ChildProducts[0].NonLanguageDependedProductDetails.OuterCartonQuantityPerCarton",
        "whole non-negative quantity",
    ),
    (
        _set_child("NonLanguageDependedProductDetails", "CustomsTariffNumber", value={"hs": 42}),
        "ChildProducts[0].NonLanguageDependedProductDetails.CustomsTariffNumber",
        "expected text, got object",
    ),
    (
        _set_child("NonLanguageDependedProductDetails", "CountryOfOrigin", value=["CN"]),
        "ChildProducts[0].NonLanguageDependedProductDetails.CountryOfOrigin",
        "expected text, got array",
    ),
    (
        _set_child("ProductPriceCountryBased", "BENELUX", "QuantityIncrements", value="1.5"),
        "ChildProducts[0].ProductPriceCountryBased.BENELUX.QuantityIncrements",
        "whole non-negative quantity",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "field", "reason"), BAD_VALUES, ids=[f for _, f, _ in BAD_VALUES]
)
def test_a_value_that_cannot_be_read_fails_the_family_naming_its_path(mutate, field, reason):
    doc = reference_like()
    mutate(doc)
    with pytest.raises(ProductParseError) as err:
        parse(doc)
    assert err.value.field == field
    assert reason in err.value.reason
    assert field in str(err.value) and "A23/A23-100.json" in str(err.value)


def test_a_bad_value_in_the_parents_positions_fails_only_when_a_variant_inherits_them():
    doc = family(children=[child("A23-100-1")])
    doc["ImprintPositions"] = [position("lid", [option("A23-PAD_1C", Sku={"x": 1})])]
    with pytest.raises(ProductParseError) as err:
        parse(doc)
    assert err.value.field == "ImprintPositions[0].ImprintOptions[0].Sku"
    doc["ChildProducts"][0]["ImprintPositions"] = [position("front", [option("A23-PAD_1C")])]
    assert parse(doc).attributes["ImprintPositions"][0]["ImprintOptions"][0]["Sku"] == {"x": 1}
