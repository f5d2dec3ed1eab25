"""The content hash changes exactly when stored content changes, and everything is stored."""

import orjson

from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline.promidata.hashing import PARSER_VERSION
from promosync_pipeline_tests.promidata.builders import child, dumps, family, reference_like


def h(doc) -> str:
    return content_hash(parse_product(dumps(doc), "f.json"))


def base():
    return family("A23-100", [child("A23-100-1"), child("A23-100-2", search_color="Blue")])


def test_the_parser_version_is_part_of_the_hash():
    assert PARSER_VERSION == "3"


def test_key_order_and_whitespace_do_not_change_the_hash():
    doc = base()
    reordered = dict(reversed(list(doc.items())))
    pretty = orjson.dumps(reordered, option=orjson.OPT_INDENT_2)
    assert content_hash(parse_product(pretty, "f.json")) == h(doc)


def test_values_that_carry_nothing_do_not_change_the_hash():
    """null, an empty object or array, an absent key: all alike."""
    doc = base()
    doc["Warnings"] = {"W1": None}
    doc["ProductCosts"] = []
    doc["ChildProducts"][0]["ImprintPositions"] = [None]
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["CountryOfOrigin"] = None
    del doc["Errors"]
    assert h(doc) == h(base())


def test_variant_order_does_not_change_the_hash():
    doc = base()
    doc["ChildProducts"].reverse()
    assert h(doc) == h(base())


def test_equal_prices_written_differently_hash_alike():
    doc = base()
    doc["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][0]["Price"] = "9.50"
    assert h(doc) == h(base())
    doc = reference_like()
    options = doc["ChildProducts"][1]["ImprintPositions"][0]["ImprintOptions"]
    options[0]["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][0]["Price"] = (
        "4,25"
    )
    assert h(doc) == h(reference_like())


def test_every_stored_change_changes_the_hash():
    def price(d):
        d["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][0]["Price"] = 9.49

    def name(d):
        d["ProductDetails"]["fr"]["Name"] = "Sac"

    def color(d):
        d["ChildProducts"][1]["NonLanguageDependedProductDetails"]["SearchColor"] = "Red"

    def gallery_order(d):
        d["ChildProducts"][0]["ProductDetails"]["de"]["MediaGalleryImages"] = [
            {"Url": "https://img.test/b.jpg"},
            {"Url": "https://img.test/a.jpg"},
        ]

    def brand(d):
        d["NonLanguageDependedProductDetails"]["Brand"] = "Other"

    def warning(d):
        d["Warnings"] = {"W1": "something"}

    def origin(d):
        d["ChildProducts"][0]["NonLanguageDependedProductDetails"]["CountryOfOrigin"] = "CHN"

    def free_value(d):
        d["ChildProducts"][0]["UnstructuredInformation"] = {"DeliveryTimeInDays": "12"}

    def decoration(d):
        d["ChildProducts"][0]["ImprintPositions"] = [{"PositionCode": "front"}]

    changes = (price, name, color, gallery_order, brand, warning, origin, free_value, decoration)
    hashes = {h(base())}
    for change in changes:
        doc = base()
        change(doc)
        hashes.add(h(doc))
    assert len(hashes) == len(changes) + 1


def test_one_print_price_alone_changes_the_hash():
    """In one variant only, deep in its decoration: a different family."""
    doc = reference_like()
    options = doc["ChildProducts"][1]["ImprintPositions"][0]["ImprintOptions"]
    options[7]["ImprintCosts"][0]["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][
        0
    ]["Price"] = 31.0
    assert h(doc) != h(reference_like())
    doc = reference_like()
    options = doc["ChildProducts"][0]["ImprintPositions"][0]["ImprintOptions"]
    options[3]["ProductPriceCountryBased"]["BENELUX"]["RecommendedSellingPrice"][8]["Price"] = 1.1
    assert h(doc) != h(reference_like())


def test_options_shared_by_variants_hash_as_if_each_had_its_own():
    """Siblings share one parsed option list; the hash does not depend on that sharing."""
    fam = parse_product(dumps(reference_like()), "f.json")
    first, second = fam.variants
    assert first.positions[0].options is second.positions[0].options
    import dataclasses

    copied = dataclasses.replace(
        second,
        positions=(
            dataclasses.replace(
                second.positions[0],
                options=tuple(dataclasses.replace(o) for o in second.positions[0].options),
            ),
        ),
    )
    unshared = dataclasses.replace(fam, variants=(first, copied))
    assert content_hash(unshared) == content_hash(fam)
