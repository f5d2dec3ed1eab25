"""The generator: deterministic, realistic in shape and size, mutations do what they say."""

import hashlib
from collections import Counter

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


def test_byte_cache_stays_bounded_for_a_large_feed():
    spec = FeedSpec(seed=9, suppliers=4, families=500, exact=True, cache_bytes=4 * 1024 * 1024)
    generator = FeedGenerator(spec)
    data = generator.index_bytes("http://h/P", "http://h/C.csv")
    assert len(parse_index(data).entries) == 2000
    assert generator.cache.size <= 4 * 1024 * 1024
