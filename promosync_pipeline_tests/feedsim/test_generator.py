"""The generator: deterministic, realistic in shape and size, mutations do what they say."""

import dataclasses
import hashlib
from collections import Counter
from decimal import Decimal

from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import content_hash, parse_categories, parse_index, parse_product


def parse(generator: FeedGenerator, sku: str):
    return parse_product(generator.product_bytes(sku), sku, expected_sku=sku)


def test_same_seed_same_bytes_and_index():
    a, b = FeedGenerator(FeedSpec(seed=5)), FeedGenerator(FeedSpec(seed=5))
    assert a.supplier_codes() == b.supplier_codes()
    sku = a.all_skus()[7]
    assert a.product_bytes(sku) == b.product_bytes(sku)
    assert a.index_bytes("http://h/P", "http://h/CAT.csv") == b.index_bytes(
        "http://h/P", "http://h/CAT.csv"
    )
    assert FeedGenerator(FeedSpec(seed=6)).supplier_codes() != a.supplier_codes()


def test_families_look_like_real_ones():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=2, families=150))
    families = [generator.family(sku) for sku in generator.all_skus()]
    sizes = [len(generator.product_bytes(sku)) for sku in generator.all_skus()]
    counts = Counter(len(f.variants) for f in families)
    assert min(counts) == 1 and max(counts) > 10 and max(counts) <= 40
    shape_a = [f for f in families if len(f.variants) == 1]
    assert shape_a and all(f.variants[0].sku == f.sku for f in shape_a)
    assert all(len(f.languages) >= 4 for f in families)
    regions = Counter(len({t.region for v in f.variants for t in v.price_tiers}) for f in families)
    assert set(regions) == {1, 2, 3}
    assert min(sizes) >= 20 * 1024 and sum(s <= 250 * 1024 for s in sizes) >= 0.99 * len(sizes)
    assert max(sizes) < 300 * 1024
    shared = [f for f in families if len(f.image_urls()) < sum(len(v.images) for v in f.variants)]
    assert len(shared) > len(families) // 2, "images are often shared across variants"
    assert any(t.on_request for f in families for v in f.variants for t in v.price_tiers)


def test_every_product_category_is_in_cat_csv():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=1, families=80))
    categories, problems = parse_categories(generator.categories_csv())
    assert problems == []
    codes = {c.code for c in categories}
    assert {generator.family(s).category_code for s in generator.all_skus()} <= codes
    assert all(len(c.name) == 6 for c in categories)


def test_index_lists_every_file_with_the_sha1_of_its_bytes():
    generator = FeedGenerator(FeedSpec(seed=3, suppliers=2, families=10))
    data = generator.index_bytes("http://h.test/Products", "http://h.test/Import/CAT.csv")
    assert data.startswith("\ufeff".encode()) and b"\r\n" in data
    report = parse_index(data)
    assert report.problems == []
    assert report.categories_url == "http://h.test/Import/CAT.csv"
    assert [e.sku for e in report.entries] == generator.all_skus()
    for entry in report.entries:
        digest = hashlib.sha1(generator.product_bytes(entry.sku)).hexdigest().upper()
        assert entry.hash == digest


def test_content_change_changes_truth_and_hash():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=20))
    sku = generator.all_skus()[3]
    before, old_hash = generator.family(sku), generator.file_hash(sku)
    changed = generator.change_families(1)
    target = changed[0]
    assert target in generator.all_skus()
    if target == sku:
        assert generator.family(sku) != before and generator.file_hash(sku) != old_hash
    assert parse(generator, target) == generator.family(target)


def test_bytes_only_change_keeps_the_parsed_content():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=5))
    sku = generator.all_skus()[0]
    old_bytes, old_family = generator.product_bytes(sku), parse(generator, sku)
    generator.change_bytes_only([sku])
    assert generator.product_bytes(sku) != old_bytes
    assert parse(generator, sku) == old_family
    assert content_hash(parse(generator, sku)) == content_hash(old_family)


def test_a_price_change_scales_the_selling_prices_alone():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=6, exact=True))
    sku, other = generator.all_skus()[:2]
    before, untouched = generator.family(sku), generator.family(other)
    generator.change_prices(skus=[sku], factor=10)
    after = generator.family(sku)
    assert parse(generator, sku) == after and generator.family(other) == untouched
    for old, new in zip(before.variants, after.variants, strict=True):
        assert dataclasses.replace(new, price_tiers=old.price_tiers) == old
        for a, b in zip(old.price_tiers, new.price_tiers, strict=True):
            if a.kind == "selling" and a.price is not None:
                assert b.price == (a.price * 10).quantize(Decimal("0.01"))
            else:
                assert b == a
    assert len(generator.change_prices(share=0.5, factor=1.1)) == 3


def test_a_change_behind_the_index_keeps_the_listed_hash():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=3, exact=True))
    sku = generator.all_skus()[0]
    before, listed = generator.family(sku), generator.listed_hash(sku)
    generator.change_behind_the_index([sku])
    assert generator.family(sku) != before and parse(generator, sku) == generator.family(sku)
    assert generator.listed_hash(sku) == listed != generator.file_hash(sku)
    index = parse_index(generator.index_bytes("http://h/P", "http://h/C.csv"))
    assert {e.sku: e.hash for e in index.entries}[sku] == listed


def test_remove_add_and_new_supplier_show_in_the_index():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=5, exact=True))
    (code,) = generator.supplier_codes()
    gone = generator.all_skus()[1]
    generator.remove_families([gone])
    added = generator.add_families(code, 2)
    new_code = generator.add_supplier(3)
    skus = [
        e.sku for e in parse_index(generator.index_bytes("http://h/P", "http://h/C.csv")).entries
    ]
    assert gone not in skus and set(added) <= set(skus)
    assert len([s for s in skus if s.startswith(f"{new_code}-")]) == 3
    assert len(skus) == 5 - 1 + 2 + 3
    generator.restore_families([gone])
    assert gone in generator.all_skus()


def test_byte_cache_stays_bounded_for_a_large_feed():
    spec = FeedSpec(seed=9, suppliers=4, families=500, exact=True, cache_bytes=4 * 1024 * 1024)
    generator = FeedGenerator(spec)
    data = generator.index_bytes("http://h/P", "http://h/C.csv")
    assert len(parse_index(data).entries) == 2000
    assert generator.cache.size <= 4 * 1024 * 1024


def _decorated(generator: FeedGenerator):
    return [generator.family(sku) for sku in generator.all_skus()]


def test_every_generated_file_parses_back_to_its_truth_attributes_included():
    """A few hundred families of three suppliers, extra languages included."""
    generator = FeedGenerator(FeedSpec(seed=12, suppliers=3, families=100, exact=True))
    for sku in generator.all_skus():
        parsed = parse(generator, sku)
        truth = generator.family(sku)
        assert parsed == truth, sku
        assert content_hash(parsed) == content_hash(truth)
    languages = {lang for sku in generator.all_skus() for lang in generator.family(sku).languages}
    assert languages > {"de", "en", "fr", "nl"}


def test_decoration_comes_in_the_shapes_real_files_have():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=2, families=150))
    families = _decorated(generator)
    positions = [p for f in families for v in f.variants for p in v.positions]
    options = [o for p in positions for o in p.options]
    charges = [c for o in options for c in o.charges]
    assert {len(f.variants[0].positions) for f in families} == {1, 2, 3}
    assert {len(p.options) for p in positions} >= {2, 6} and max(
        len(p.options) for p in positions
    ) <= 6
    distinct = {id(o): o for o in options}.values()
    per_region = Counter(
        (id(o), t.region) for o in distinct for t in o.prices if t.kind == "selling"
    )
    assert min(per_region.values()) >= 3 and max(per_region.values()) <= 9
    assert {len({t.region for t in o.prices}) for o in options} == {1, 2}
    assert {len(o.charges) for o in options} == {0, 1, 2}
    assert {c.calculation_type for c in charges} == {"Unique", "PerColor", "PerPosition"}
    assert all(len(c.prices) == 1 for c in charges)
    assert any(c.supplier_sku is None for c in charges) and any(c.supplier_sku for c in charges)
    assert {o.colors for o in options} == {"1", "2", "4", "full-color"}
    assert any(o.width_mm is None for o in options) and any(o.width_mm for o in options)
    assert any(c.requirement is None for c in charges)
    assert any(c.requirement for c in charges)
    assert any(
        len(p.name) < len(f.languages)
        for f in families for v in f.variants for p in v.positions
    )  # fmt: skip


def test_variants_share_their_decoration_but_for_their_print_area_picture():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=2, families=150))
    families = [f for f in _decorated(generator) if len({v.color for v in f.variants}) > 1]
    varied = pictured = 0
    for fam in families:
        first, *others = fam.variants
        offers = [[(p.code, p.options) for p in v.positions] for v in fam.variants]
        varied += any(offer != offers[0] for offer in offers)
        pictures = {v.color: v.positions[0].images for v in fam.variants}
        pictured += len(set(pictures.values())) == len(pictures)
        for other in others:
            assert [p.name for p in other.positions] == [p.name for p in first.positions]
    assert 0.05 < varied / len(families) < 0.3, "about one family in seven"
    assert pictured > len(families) // 2, "each colour its own print-area picture"


def test_order_terms_logistics_and_free_values_vary():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=3, families=100))
    families = _decorated(generator)
    variants = [v for f in families for v in f.variants]
    terms = [t for v in variants for t in v.price_terms] + [
        t for v in variants for p in v.positions for o in p.options for t in o.terms
    ]
    assert {t.min_order_quantity for t in terms} >= {1, 50, 100}
    assert {t.quantity_increment for t in terms} >= {1, 10, 25}
    assert {t.vat_percentage for t in terms} >= {0, 19, 21}
    assert {len(v.country_of_origin or "") for v in variants} == {2, 3}
    assert all(v.customs_tariff_number and v.customs_tariff_number.isdigit() for v in variants)
    assert any(v.carton_quantity for v in variants) and any(
        v.carton_quantity is None for v in variants
    )
    facts = [v.attributes["NonLanguageDependedProductDetails"] for v in variants]
    assert all(isinstance(x, str) for f in facts for x in f["ProductFiltersByGroup"].values())
    details = [block for v in variants for block in v.attributes["ProductDetails"].values()]
    assert any("Compliance" in d["WebShopInformation"] for d in details)
    assert all(
        len(v.attributes["UnstructuredInformation"]["ReleaseDate"].split(".")) == 3
        for v in variants
    )
    assert any("VideoUrl" in v.attributes for v in variants)
    assert any("ProductCertificates" in v.attributes for v in variants)
    assert any("VideoUrl" not in v.attributes for v in variants)


def test_families_of_many_variants_write_their_positions_once_on_the_parent():
    generator = FeedGenerator(FeedSpec(seed=2, suppliers=2, families=150))
    drafts = [generator.draft(sku) for sku in generator.all_skus()]
    on_parent = [d for d in drafts if d.inherits_positions]
    assert on_parent and any(len(d.family.variants) >= 24 for d in on_parent)
    for draft in on_parent[:5]:
        document = generator.document(draft.family.sku)
        assert document["ImprintPositions"]
        assert all(c["ImprintPositions"] is None for c in document["ChildProducts"])
        assert all(v.positions == draft.parent_positions for v in draft.family.variants)


def test_every_bytes_only_change_gives_new_bytes_and_the_same_content():
    generator = FeedGenerator(FeedSpec(seed=4, suppliers=1, families=5))
    sku = generator.all_skus()[1]
    seen = {generator.product_bytes(sku)}
    truth = generator.family(sku)
    for _ in range(5):
        generator.change_bytes_only([sku])
        seen.add(generator.product_bytes(sku))
        assert parse(generator, sku) == truth
    assert len(seen) == 6
