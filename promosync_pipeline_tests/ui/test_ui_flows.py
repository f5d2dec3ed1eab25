"""A user's day in the Dagster web UI, clicked through in Chromium against ``dg dev`` (web
server and daemon) on a temporary instance, syncing the feed simulator into a SQLite catalog.

The tests share one ``dg dev`` and run in file order, as a user works: look at the
lineage, refresh the feed, sync one supplier and read its metadata, preview a sync with a dry
run, stop a run, backfill every
supplier, read the failing check of the supplier whose feed is broken, switch automation on.
Each leaves a screenshot of its final state (see conftest); with ``PROMOSYNC_README_SCREENSHOTS``
set, four of them become the README's pictures (``scripts/screenshots``).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedServer, parse_fault
from promosync_pipeline.names import DRY_RUN_TAG, PARTITION_TAG
from promosync_pipeline_tests.support.catalog import dump, rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_family_stored,
    assert_nothing_lost,
    assert_supplier_equals_feed,
)
from promosync_pipeline_tests.support.ui.actions import (
    RUN_TIMEOUT_MS,
    expect_run_succeeded,
    launch_group_run,
    open_asset,
    open_group,
    open_page,
    refresh_feed,
    run_final_status,
    select_all_partitions,
    sync_supplier,
)
from promosync_pipeline_tests.support.ui.broken_feed import broken_family, broken_supplier
from promosync_pipeline_tests.support.ui.browser import save_readme_picture

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SENSORS_AND_SCHEDULES = (
    "freshness_alert_sensor",
    "nightly_supplier_sync",
    "promidata_index_sensor",
    "run_failure_alert_sensor",
    "run_recovery_alert_sensor",
    "weekly_reconciliation",
)


def _codes(feed: FeedServer) -> list[str]:
    return sorted(feed.generator.supplier_codes())


def _readme_picture(page: Any, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot))
    save_readme_picture(shot, name)


def _asset_groups() -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for spec in defs.resolve_all_asset_specs():
        groups.setdefault(spec.group_name, set()).add(spec.key.to_user_string())
    return groups


def _expect_asset_node(page: Any, name: str) -> None:
    """The lineage graph shows ``name`` on a node. Zoomed out, a long name is shortened on its
    node (``changed_…_families``) and shown whole in the tooltip when the pointer is on it."""
    whole = page.get_by_text(name, exact=True).filter(visible=True)
    shortened = page.get_by_text(re.compile(r"^[^ ]+…[^ ]*$")).filter(visible=True)
    expect(whole.or_(shortened).first).to_be_visible(timeout=60_000)
    if whole.count():
        return
    for text in shortened.all_inner_texts():
        head, _, tail = text.strip().partition("…")
        if name.startswith(head) and name.endswith(tail):
            shortened.filter(has_text=text.strip()).first.hover()
            expect(whole.first).to_be_visible()
            page.mouse.move(0, 0)
            return
    expect(whole.first).to_be_visible(timeout=30_000)  # the graph was still being drawn


def _metadata_value(page: Any, key: str) -> str:
    row = page.locator("tr").filter(has=page.get_by_text(key, exact=True)).first
    expect(row).to_be_visible()
    return row.locator("td").nth(1).inner_text().strip()


FAMILY_TABLES = (
    t.product_variants, t.price_tiers, t.price_terms, t.imprint_positions, t.imprint_options,
    t.imprint_charges, t.imprint_prices,
)  # fmt: skip
"""The rows a family write counts besides its product (``rows_written``)."""


def _supplier_rows_written(url: str, code: str) -> int:
    products = [r["sku"] for r in rows(url, t.products, t.products.c.supplier_code == code)]
    return len(products) + sum(
        len(rows(url, table, table.c.product_sku.in_(products))) for table in FAMILY_TABLES
    )


def _partition_counts(page: Any) -> dict[str, int]:
    """The partitions view's counters: ``Materialized (3)`` -> {"Materialized": 3}."""
    text = page.locator("body").inner_text()
    return {
        k: int(v)
        for k, v in re.findall(r"(Failed|Materialized|Materializing|Missing) \((\d+)\)", text)
    }


def test_asset_graph_shows_every_asset_in_its_group(page, tmp_path):
    groups = _asset_groups()
    assert set(groups) == {"promidata", "catalog", "images"}
    for group in ("promidata", "images", "catalog"):
        open_group(page, group)
        expect(page.get_by_text("Asset Group in", exact=False).first).to_be_visible()
        for asset in sorted(groups[group]):
            _expect_asset_node(page, asset)
    _readme_picture(page, tmp_path, "asset-graph")


def test_feed_refresh_registers_a_partition_per_supplier(page, ui_feed):
    refresh_feed(page)
    open_asset(page, "catalog_products", "Partitions")
    for code in _codes(ui_feed):
        expect(page.get_by_text(code, exact=True).first).to_be_visible()
    expect(page.get_by_text(f"Missing ({len(_codes(ui_feed))})")).to_be_visible()


def test_one_supplier_partition_materializes_and_its_run_succeeds(page, ui_feed):
    code = _codes(ui_feed)[0]
    launch_group_run(page, "catalog", code)
    expect(page.get_by_text(f"partition: {code}")).to_be_visible()
    expect_run_succeeded(page)
    open_asset(page, "catalog_products", "Partitions")
    expect(page.get_by_text("Materialized (1)")).to_be_visible()


def test_partition_metadata_and_its_plots_after_a_second_run(
    page, ui_feed, ui_catalog_url, tmp_path
):
    code = _codes(ui_feed)[0]
    open_asset(page, "catalog_products", "Partitions")
    page.get_by_text(code, exact=True).first.click()
    expect(page.get_by_text("Materialized", exact=True)).to_be_visible()
    assert _metadata_value(page, "families_new") == str(len(ui_feed.generator.family_skus(code)))
    written = _supplier_rows_written(ui_catalog_url, code)
    assert written > len(ui_feed.generator.family_skus(code))
    assert _metadata_value(page, "rows_written") == str(written)

    sync_supplier(page, code)  # nothing changed: a no-op night
    open_asset(page, "catalog_products", "Overview")
    page.get_by_role("button", name="Plots").click()
    page.get_by_role("button", name="Events").click()  # the metadata over time, run by run
    for key in ("families_new", "families_unchanged", "rows_written", "duration_s"):
        expect(page.get_by_text(key, exact=True).first).to_be_visible()
    expect(page.locator("canvas").first).to_be_visible()
    page.get_by_text("families_unchanged", exact=True).first.scroll_into_view_if_needed()
    _readme_picture(page, tmp_path, "metadata-plots")


DRY_RUN_CONFIG = "ops:\n  parsed_variants:\n    config:\n      dry_run: true\n"


def test_a_dry_run_from_the_launchpad_is_tagged_and_writes_nothing(page, ui_feed, ui_catalog_url):
    """``dry_run: true`` in the launchpad: the run succeeds, carries the dry-run tag, observes
    what it would change (the supplier's raised prices) and leaves the catalog as it was."""
    code = _codes(ui_feed)[0]
    (raised,) = ui_feed.generator.change_prices(skus=ui_feed.generator.family_skus(code)[:1])
    refresh_feed(page)  # the supplier runs read the kept index
    before = dump(ui_catalog_url, leave_out=[t.change_previews])
    query = urlencode({"config": DRY_RUN_CONFIG, "tags[0][key]": PARTITION_TAG})
    query += f"&tags[0][value]={code}"
    open_page(page, f"/locations/promosync/jobs/supplier_sync_job/playground/setup?{query}")
    page.get_by_role("button", name="Launch Run").click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]{36}"), timeout=RUN_TIMEOUT_MS)
    expect_run_succeeded(page)
    page.reload()  # the step tagged the run as it went: the page shows the tags it loaded
    page.get_by_role("button", name="View tags and config").click()
    expect(page.get_by_role("dialog").get_by_text(DRY_RUN_TAG).first).to_be_visible()
    page.keyboard.press("Escape")
    assert dump(ui_catalog_url, leave_out=[t.change_previews]) == before
    run_id = page.url.rsplit("/", 1)[1]
    previews = rows(ui_catalog_url, t.change_previews, t.change_previews.c.run_id == run_id)
    assert {p["product_sku"] for p in previews} == {raised}
    assert all(p["price_move"] > 0.09 for p in previews if p["price_move"] is not None)


def test_run_terminated_while_downloading_then_the_next_run_converges(
    page, ui_feed, ui_catalog_url
):
    code = _codes(ui_feed)[2]
    # the first request of each of the supplier's product files hangs
    ui_feed.set_faults([parse_fault(f"slow:delay=300,times=1,path=/Products/{code}/*")])
    try:
        launch_group_run(page, "catalog", code)
        deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
        while not any(p.startswith(f"/Products/{code}/") for p in list(ui_feed.stats.paths)):
            assert time.monotonic() < deadline, "the run never started downloading"
            page.wait_for_timeout(250)
        page.get_by_role("button", name="Terminate").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("1 run will be terminated")
        dialog.get_by_role("button", name=re.compile(r"^Terminate 1 run")).click()
        status = run_final_status(page)
    finally:
        ui_feed.set_faults([])
    assert status == "Canceled", f"the terminated run ended {status}"
    _assert_supplier_equals_feed_or_absent(ui_catalog_url, ui_feed, code)

    sync_supplier(page, code)
    assert_supplier_equals_feed(ui_catalog_url, ui_feed.generator, code)


def _assert_supplier_equals_feed_or_absent(url: str, feed: FeedServer, code: str) -> None:
    """No family half-written: the supplier's catalog is empty or each family is whole."""
    stored = rows(url, t.products, t.products.c.supplier_code == code)
    for product in stored:
        assert_family_stored(url, feed.generator.family(product["sku"]))


def test_backfill_of_every_partition_turns_every_partition_green(
    page, ui_feed, ui_catalog_url, tmp_path
):
    synced = {c: _finished_syncs(ui_catalog_url, c) for c in _codes(ui_feed)}
    open_group(page, "catalog")
    page.get_by_role("button", name="Materialize all").click()
    dialog = page.get_by_role("dialog")
    select_all_partitions(dialog, len(_codes(ui_feed)))
    dialog.get_by_role("button", name="Launch backfill").click()
    expect(dialog).to_have_count(0)
    open_asset(page, "catalog_products", "Partitions")
    codes = _codes(ui_feed)
    want = {"Failed": 0, "Materialized": len(codes), "Materializing": 0, "Missing": 0}
    deadline = time.monotonic() + 2 * RUN_TIMEOUT_MS / 1000
    while True:  # the partitions view, reloaded until every run of the backfill is done
        counts = _partition_counts(page)
        if counts == want and all(
            _finished_syncs(ui_catalog_url, c) == synced[c] + 1 for c in codes
        ):
            break
        assert time.monotonic() < deadline, f"backfill not done: {counts}"
        page.wait_for_timeout(1000)
        page.reload()
        counters = page.get_by_text(re.compile(r"^Materialized \(\d+\)$"))
        expect(counters).to_be_visible(timeout=30_000)
    assert_nothing_lost(ui_catalog_url, ui_feed.generator)
    _readme_picture(page, tmp_path, "partitions")


def _finished_syncs(url: str, code: str) -> int:
    synced = rows(url, t.sync_runs, t.sync_runs.c.supplier_code == code)
    return sum(1 for r in synced if r["finished_at"] is not None)


def test_checks_tab_shows_the_failing_error_check_of_a_broken_feed(page, ui_feed, tmp_path):
    """One family of this supplier has negative prices in the feed (``broken_feed``); the
    backfill above synced it."""
    code = broken_supplier(ui_feed.generator)
    open_asset(page, "catalog_variants", "Checks")
    check = "catalog_variants_prices_not_negative"
    row = page.get_by_title(check).locator("xpath=ancestor::div[contains(@class,'checkRow')][1]")
    expect(row).to_contain_text("Failed")
    page.get_by_title(check).click()
    description = "No price tier of an active product has a negative price (ERROR)."
    expect(page.get_by_text(description)).to_be_visible()
    page.get_by_role("tab", name="Partitions").last.click()
    expect(page.get_by_text("Failed (1)")).to_be_visible()
    expect(page.get_by_text("Passed (2)")).to_be_visible()
    page.get_by_title(code, exact=True).last.click()
    failing = re.compile(r"^\d+ variants with a negative price$")
    expect(page.get_by_text(failing).first).to_be_visible()
    sku = broken_family(ui_feed.generator)
    expect(page.get_by_text(re.compile(re.escape(sku))).first).to_be_visible()
    _readme_picture(page, tmp_path, "check-result")


def test_automation_lists_everything_stopped_and_one_switches_on(page):
    open_page(page, "/automation")

    def switch(name: str) -> Any:
        """The on/off switch of the row that names ``name``. A row is the list item (it carries
        the virtual list's ``data-index``) around the name; the list re-sorts and re-renders
        its rows, so a switch is never found by its position, and a row's controls can render
        after its name, so the row is not "the nearest element that holds a switch"."""
        label = page.get_by_text(name, exact=True).first
        expect(label).to_be_visible()
        row = label.locator("xpath=ancestor::*[@data-index][1]")
        found = row.locator("[class*=formatSwitch]")
        expect(found).to_have_count(1)
        return found

    for name in SENSORS_AND_SCHEDULES:
        expect(switch(name).locator("input")).not_to_be_checked()
    switch("promidata_index_sensor").click()
    expect(switch("promidata_index_sensor").locator("input")).to_be_checked()
    page.reload()
    expect(switch("promidata_index_sensor").locator("input")).to_be_checked()
    for name in SENSORS_AND_SCHEDULES:
        if name != "promidata_index_sensor":
            expect(switch(name).locator("input")).not_to_be_checked()


def test_dg_dev_printed_no_warning_category_through_the_whole_day(ui):
    """Neither ``dg dev`` nor the code location and runs it started printed a Python warning
    (a superseded command, a beta or preview API), dg's telemetry notice or its venv notice,
    through the flows run before this test in this module (all of them, in a whole run)."""
    printed = ui.log.read_text(encoding="utf-8", errors="replace")
    assert "Serving dagster-webserver" in printed, "not the log of the dg dev the flows used"
    assert re.findall(r"\b[A-Za-z]*Warning\b.*", printed) == []
    for notice in ("Telemetry", "does not match the virtual environment"):
        assert notice not in printed
