"""The change feed, the dry run and the price-shift guard through the real jobs, against the
feed simulator over HTTP, on SQLite and PostgreSQL: what a sync changed is recorded with old
and new values (and nothing for unchanged or failed families), a dry run writes nothing, a
broken price feed is refused and alerted until it is confirmed."""

from __future__ import annotations

from typing import Any

import pytest

from promosync_pipeline import names, settings
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.catalog import dump, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_supplier_equals_feed
from promosync_pipeline_tests.support.syncs import refresh, supplier_run, sync

pytestmark = pytest.mark.feed(suppliers=1, families=12, seed=21, exact=True)


def changes_of(url: str, sku: str | None = None, after_run: int = 0) -> list[dict[str, Any]]:
    """``catalog_changes`` rows (of one family) recorded by sync runs after ``after_run``."""
    c = t.catalog_changes
    where = [c.c.sync_run_id > after_run]
    if sku is not None:
        where.append(c.c.product_sku == sku)
    return rows(url, c, *where)


def last_sync_run(url: str) -> int:
    return max(r["id"] for r in rows(url, t.sync_runs))


def name_of(url: str, sku: str) -> str:
    (product,) = rows(url, t.products, t.products.c.sku == sku)
    return product["name"]["en"]


def test_each_change_kind_is_recorded_with_old_and_new_values(env, feed, instance):
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    first = changes_of(env)
    assert sorted(c["product_sku"] for c in first) == sorted(gen.family_skus(code))
    assert {(c["change"], c["field"], c["old_value"]) for c in first} == {("added", None, None)}
    skus = gen.family_skus(code)
    priced, gone, back = skus[0], skus[-1], skus[-2]
    old_name = name_of(env, gone)

    gen.change_prices(skus=[priced], factor=1.25)
    gen.remove_families([gone, back])
    assert sync(instance, images=False)[code].success
    run = last_sync_run(env)
    gen.restore_families([back])
    (new,) = gen.add_families(code, 1)
    second = sync(instance, images=False)[code]
    assert second.success, second.error()

    assert [(c["change"], c["old_value"], c["new_value"]) for c in changes_of(env, gone, 1)] == [
        ("removed", old_name, None)
    ]
    assert [c["change"] for c in changes_of(env, back, 1)] == ["removed", "reactivated"]
    assert [(c["change"], c["sync_run_id"]) for c in changes_of(env, new, 1)] == [
        ("added", run + 1)
    ]
    moved = changes_of(env, priced, 1)
    assert moved and {c["change"] for c in moved} == {"changed"}
    assert {c["field"].split(".")[0] for c in moved} == {"price_tiers"}
    assert all(".selling." in c["field"] and c["field"].endswith(".price") for c in moved)
    for c in moved:
        assert float(c["new_value"]) == pytest.approx(float(c["old_value"]) * 1.25, abs=0.006)
        assert c["price_move"] == pytest.approx(0.25, abs=0.01)
    touched = {priced, gone, back, new}
    assert {c["product_sku"] for c in changes_of(env, after_run=1)} == touched, "nothing else"
    metadata = second.metadata[names.CATALOG_PRODUCTS]
    assert (metadata["families_added"], metadata["families_reactivated"]) == (1, 1)
    assert metadata["prices_up"] == metadata["prices_down"] == 0, "the moves were a run before"
    assert_supplier_equals_feed(env, gen, code)


def test_the_catalog_assets_count_the_price_moves_and_show_the_largest(env, feed, instance):
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    up, down = gen.family_skus(code)[:2]
    gen.change_prices(skus=[up], factor=1.1)
    gen.change_prices(skus=[down], factor=0.8)
    run = sync(instance, images=False)[code]
    metadata = run.metadata[names.CATALOG_VARIANTS]
    moves = changes_of(env, after_run=1)
    assert metadata["prices_up"] == sum(1 for c in moves if c["product_sku"] == up) > 0
    assert metadata["prices_down"] == sum(1 for c in moves if c["product_sku"] == down) > 0
    assert metadata["families_changed"] == 2
    table = metadata["largest_price_moves"]
    assert table.splitlines()[0].startswith("| family |")
    largest = table.splitlines()[2].strip("| ").split(" | ")
    assert largest[0] == down, "the largest move first: the 20 % cut"
    assert float(largest[-1].rstrip("%")) == pytest.approx(-20, abs=1.5)


def test_a_failed_family_records_no_change_and_an_unchanged_one_none(env, feed, instance):
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    broken, changed = gen.family_skus(code)[:2]
    gen.change_prices(skus=[broken, changed], factor=1.1)
    feed.set_faults([parse_fault(f"truncate:sku={broken}")])
    run = sync(instance, images=False)[code]
    assert run.metadata[names.CATALOG_PRODUCTS]["families_failed"] == 1
    assert {c["product_sku"] for c in changes_of(env, after_run=1)} == {changed}

    feed.set_faults([])
    gen.change_bytes_only([changed])  # new bytes, same content: nothing changed
    assert sync(instance, images=False)[code].success
    assert {c["product_sku"] for c in changes_of(env, after_run=2)} == {broken}


def test_a_dry_run_writes_nothing_and_the_next_sync_still_writes_the_change(env, feed, instance):
    """Launched as the UI launches it (``dry_run`` in the parse config, the whole job): the
    run succeeds, is tagged a dry run, observes what it would change and materializes no
    catalog asset; the image step is skipped. The catalog is as before, to the row."""
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    priced = gen.family_skus(code)[0]
    gen.change_prices(skus=[priced], factor=1.5)
    (new,) = gen.add_families(code, 1)
    assert refresh(instance).success
    before = dump(env, leave_out=[t.change_previews])

    dry = supplier_run(instance, code, parse={"dry_run": True})
    assert dry.success, dry.error()
    assert dump(env, leave_out=[t.change_previews]) == before
    assert names.CATALOG_PRODUCTS not in dry.metadata
    assert names.UPLOADED_IMAGES not in dry.metadata
    skipped = {e.step_key for e in dry.result.all_events if e.event_type_value == "STEP_SKIPPED"}
    assert names.UPLOADED_IMAGES in skipped
    seen = dry.observed[names.CATALOG_PRODUCTS]
    assert (seen["dry_run"], seen["families_added"], seen["families_changed"]) == (True, 1, 1)
    assert seen["price_shift_guard"].startswith("would pass")
    assert instance.get_run_by_id(dry.run_id).tags[names.DRY_RUN_TAG] == "true"

    real = supplier_run(instance, code, images=False)
    assert real.success, real.error()
    assert {c["product_sku"] for c in changes_of(env, after_run=1)} == {priced, new}
    assert_supplier_equals_feed(env, gen, code)


def test_the_price_shift_guard_refuses_alerts_once_then_applies_when_allowed(
    env, feed, instance, webhook, monkeypatch
):
    monkeypatch.setenv(settings.ALERT_WEBHOOK_URL, webhook.url)
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    shocked = gen.change_prices(share=0.5, factor=10, code=code)
    assert refresh(instance).success
    before = dump(env, leave_out=[t.change_previews])

    refused = supplier_run(instance, code, images=False)
    assert not refused.success
    message = refused.error()
    assert f"{code}: 6 of 12 active families (50%, more than 20%)" in message
    assert " → " in message and "(+900%)" in message
    assert any(f"{sku} {sku}" in message for sku in shocked), "examples name SKU and variant"
    after = dump(env, leave_out=[t.change_previews])
    for table in ("products", "product_variants", "price_tiers", "catalog_changes"):
        assert after[table] == before[table], table
    (alert,) = webhook.take()
    assert alert.startswith("promosync ALERT") and "6 of 12 active families" in alert
    run = instance.get_run_by_id(refused.run_id)
    assert run.tags[names.ALERTED_TAG] == "price_shift", "the failure sensor leaves it"

    allowed = supplier_run(instance, code, images=False, write={"allow_price_shift": True})
    assert allowed.success, allowed.error()
    assert_supplier_equals_feed(env, gen, code)
    moves = [c["price_move"] for c in changes_of(env, after_run=1) if c["price_move"]]
    assert moves and all(m == pytest.approx(9.0, abs=0.01) for m in moves)
    assert webhook.take() == []


def test_the_change_summary_is_posted_after_a_sync_that_changed_something(
    env, feed, instance, webhook, monkeypatch
):
    monkeypatch.setenv(settings.CHANGES_WEBHOOK_URL, webhook.url)
    gen = feed.generator
    (code,) = gen.supplier_codes()
    assert sync(instance, images=False)[code].success
    (body,) = webhook.bodies
    assert (body["supplier_code"], body["families_added"]) == (code, 12)
    webhook.bodies.clear()

    assert sync(instance, images=False)[code].success
    assert webhook.bodies == [], "a sync that changed nothing posts nothing"

    gen.change_prices(skus=gen.family_skus(code)[:1], factor=0.9)
    assert sync(instance, images=False)[code].success
    (body,) = webhook.bodies
    assert body["families_changed"] == 1 and body["prices_down"] > 0
    assert body["sync_run_id"] == last_sync_run(env)
    assert body["largest_moves"][0]["price_move"] == pytest.approx(-0.1, abs=0.01)
    assert body["text"].startswith(f"promosync changes: {code} sync {body['sync_run_id']}: ")
