"""What a hostile or broken feed cannot make promosync do.

Refusals of hosts, ports and schemes by the client are in ``http/test_hosts.py`` and
``http/test_client.py::test_disallowed_host_is_refused_without_a_request``, redirects in
``http/test_client.py::test_redirect_to_another_loopback_port_or_host_is_refused`` and
``…::test_redirect_within_the_allowed_origin_is_followed``; here the same over a whole sync,
with a second server standing in for what must never be reached.
"""

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec, parse_fault
from promosync_pipeline.partitions import suppliers
from promosync_pipeline_tests.support.catalog import open_errors, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_nothing_lost
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, sync

pytestmark = pytest.mark.feed(seed=31, suppliers=1, families=12, languages=("en",))


@pytest.fixture
def canary():
    """Another server on loopback: a request reaching it is a request that escaped."""
    with FeedServer(FeedGenerator(FeedSpec(seed=2, suppliers=1, families=2))) as server:
        yield server


def test_urls_and_redirects_off_the_allowed_origin_are_never_fetched(
    instance, feed, sqlite_env, canary
):
    """Product URLs on another loopback port or host, a redirect to another loopback port, a
    redirect to ``file://``, index lines with ``file://``, ``ftp://`` and ``gopher://`` URLs:
    refused before any request (the other server sees none), each family recorded
    (``download``, naming the refusal) or the line reported; the rest commit."""
    g = feed.generator
    skus = g.all_skus()
    g.point_to_host([skus[0]], canary.origin, what="product")
    g.point_to_host([skus[1]], f"http://127.0.0.2:{feed.port}", what="product")
    g.point_to_host([skus[2]], f"http://localhost:{feed.port}", what="product")
    feed.set_faults(
        [
            parse_fault(f"redirect:sku={skus[3]},location={canary.origin}/Products/x.json"),
            parse_fault(f"redirect:sku={skus[4]},location=file:///etc/passwd"),
        ]
    )
    g.add_index_lines(
        [
            "file:///etc/A1/A1-1.json|" + "A" * 40,
            "ftp://127.0.0.1/A1/A1-2.json|" + "A" * 40,
            "gopher://127.0.0.1:70/A1/A1-3.json|" + "A" * 40,
        ]
    )
    runs = sync(instance, promidata=TEST_CLIENT, parse={"max_failure_share": 0.9}, images=False)
    assert runs.refresh.metadata["promidata_index"]["index_problems"] == 3
    (run,) = runs.values()
    assert run.success, run.error()
    assert canary.stats.requests == {}, canary.stats.as_dict()
    errors = open_errors(sqlite_env)
    assert set(errors) == set(skus[:5])
    for sku in skus[:3]:
        assert "is not in the allowed hosts" in errors[sku]["error"]
    assert "is not in the allowed hosts" in errors[skus[3]]["error"]
    assert "scheme 'file' is not allowed" in errors[skus[4]]["error"]
    assert all(e["stage"] == "download" for e in errors.values())
    assert_nothing_lost(sqlite_env, g)


def _doc_named(generator: FeedGenerator, template: str, sku: str) -> bytes:
    import orjson

    doc = generator.document(template)
    doc["Sku"] = sku
    for n, child in enumerate(doc["ChildProducts"]):
        child["Sku"] = f"{sku}-{n}"
    return orjson.dumps(doc)


WEIRD_SKUS = [
    "'; DROP TABLE products; --",
    '" OR "1"="1',
    "%_\\%",
    "x'); DELETE FROM sync_errors; --",
    "a/b/../../c",
    "Robert'); DROP TABLE product_variants;--",
]
WEIRD_CODE = "A9'\";--%_"


def test_names_with_quotes_sql_and_path_characters_are_data(instance, feed, sqlite_env):
    """SKUs with quotes, SQL, ``%`` / ``_`` wildcards, backslashes, slashes and ``..``, and a
    supplier code with quotes and SQL: stored exactly as given (statements are parameterised),
    every table intact, LIKE-style wildcards do not widen any update. Supplier codes that
    would make unsafe partition keys or paths (``/``, ``..``, ``...``) are refused at the
    index, never registered as partitions, while the rest of the index syncs."""
    g = feed.generator
    skus = g.all_skus()
    (code,) = g.supplier_codes()
    weird = [f"{code}-{name}" for name in WEIRD_SKUS]
    for n, sku in enumerate(weird):
        g.poison(sku, _doc_named(g, skus[n], sku), code=code)
    odd_supplier_sku = f"{WEIRD_CODE}-1"
    g.poison(odd_supplier_sku, _doc_named(g, skus[0], odd_supplier_sku), code=WEIRD_CODE)
    unsafe = {"A1/../../escape": "A1/../../escape-1", "A1...": "A1...-1", "..": "..-1"}
    for bad_code, sku in unsafe.items():
        g.poison(sku, _doc_named(g, skus[0], sku), code=bad_code)

    runs = sync(instance, promidata=TEST_CLIENT, images=False)
    assert runs.refresh.success, runs.refresh.error()
    assert runs.refresh.metadata["promidata_index"]["index_problems"] == len(unsafe)
    assert sorted(instance.get_dynamic_partitions(suppliers.name)) == sorted([code, WEIRD_CODE])
    assert all(r.success for r in runs.values())

    stored = {r["sku"]: r for r in rows(sqlite_env, t.products)}
    for sku in [*weird, odd_supplier_sku]:
        assert stored[sku]["is_active"], sku
    assert stored[odd_supplier_sku]["supplier_code"] == WEIRD_CODE
    variants = {r["sku"] for r in rows(sqlite_env, t.product_variants)}
    assert {f"{weird[0]}-0", f"{weird[4]}-0"} <= variants
    assert {r["code"] for r in rows(sqlite_env, t.suppliers)} == {code, WEIRD_CODE}
    engine = make_engine(sqlite_env)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"products", "product_variants", "price_tiers", "sync_errors"} <= tables
    for bad_code in unsafe:
        assert not any(bad_code == r["supplier_code"] for r in stored.values())
    g.cure(list(unsafe.values()))
    assert_nothing_lost(sqlite_env, g)

    g.remove_families([skus[-1]])  # the removal path takes the weird SKUs through IN lists
    runs = sync(instance, promidata=TEST_CLIENT, images=False)
    assert all(r.success for r in runs.values())
    assert_nothing_lost(sqlite_env, g)
