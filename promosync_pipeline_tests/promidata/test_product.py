"""Product file parsing: what goes in (Promidata JSON), what must come out (a Family)."""

from decimal import Decimal

import pytest

from promosync_pipeline.promidata import ProductParseError, parse_product
from promosync_pipeline_tests.promidata.builders import (
    IMG,
    child,
    clone,
    dumps,
    family,
    prices,
    tier,
)

COLORS = {
    "de": "schwarz (± PMS Black)",
    "en": "black (± PMS Black)",
    "fr": "noir (± PMS Black)",
    "nl": "zwart (± PMS Black)",
}


def parse(doc, **kwargs):
    return parse_product(dumps(doc), "A23/A23-100.json", **kwargs)


def test_shape_a_single_child_with_the_parent_sku():
    fam = parse(family("A23-100", [child("A23-100", search_color="Undefined")]))
    assert fam.sku == "A23-100" and fam.supplier_code == "A23" and fam.supplier_sku == "100"
    (variant,) = fam.variants
    assert variant.sku == "A23-100"
    assert variant.color is None
    assert fam.brand == "Acme Bags"
    assert (fam.category_code, fam.category_path) == ("SHOPPING_BAGS", "BAGS/SHOPPING_BAGS")
    assert fam.languages == ("de", "en", "fr", "nl")
    assert fam.name == {lang: f"Tote ({lang})" for lang in ("de", "en", "fr", "nl")}
    assert fam.description["en"] == "Long text about Tote in en."
    assert fam.short_description == {}
    assert fam.material == {lang: f"cotton {lang}" for lang in ("de", "en", "fr", "nl")}


def test_shape_b_variants_with_colour_size_and_facts():
    doc = family(
        "A461-2111041",
        [
            child("A461-2111041-600-4", search_color="Black", color=COLORS, size="XL"),
            child("A461-2111041-410-2", search_color="Blue", size="M", ean=8712345678913),
        ],
    )
    fam = parse(doc)
    black, blue = fam.variants
    assert black.sku == "A461-2111041-600-4" and black.supplier_sku == "2111041-600-4"
    assert (black.color, black.size, black.hex_color) == ("Black", "XL", "#101010")
    assert black.color_label == COLORS
    assert (blue.color, blue.size, blue.color_label) == ("Blue", "M", {})
    assert black.ean == "8712345678906" and blue.ean == "8712345678913"
    # child values win; a null child value falls back to the parent's; 0 stays 0
    assert (black.weight_g, black.length_mm, black.width_mm) == (175.0, 280.0, 127.0)
    assert (black.height_mm, black.diameter_mm) == (381.0, 0.0)
    assert black.is_active and blue.is_active


def test_price_tiers_of_every_region_and_kind():
    own = prices(
        GERMANY=([tier(10.0, 1), tier(9.0, 250)], [tier(7.0, 1)]),
        BENELUX=([tier(None, 1, on_request=True), tier("8,75", "100")], []),
    )
    fam = parse(family(children=[child("A23-100-1", price_block=own)]))
    tiers = [
        (t.region, t.kind, t.min_quantity, t.price, t.currency, t.on_request)
        for t in fam.variants[0].price_tiers
    ]
    assert tiers == [
        ("BENELUX", "selling", 1, None, "EUR", True),
        ("BENELUX", "selling", 100, Decimal("8.75"), "EUR", False),
        ("GERMANY", "buying", 1, Decimal("7.0"), "EUR", False),
        ("GERMANY", "selling", 1, Decimal("10.0"), "EUR", False),
        ("GERMANY", "selling", 250, Decimal("9.0"), "EUR", False),
    ]
    assert fam.price_min == Decimal("8.75") and fam.price_max == Decimal("10.0")
    assert fam.currency == "EUR"


def test_on_request_tier_keeps_no_price_even_when_one_is_sent():
    own = prices(BENELUX=([tier(0, 1, on_request=True)], []))
    fam = parse(family(children=[child("A23-100-1", price_block=own)]))
    (only,) = fam.variants[0].price_tiers
    assert only.on_request and only.price is None
    assert fam.price_min is None and fam.price_max is None


def test_variant_without_prices_inherits_the_family_tiers():
    own = prices(FRANCE=([tier(3.5, 1)], []))
    fam = parse(
        family(children=[child("A23-100-1", price_block=None), child("A23-100-2", price_block=own)])
    )
    inherited, specific = fam.variants
    assert [(t.region, t.kind, t.min_quantity, t.price) for t in inherited.price_tiers] == [
        ("BENELUX", "buying", 1, Decimal("6.0")),
        ("BENELUX", "buying", 100, Decimal("5.5")),
        ("BENELUX", "selling", 1, Decimal("9.5")),
        ("BENELUX", "selling", 100, Decimal("8.25")),
    ]
    assert [(t.region, t.price) for t in specific.price_tiers] == [("FRANCE", Decimal("3.5"))]
    assert fam.price_min == Decimal("3.5") and fam.price_max == Decimal("9.5")


def test_duplicate_tier_quantity_keeps_the_first():
    own = prices(BENELUX=([tier(2.0, 1), tier(1.0, 1)], []))
    fam = parse(family(children=[child("A23-100-1", price_block=own)]))
    assert [t.price for t in fam.variants[0].price_tiers] == [Decimal("2.0")]


def test_images_main_then_gallery_deduplicated_across_languages_in_order():
    doc = family(children=[child("A23-100-1", main="m1", gallery=["g2", "g1", "m1", "g2"])])
    doc["ChildProducts"][0]["ProductDetails"]["fr"]["MediaGalleryImages"].append(
        {"Url": IMG.format("g3"), "FileName": "g3.jpg"}
    )
    (variant,) = parse(doc).variants
    assert [(i.role, i.position, i.url) for i in variant.images] == [
        ("main", 0, IMG.format("m1")),
        ("gallery", 0, IMG.format("g2")),
        ("gallery", 1, IMG.format("g1")),
        ("gallery", 2, IMG.format("m1")),
        ("gallery", 3, IMG.format("g3")),
    ]
    assert variant.images[0].file_name == "m1.jpg"


def test_variant_without_images_inherits_the_family_images():
    fam = parse(family(children=[child("A23-100-1", main=None, gallery=[])]))
    assert [(i.role, i.url) for i in fam.variants[0].images] == [
        ("main", IMG.format("parent-main")),
        ("gallery", IMG.format("parent-g1")),
    ]


def test_images_shared_by_variants_are_listed_once_per_family():
    fam = parse(
        family(
            children=[
                child("A23-100-1", main="shared", gallery=["a"]),
                child("A23-100-2", main="shared", gallery=["b"]),
            ]
        )
    )
    assert fam.image_urls() == [IMG.format(x) for x in ("shared", "a", "b")]


def test_variant_inactive_only_when_every_language_says_so():
    doc = family(children=[child("A23-100-1"), child("A23-100-2")])
    for block in doc["ChildProducts"][0]["ProductDetails"].values():
        block["IsActive"] = False
    doc["ChildProducts"][1]["ProductDetails"]["de"]["IsActive"] = False
    first, second = parse(doc).variants
    assert not first.is_active and second.is_active


def test_numbers_sent_as_strings_are_read_as_numbers():
    doc = family(children=[child("A23-100-1", weight="12,5")])
    doc["NonLanguageDependedProductDetails"]["DimensionsWidth"] = "127.0"
    (variant,) = parse(doc).variants
    assert variant.weight_g == 12.5 and variant.width_mm == 127.0


def test_supplier_code_from_the_index_wins_over_anumber():
    doc = family()
    doc["ANumber"] = "A999"
    assert parse(doc).supplier_code == "A999"
    assert parse(doc, supplier_code="A23").supplier_code == "A23"


def test_family_is_keyed_by_parent_sku_not_by_anumber():
    one, two = family("A23-1"), family("A23-2")
    assert (parse(one).sku, parse(two).sku) == ("A23-1", "A23-2")


BAD_DOCS = [
    (b"", None, "empty file"),
    (b"{not json", None, "invalid JSON"),
    (b'{"Sku": "A23-1\xff\xfe"}', None, "invalid UTF-8 at byte 14"),
    (b"[1, 2]", "(root)", "expected an object, got array"),
]


@pytest.mark.parametrize(("data", "field", "reason"), BAD_DOCS)
def test_unreadable_files_raise_an_error_naming_the_file(data, field, reason):
    with pytest.raises(ProductParseError) as err:
        parse_product(data, "A23/A23-1.json")
    assert err.value.source == "A23/A23-1.json"
    assert err.value.field == field
    assert reason in err.value.reason
    assert str(err.value).startswith("A23/A23-1.json")


def _without_sku(doc):
    del doc["Sku"]


def _null_sku(doc):
    doc["Sku"] = None


def _no_children(doc):
    doc["ChildProducts"] = []


def _children_not_a_list(doc):
    doc["ChildProducts"] = {"Sku": "A23-100"}


def _object_for_name(doc):
    doc["ProductDetails"]["en"]["Name"] = {"text": "Tote"}


def _object_for_child_sku(doc):
    doc["ChildProducts"][0]["Sku"] = {"a": 1}


def _text_for_quantity(doc):
    doc["ChildProducts"][0]["ProductPriceCountryBased"] = prices(BENELUX=([tier(1.0, "many")], []))


def _fractional_quantity(doc):
    doc["ProductPriceCountryBased"]["BENELUX"]["GeneralBuyingPrice"][1]["Quantity"] = 2.5


def _thousands_separator_in_a_price(doc):
    doc["ChildProducts"][0]["ProductPriceCountryBased"] = {
        "BENELUX": {"RecommendedSellingPrice": [tier("1.234,56", 1)]}
    }


def _bool_for_weight(doc):
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["Weight"] = True


def _duplicate_variant(doc):
    doc["ChildProducts"].append(clone(doc["ChildProducts"][0]))


def _gallery_not_a_list(doc):
    doc["ProductDetails"]["nl"]["MediaGalleryImages"] = "img.jpg"


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (_without_sku, "Sku", "missing"),
        (_null_sku, "Sku", "missing"),
        (_no_children, "ChildProducts", "no variants"),
        (_children_not_a_list, "ChildProducts", "expected an array, got object"),
        (_object_for_name, "ProductDetails.en.Name", "expected text, got object"),
        (_object_for_child_sku, "ChildProducts[0].Sku", "expected text, got object"),
        (
            _text_for_quantity,
            "ChildProducts[0].ProductPriceCountryBased.BENELUX.RecommendedSellingPrice[0].Quantity",
            "expected a number, got 'many'",
        ),
        (
            _fractional_quantity,
            "ProductPriceCountryBased.BENELUX.GeneralBuyingPrice[1].Quantity",
            "whole non-negative quantity",
        ),
        (
            _thousands_separator_in_a_price,
            "ChildProducts[0].ProductPriceCountryBased.BENELUX.RecommendedSellingPrice[0].Price",
            "expected a number, got '1.234,56'",
        ),
        (
            _bool_for_weight,
            "ChildProducts[0].NonLanguageDependedProductDetails.Weight",
            "got boolean",
        ),
        (_duplicate_variant, "ChildProducts[1].Sku", "repeats ChildProducts[0]"),
        (_gallery_not_a_list, "ProductDetails.nl.MediaGalleryImages", "expected an array"),
    ],
)
def test_bad_values_raise_an_error_naming_the_field(mutate, field, reason):
    doc = family("A23-100", [child("A23-100-1")])
    mutate(doc)
    with pytest.raises(ProductParseError) as err:
        parse(doc)
    assert err.value.field == field
    assert reason in err.value.reason
    assert field in str(err.value) and "A23/A23-100.json" in str(err.value)


def test_parent_sku_that_disagrees_with_the_file_name_is_an_error():
    with pytest.raises(ProductParseError, match="disagrees with the file name's 'A23-999'"):
        parse(family("A23-100"), expected_sku="A23-999")
    assert parse(family("A23-100"), expected_sku="a23-100").sku == "A23-100"
