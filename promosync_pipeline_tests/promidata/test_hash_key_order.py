"""Property: the order of a product file's object keys, at any depth, never changes the content
hash, so a file whose bytes changed but whose content did not is never rewritten.

Regression: languages were read in the file's key order, so a family whose languages disagree
(a different main image in one language, a size given in some languages only) got another
``languages`` tuple, main image and size when only the key order of ``ProductDetails`` changed,
and with them another content hash.
"""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import content_hash, parse_product
from promosync_pipeline_tests.promidata.builders import IMG, child, dumps, family


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
    """A family whose languages name different images and sizes."""
    variant = child("A23-100-1", gallery=["g1", "g2"])
    blocks = variant["ProductDetails"]
    blocks["de"]["Image"] = {"Url": IMG.format("main-de"), "FileName": "main-de.jpg"}
    blocks["nl"]["MediaGalleryImages"].insert(0, {"Url": IMG.format("g-nl"), "FileName": None})
    blocks["fr"]["ConfigurationFields"] = [
        {"ConfigurationName": "Size", "ConfigurationValue": "XL"}
    ]
    blocks["en"]["ConfigurationFields"] = [{"ConfigurationName": "Size", "ConfigurationValue": "L"}]
    blocks["EN "] = blocks.pop("en")  # codes are matched without case or spaces
    return family("A23-100", [variant, child("A23-100-2", search_color="Blue")])


def generated_files() -> list[bytes]:
    generator = FeedGenerator(FeedSpec(seed=7, suppliers=1, families=6))
    return [generator.product_bytes(sku) for sku in generator.all_skus()[:6]]


DOCUMENTS: list[Any] = [languages_that_disagree()]
DOCUMENTS += [orjson.loads(data) for data in generated_files()]


def hash_of(doc: Any) -> str:
    return content_hash(parse_product(dumps(doc), "f.json"))


@settings(max_examples=150, deadline=None)
@given(index=st.integers(0, len(DOCUMENTS) - 1), seed=st.integers(0, 2**32 - 1))
def test_reordering_object_keys_at_any_depth_keeps_the_content_hash(index: int, seed: int):
    doc = DOCUMENTS[index]
    assert hash_of(shuffled(doc, random.Random(seed))) == hash_of(doc)


def test_the_disagreeing_family_does_depend_on_its_languages():
    """The regression document is sensitive where it should be: dropping the one language
    that names a main image changes the hash (so the property above is not vacuous)."""
    doc = languages_that_disagree()
    del doc["ChildProducts"][0]["ProductDetails"]["de"]
    assert hash_of(doc) != hash_of(languages_that_disagree())
