"""What a user does in the Dagster UI, as Playwright steps; each waits with a deadline."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

RUN_TIMEOUT_MS = 180_000
"""A supplier run on a test-sized feed takes seconds; the deadline covers a loaded machine."""


def open_page(page: Any, path: str) -> None:
    page.goto(path)


def open_group(page: Any, group: str) -> None:
    open_page(page, f"/locations/promosync/asset-groups/{group}")


def open_asset(page: Any, asset: str, tab: str = "Overview") -> None:
    open_page(page, f"/assets/{asset}")
    page.get_by_role("tab", name=tab, exact=True).click()


FINAL_STATUS = re.compile(r"^(Success|Failure|Canceled)$")


def run_final_status(page: Any) -> str:
    """On a run page: wait until the run's status tag shows how it ended, and return that."""
    status = page.get_by_text(FINAL_STATUS).first
    expect(status).to_be_visible(timeout=RUN_TIMEOUT_MS)
    return status.inner_text().strip()


def expect_run_succeeded(page: Any) -> None:
    status = run_final_status(page)
    assert status == "Success", f"run {page.url} ended in {status}"


def launch_group_run(page: Any, group: str, partition: str) -> str:
    """Materialize every asset of ``group`` for one partition (the group page's *Materialize
    all*, a custom partition selection); opens the run page and returns the run's id."""
    open_group(page, group)
    page.get_by_role("button", name="Materialize all").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Select a partition or create one").click()
    menu = page.get_by_role("menuitem")
    menu.filter(has=page.get_by_text(partition, exact=True)).first.click()
    page.keyboard.press("Escape")
    expect(dialog.get_by_text(partition, exact=True).first).to_be_visible()
    dialog.get_by_role("button", name="Launch 1 run").click()
    view = page.get_by_role("link", name="View", exact=True)
    view.click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]{36}"))
    return page.url.rsplit("/", 1)[1]


def select_all_partitions(dialog: Any, count: int, timeout_s: float = 90) -> None:
    """In the launch dialog, click *All* until it selects the ``count`` partitions.

    The dialog loads the partitions after it opens: *All* clicked before they came selected
    none and left *Custom* on (seen once, with the suite's heaviest tests running beside
    ``dg dev``). A user clicks again; so does this.
    """
    selected = dialog.get_by_text(f"{count} partitions")
    deadline = time.monotonic() + timeout_s
    while True:
        dialog.get_by_role("button", name="All", exact=True).click()
        try:
            expect(selected).to_be_visible(timeout=5_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def sync_supplier(page: Any, code: str) -> str:
    """The first supplier sync a user launches from the UI: the catalog group, one partition."""
    run_id = launch_group_run(page, "catalog", code)
    expect_run_succeeded(page)
    return run_id


def refresh_feed(page: Any) -> None:
    """Materialize the ``promidata`` group (index and categories) and wait for success."""
    open_group(page, "promidata")
    page.get_by_role("button", name="Materialize all").click()
    page.get_by_role("link", name="View", exact=True).click()
    expect_run_succeeded(page)
