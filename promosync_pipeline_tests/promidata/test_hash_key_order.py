"""Property: the order of a product file's object keys, at any depth, never changes the content
hash, so a file whose bytes changed but whose content did not is never rewritten.

Regression: languages were read in the file's key order, so a family whose languages disagree
(a different main image in one language, a size given in some languages only) got another
``languages`` tuple, main image and size when only the key order of ``ProductDetails`` changed,
and with them another content hash. The same holds for decoration: a print area's pictures are
taken in language order, and options repeated by siblings are recognised by their exact JSON,
so a sibling whose keys come in another order must still read the same.
"""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import (
    IMG,
    child,
    dumps,
    family,
    option,
    position,
    reference_like,
)
from promosync_pipeline_tests.promidata.drawn import product_files


def shuffled(value: Any, rng: random.Random) -> Any:
    """``value`` with the keys of every object, at every depth, in a random order (arrays keep
    theirs: their order is content)."""
    if isinstance(value, dict):
        items = [(key, shuffled(item, rng)) for key, item in value.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


def languages_that_disagree() -> dict[str, Any]:
    """A family whose languages name different images and sizes, print-area pictures and
    option texts."""
    variant = child("A23-100-1", gallery=["g1", "g2"])
    blocks = variant["ProductDetails"]
    blocks["de"]["Image"] = {"Url": IMG.format("main-de"), "FileName": "main-de.jpg"}
    blocks["nl"]["MediaGalleryImages"].insert(0, {"Url": IMG.format("g-nl"), "FileName": None})
    blocks["fr"]["ConfigurationFields"] = [
        {"ConfigurationName": "Size", "ConfigurationValue": "XL"}
    ]
    blocks["en"]["ConfigurationFields"] = [{"ConfigurationName": "Size", "ConfigurationValue": "L"}]
    blocks["EN "] = blocks.pop("en")  # codes are matched without case or spaces
    front = position("front", [option("A23-PAD_1C"), option("A23-PAD_2C", colors="2")], "area")
    front["ImprintLocationTexts"]["fr"]["Images"] = [
        {"Url": IMG.format("area-fr"), "FileName": "fr.jpg"},
        {"Url": IMG.format("area"), "FileName": "other.jpg"},
    ]
    front["ImprintOptions"][1]["ImprintTexts"]["Nl"] = {"Name": "Tampondruk (oud)"}
    variant["ImprintPositions"] = [front]
    return family("A23-100", [variant, child("A23-100-2", search_color="Blue")])


def generated_files() -> list[bytes]:
    generator = FeedGenerator(FeedSpec(seed=7, suppliers=1, families=8))
    return [generator.product_bytes(sku) for sku in generator.all_skus()[:8]]


DOCUMENTS: list[Any] = [languages_that_disagree(), reference_like()]
DOCUMENTS += [orjson.loads(data) for data in generated_files()]


def hash_of(doc: Any) -> str:
    return content_hash(parse_product(dumps(doc), "f.json"))


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, len(DOCUMENTS) - 1), seed=st.integers(0, 2**32 - 1))
def test_reordering_object_keys_at_any_depth_keeps_the_content_hash(index: int, seed: int):
    doc = DOCUMENTS[index]
    assert hash_of(shuffled(doc, random.Random(seed))) == hash_of(doc)


@settings(max_examples=40, deadline=None)
@given(document=product_files(), seed=st.integers(0, 2**32 - 1))
def test_key_order_never_matters_for_random_decoration_either(document: Any, seed: int):
    assert hash_of(shuffled(document, random.Random(seed))) == hash_of(document)


def test_the_disagreeing_family_does_depend_on_its_languages():
    """The regression document is sensitive where it should be: dropping the one language
    that names a main image, or the one that names a second print-area picture, changes the
    hash (so the property above is not vacuous)."""
    doc = languages_that_disagree()
    del doc["ChildProducts"][0]["ProductDetails"]["de"]
    assert hash_of(doc) != hash_of(languages_that_disagree())
    doc = languages_that_disagree()
    del doc["ChildProducts"][0]["ImprintPositions"][0]["ImprintLocationTexts"]["fr"]
    assert hash_of(doc) != hash_of(languages_that_disagree())
