"""The catalog checks pass on a synced catalog and each fails on its own corruption."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import Catalog, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.checks import CATALOG_CHECKS
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline_tests.support.syncs import QUIET, sync

CHECK_NAMES = {key.name for c in CATALOG_CHECKS for key in c.check_keys}


def run_checks(instance: dg.DagsterInstance, code: str) -> dict[str, dg.AssetCheckEvaluation]:
    job = defs.resolve_job_def("catalog_checks_job")
    result = job.execute_in_process(
        instance=instance, run_config=QUIET, tags={"dagster/partition": code}
    )
    assert result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(evaluations) == CHECK_NAMES
    return evaluations


def failing(evaluations: dict[str, dg.AssetCheckEvaluation]) -> set[str]:
    return {name for name, e in evaluations.items() if not e.passed}


Corruption = Callable[[sa.Connection, str], None]


def _product(conn: sa.Connection, code: str, offset: int = 0) -> str:
    p = t.products
    query = (
        sa.select(p.c.sku)
        .where(p.c.supplier_code == code, p.c.is_active)
        .order_by(p.c.sku)
        .offset(offset)
        .limit(1)
    )
    return conn.execute(query).scalar_one()


def _ladder(conn: sa.Connection, code: str) -> list[Any]:
    """The priced tiers of the first (variant, region, kind) with at least two, by quantity."""
    pt, p = t.price_tiers, t.products
    groups = (
        sa.select(pt.c.variant_sku, pt.c.region, pt.c.kind)
        .join(p, p.c.sku == pt.c.product_sku)
        .where(p.c.supplier_code == code, pt.c.price.is_not(None))
        .group_by(pt.c.variant_sku, pt.c.region, pt.c.kind)
        .having(sa.func.count() >= 2)
        .order_by(pt.c.variant_sku, pt.c.region, pt.c.kind)
        .limit(1)
    )
    variant, region, kind = conn.execute(groups).one()
    return list(
        conn.execute(
            sa.select(pt)
            .where(
                pt.c.variant_sku == variant,
                pt.c.region == region,
                pt.c.kind == kind,
                pt.c.price.is_not(None),
            )
            .order_by(pt.c.min_quantity)
        )
    )


def _tier_where(tier: Any) -> Any:
    pt = t.price_tiers
    return sa.and_(
        pt.c.variant_sku == tier.variant_sku,
        pt.c.region == tier.region,
        pt.c.kind == tier.kind,
        pt.c.min_quantity == tier.min_quantity,
    )


def deactivate_variants(conn: sa.Connection, code: str) -> None:
    v = t.product_variants
    conn.execute(
        sa.update(v).where(v.c.product_sku == _product(conn, code)).values(is_active=False)
    )


def delete_variants(conn: sa.Connection, code: str) -> None:
    pt, v = t.price_tiers, t.product_variants
    sku = _product(conn, code)
    conn.execute(sa.delete(pt).where(pt.c.product_sku == sku))
    conn.execute(sa.delete(v).where(v.c.product_sku == sku))


def inflate_variant_count(conn: sa.Connection, code: str) -> None:
    p = t.products
    conn.execute(
        sa.update(p)
        .where(p.c.sku == _product(conn, code))
        .values(variant_count=p.c.variant_count + 1)
    )


def negative_price(conn: sa.Connection, code: str) -> None:
    top = _ladder(conn, code)[-1]  # the highest quantity: no tier above it to compare with
    conn.execute(sa.update(t.price_tiers).where(_tier_where(top)).values(price=-1))


def negative_quantity(conn: sa.Connection, code: str) -> None:
    bottom = _ladder(conn, code)[0]  # stays the lowest quantity: the ladder keeps its order
    conn.execute(sa.update(t.price_tiers).where(_tier_where(bottom)).values(min_quantity=-1))


def rising_price(conn: sa.Connection, code: str) -> None:
    ladder = _ladder(conn, code)
    conn.execute(
        sa.update(t.price_tiers).where(_tier_where(ladder[-1])).values(price=ladder[-2].price + 1)
    )


def deactivate_product(conn: sa.Connection, code: str) -> None:
    p, v = t.products, t.product_variants
    sku = _product(conn, code)
    conn.execute(sa.update(p).where(p.c.sku == sku).values(is_active=False))
    conn.execute(sa.update(v).where(v.c.product_sku == sku).values(is_active=False))


def lose_main_images(conn: sa.Connection, code: str) -> None:
    pi = t.product_images
    for offset in (0, 1):  # 2 of 12 products: below 90 %
        conn.execute(
            sa.update(pi)
            .where(pi.c.product_sku == _product(conn, code, offset), pi.c.role == "main")
            .values(status="failed")
        )


def open_image_error(conn: sa.Connection, code: str) -> None:
    e = t.sync_errors
    now = sa.func.current_timestamp()
    conn.execute(
        sa.insert(e).values(
            supplier_code=code,
            sku=_product(conn, code),
            stage="image",
            error="HTTP 404",
            created_at=now,
            last_seen_at=now,
        )
    )


CORRUPTIONS: list[tuple[Corruption, set[str]]] = [
    (deactivate_variants, {"catalog_products_have_active_variant"}),
    (
        delete_variants,
        {"catalog_products_have_active_variant", "catalog_products_variant_count_consistent"},
    ),
    (inflate_variant_count, {"catalog_products_variant_count_consistent"}),
    (negative_price, {"catalog_variants_prices_not_negative"}),
    (negative_quantity, {"catalog_variants_tier_quantities_valid"}),
    (rising_price, {"catalog_variants_tier_prices_descending"}),
    (deactivate_product, {"catalog_products_cover_index"}),
    (lose_main_images, {"catalog_products_main_image_share"}),
    (open_image_error, {"catalog_products_last_sync_clean"}),
]


@contextmanager
def restored(url: str) -> Iterator[sa.Engine]:
    """The catalog, put back as it was afterwards (a copy of the tables the corruptions touch)."""
    engine = make_engine(url)
    tables = [t.products, t.product_variants, t.price_tiers, t.product_images, t.sync_errors]
    with engine.connect() as conn:
        saved = {
            table.name: [dict(r._mapping) for r in conn.execute(sa.select(table))]
            for table in tables
        }
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(sa.delete(table))
            for table in tables:
                if saved[table.name]:
                    conn.execute(sa.insert(table), saved[table.name])
        engine.dispose()


@pytest.mark.slow
def test_checks_pass_on_a_synced_catalog_and_fail_on_each_corruption(
    env: str, feed: FeedServer, instance: dg.DagsterInstance
) -> None:
    code = feed.generator.supplier_codes()[0]
    (run,) = sync(instance, [code]).values()
    assert run.success
    # the checks ran in the sync run itself, after the catalog and image steps
    in_sync = {e.check_name: e for e in run.result.get_asset_check_evaluations()}
    assert set(in_sync) == CHECK_NAMES
    assert not failing(in_sync), {n: e.description for n, e in in_sync.items() if not e.passed}
    assert {e.partition for e in in_sync.values()} == {code}

    assert not failing(run_checks(instance, code))
    for corrupt, expected in CORRUPTIONS:
        with restored(env) as engine:
            with engine.begin() as conn:
                corrupt(conn, code)
            evaluations = run_checks(instance, code)
            assert failing(evaluations) == expected, corrupt.__name__
            for name in expected:
                assert evaluations[name].severity == (
                    dg.AssetCheckSeverity.WARN
                    if name
                    in {
                        "catalog_variants_tier_prices_descending",
                        "catalog_products_main_image_share",
                        "catalog_products_last_sync_clean",
                    }
                    else dg.AssetCheckSeverity.ERROR
                )
        assert not failing(run_checks(instance, code)), f"not restored after {corrupt.__name__}"

    # one check alone (the UI's "execute" of a single check) runs only that query
    key = dg.AssetCheckKey(dg.AssetKey("catalog_variants"), "catalog_variants_prices_not_negative")
    job = defs.resolve_job_def("catalog_checks_job").get_subset(asset_check_selection={key})
    alone = job.execute_in_process(
        instance=instance, run_config=QUIET, tags={"dagster/partition": code}
    )
    assert [e.check_name for e in alone.get_asset_check_evaluations()] == [key.name]

    # results are stored per supplier partition
    record = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey("catalog_products"), "catalog_products_cover_index"), limit=1
    )[0]
    assert record.partition == code


def test_no_images_recorded_is_reported_honestly(catalog_url: str) -> None:
    from promosync_pipeline.catalog import quality, upgrade

    engine = make_engine(catalog_url)
    try:
        upgrade(engine)
        store = Catalog(engine)
        store.suppliers.add(["S1"])
        found = quality.main_image_coverage(engine, "S1")
        assert (found.active, found.with_main_image, found.image_rows, found.share) == (
            0,
            0,
            0,
            None,
        )
        assert quality.last_sync(engine, "S1").sync_run_id is None
    finally:
        engine.dispose()


CARRIED = {
    "catalog_variants_prices_not_negative",
    "catalog_variants_tier_quantities_valid",
    "catalog_variants_tier_prices_descending",
    "catalog_variants_print_options_have_prices",
    "catalog_variants_print_charges_have_prices",
    "catalog_variants_print_prices_not_negative",
    "catalog_products_have_active_variant",
    "catalog_products_variant_count_consistent",
    "catalog_variants_order_terms_valid",
}
"""The checks that read only the supplier's catalog rows (every tier, print price, product,
variant and order term); the index coverage and the last sync's outcome are evaluated at every
sync."""
NEGATIVE = {"catalog_variants_prices_not_negative"}


def _scanned_in(evaluations: dict[str, dg.AssetCheckEvaluation]) -> dict[str, str | None]:
    """Per check, the run whose scan it carried over (None: it evaluated the catalog itself)."""
    out = {}
    for name, e in evaluations.items():
        carried = e.metadata.get("scanned_in_run")
        out[name] = carried.value if carried is not None else None  # type: ignore[assignment]
    return out


def _in_sync(run: Any) -> dict[str, dg.AssetCheckEvaluation]:
    """The check evaluations of a sync run without its image step (so without the main image
    share check's verdict: no image is stored)."""
    assert run.success, run.error()
    evaluations = {e.check_name: e for e in run.result.get_asset_check_evaluations()}
    assert not evaluations.pop("catalog_products_main_image_share").passed
    return evaluations


def test_a_sync_that_changed_nothing_carries_the_scans_over_and_a_change_scans_again(
    env: str, feed: FeedServer, instance: dg.DagsterInstance
) -> None:
    code = feed.generator.supplier_codes()[0]
    first = sync(instance, [code], images=False)[code]
    assert set(_scanned_in(_in_sync(first)).values()) == {None}

    noop = _in_sync(sync(instance, [code], images=False)[code])
    carried = _scanned_in(noop)
    assert {n for n, run in carried.items() if run is not None} == CARRIED
    assert {carried[n] for n in CARRIED} == {first.run_id}
    assert not failing(noop)

    # a hand edit is not a sync: the checks job scans, and its scan is carried over after it
    engine = make_engine(env)
    with engine.begin() as conn:
        negative_price(conn, code)
    engine.dispose()
    checked = run_checks(instance, code)
    assert failing(checked) == {"catalog_products_main_image_share", *NEGATIVE}
    after_edit = _in_sync(sync(instance, [code], images=False)[code])
    assert failing(after_edit) == NEGATIVE
    assert _scanned_in(after_edit)["catalog_variants_prices_not_negative"] is not None

    # a sync that writes a family changes the supplier's rows: everything is scanned again
    feed.generator.change_families(1, code=code)
    rescanned = _in_sync(sync(instance, [code], images=False)[code])
    assert set(_scanned_in(rescanned).values()) == {None}
    assert failing(rescanned) == NEGATIVE
