"""Bad input end to end: poisoned product files and index lines served over HTTP.

Each bad family is recorded in ``sync_errors`` with a reason naming it (or, when the file is
merely odd, stored as it parses); every other family commits; nothing is lost; and once the
feed is repaired the next sync converges. Parser-level extremes are in
``test_parser_properties.py``; single bad values in ``promidata/test_product.py``; a
truncated file end to end in
``pipeline/test_sync.py::test_truncated_family_is_recorded_and_the_others_commit``.
"""

import copy

import orjson
import pytest

from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.catalog import active_skus, open_errors
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=29, suppliers=1, families=16, languages=("de", "en"))


def _many_variants(doc: dict, count: int) -> dict:
    """The family with ``count`` variants, each a copy of the first with its own SKU and one
    price tier."""
    first = doc["ChildProducts"][0]
    en = first["ProductDetails"]["en"]
    first["ProductDetails"] = {"en": {"IsActive": True, "Image": en["Image"]}}
    first["ImprintPositions"] = None
    first["ProductPriceCountryBased"] = {
        "BENELUX": {
            "RecommendedSellingPrice": [
                {"Price": 1.25, "Quantity": 1, "OnRequest": False, "Valuta": "EURO"}
            ],
            "GeneralBuyingPrice": [],
        }
    }
    children = []
    for n in range(count):
        child = copy.copy(first)
        child["Sku"] = f"{doc['Sku']}-V{n:05d}"
        child["SupplierSku"] = f"V{n:05d}"
        children.append(child)
    doc["ChildProducts"] = children
    doc["ImprintPositions"] = []
    return doc


def test_poisoned_files_fail_alone_and_odd_ones_are_stored(instance, feed, env):
    """Served over HTTP: invalid JSON, invalid UTF-8, an HTML error page, a parent ``Sku``
    that names another family (the same SKU in two files), an object where text belongs, a
    variant SKU that another family owns (one of the two) -> each recorded (``parse`` /
    ``write``) with its reason. Strings for numbers, nulls, a 5 MB description, 10,000
    variants, valid JSON sent as ``text/html`` -> stored as parsed. Malformed and duplicate
    index lines -> skipped and counted. Every other family commits; after the repair
    everything converges."""
    sqlite_env = env
    g = feed.generator
    skus = g.all_skus()
    (code,) = g.supplier_codes()
    bad = {}

    g.poison(skus[0], g.product_bytes(skus[0])[:-200])
    bad[skus[0]] = ("parse", "invalid JSON")
    feed.set_faults([parse_fault(f"invalid_utf8:sku={skus[1]}")])
    bad[skus[1]] = ("parse", "invalid UTF-8")
    g.poison(skus[2], b"<html><h1>502 Bad Gateway</h1></html>", content_type="text/html")
    bad[skus[2]] = ("parse", "invalid JSON")
    doc = g.document(skus[3])
    doc["Sku"] = skus[4]
    g.poison(skus[3], orjson.dumps(doc))
    bad[skus[3]] = ("parse", f"disagrees with the file name's '{skus[3]}'")
    doc = g.document(skus[5])
    doc["NonLanguageDependedProductDetails"]["Brand"] = {"name": "Acme"}
    g.poison(skus[5], orjson.dumps(doc))
    bad[skus[5]] = ("parse", "NonLanguageDependedProductDetails.Brand")
    doc = g.document(skus[6])
    doc["ChildProducts"][0]["Sku"] = g.family(skus[7]).variants[0].sku
    g.poison(skus[6], orjson.dumps(doc))
    thief, owner = skus[6], skus[7]  # whichever is written second fails

    doc = g.document(skus[8])
    doc["ChildProducts"][0]["NonLanguageDependedProductDetails"]["Weight"] = "12,5"
    doc["NonLanguageDependedProductDetails"]["DimensionsLength"] = "100"
    doc["ProductDetails"]["en"]["Name"] = None
    doc["ProductDetails"]["de"]["ShortDescription"] = None
    g.poison(skus[8], orjson.dumps(doc))
    doc = g.document(skus[9])
    doc["ProductDetails"]["en"]["Description"] = "huge text " * (5 * 1024 * 1024 // 10)
    g.poison(skus[9], orjson.dumps(doc))
    g.poison(skus[10], orjson.dumps(_many_variants(g.document(skus[10]), 10_000)))
    g.poison(skus[11], g.product_bytes(skus[11]), content_type="text/html; charset=latin-1")
    g.add_index_lines(
        [
            "this is not a line of an index",
            "{products}/" + code + "/" + skus[12] + ".json",
            "{products}/mirror/" + code + "/" + skus[12] + ".json|" + "A" * 40,
            "ftp://127.0.0.1/" + code + "/" + code + "-1.json|" + "A" * 40,
        ]
    )

    runs = sync(instance, promidata=TEST_CLIENT, parse={"max_failure_share": 0.9}, images=False)
    assert runs.refresh.metadata["promidata_index"]["index_problems"] == 4
    run = runs[code]
    assert run.success, run.error()
    errors = open_errors(sqlite_env)
    for sku, (stage, reason) in bad.items():
        assert errors[sku]["stage"] == stage and reason in errors[sku]["error"], sku
        assert sku in errors[sku]["error"]
    (clash,) = set(errors) - set(bad)
    assert clash in (thief, owner), errors[clash]
    assert errors[clash]["stage"] == "write" and "belongs to family" in errors[clash]["error"]
    assert active_skus(sqlite_env) == set(skus) - set(errors)
    assert run.metadata["catalog_products"]["families_failed"] == len(errors)
    assert_nothing_lost(sqlite_env, g)

    feed.set_faults([])
    g.cure()
    runs = sync(instance, promidata=TEST_CLIENT, images=False)
    assert all(r.success for r in runs.values())
    assert open_errors(sqlite_env) == {}
    assert_nothing_lost(sqlite_env, g)
