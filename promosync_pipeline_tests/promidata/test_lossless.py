"""Property: every value of a product file is found in the parsed family.

Files are drawn in the Promidata shape (``drawn.py``) with random languages, random
decoration, numbers sent as text, unknown keys at random depths and random nulls; every scalar
of the file (``scalars.py``) must be among the values of the parsed ``Family``, its attributes
included. The only exceptions are the values the format defines as "none": a ``SearchColor`` of
``Undefined``, a measure of 0 where 0 means unknown, and the currency spelled ``EURO`` (read as
``EUR``).
"""

from __future__ import annotations

import random

import orjson
from hypothesis import given, settings

from promosync_pipeline.promidata import parse_product
from promosync_pipeline_tests.promidata.drawn import Draw, product_files
from promosync_pipeline_tests.support.scalars import as_read, lost, scalars_of, scalars_of_json


@settings(max_examples=300, deadline=None)
@given(document=product_files())
def test_every_value_of_a_file_is_found_in_the_parsed_family(document):
    family = parse_product(orjson.dumps(document), "f.json")
    orjson.dumps(family, default=str)  # the attributes are JSON
    assert lost(as_read(document), family) == {}


def test_the_check_sees_a_value_that_is_dropped():
    """The property can fail: a value the parsed family does not hold is reported."""
    document = Draw(random.Random(3)).family()
    family = parse_product(orjson.dumps(document), "f.json")
    document["ChildProducts"][0]["NonLanguageDependedProductDetails"]["Invented"] = "zz-9417"
    assert lost(as_read(document), family) == {
        "ChildProducts[0].NonLanguageDependedProductDetails.Invented": "zz-9417"
    }
    assert ("text", "zz-9417") not in scalars_of(family)
    assert scalars_of_json({"a": [" x ", None, "", 1.50, True]}) == {
        "a[0]": " x ",
        "a[3]": 1.5,
        "a[4]": True,
    }
