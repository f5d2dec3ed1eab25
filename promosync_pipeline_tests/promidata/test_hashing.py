"""The content hash changes exactly when stored content changes."""

import orjson

from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import child, dumps, family


def h(doc) -> str:
    return content_hash(parse_product(dumps(doc), "f.json"))


def base():
    return family("A23-100", [child("A23-100-1"), child("A23-100-2", search_color="Blue")])


def test_key_order_and_whitespace_do_not_change_the_hash():
    doc = base()
    reordered = dict(reversed(list(doc.items())))
    pretty = orjson.dumps(reordered, option=orjson.OPT_INDENT_2)
    assert content_hash(parse_product(pretty, "f.json")) == h(doc)


def test_values_that_carry_nothing_do_not_change_the_hash():
    """null, an empty object or array, an absent key: all alike (every other value is stored,
    decoration, logistics and warnings included)."""
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

    hashes = {h(base())}
    for change in (price, name, color, gallery_order, brand):
        doc = base()
        change(doc)
        hashes.add(h(doc))
    assert len(hashes) == 6
