"""Fixtures of the browser tests: Chromium, one ``dg dev`` with a feed simulator per
module, a page per test whose final state is saved as a screenshot.

Screenshots go to ``<pytest temp dir>/ui-screenshots``; the terminal summary names that
folder whenever a browser test failed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline_tests.support.ui.broken_feed import break_feed
from promosync_pipeline_tests.support.ui.browser import CHROMIUM_ARGS, VIEWPORT, require_chromium
from promosync_pipeline_tests.support.ui.dagster_dev import DagsterDev, dagster_dev

_SHOTS: dict[str, Path] = {}


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.getbasetemp() / "ui-screenshots"
    folder.mkdir(exist_ok=True)
    _SHOTS["dir"] = folder
    return folder


@pytest.fixture(scope="module")
def browser(screenshot_dir: Path) -> Iterator[Any]:
    """Chromium for one module. Module-scoped, not session-scoped: Playwright's sync API keeps
    an asyncio loop running on this thread while it is open, and a test of another file that
    runs after this module on the same worker calls ``asyncio.run``."""
    executable = require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)  # a page of a busy dg dev can take a while

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def ui_feed() -> Iterator[FeedServer]:
    """Three suppliers of three families, small images: enough for every flow, quick to sync.
    One family of the second supplier has negative prices (``broken_feed``)."""
    spec = FeedSpec(seed=5, suppliers=3, families=3, exact=True, image_size=(120, 90))
    generator = FeedGenerator(spec)
    break_feed(generator)
    with FeedServer(generator) as server:
        yield server


@pytest.fixture(scope="module")
def ui_catalog_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('ui-catalog') / 'catalog.sqlite'}"


@pytest.fixture(scope="module")
def ui(
    browser: Any,
    ui_feed: FeedServer,
    ui_catalog_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DagsterDev]:
    workdir = tmp_path_factory.mktemp("dagster-dev")
    env = {
        settings.PROMIDATA_BASE_URL: ui_feed.base_url,
        settings.DATABASE_URL: ui_catalog_url,
        settings.IMAGE_STORE: str(workdir / "images"),
    }
    with dagster_dev(workdir, env) as dev:
        yield dev


@pytest.fixture(scope="module")
def ui_context(browser: Any, ui: DagsterDev) -> Iterator[Any]:
    """One browser profile per module. It has seen Dagster's community notice already: the
    notice opens whenever the UI decides, on top of whatever dialog is open."""
    seen_notice = {"name": "communityNux", "value": '"1"'}
    state = {"cookies": [], "origins": [{"origin": ui.url, "localStorage": [seen_notice]}]}
    context = browser.new_context(viewport=VIEWPORT, base_url=ui.url, storage_state=state)
    context.set_default_timeout(30_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(ui_context: Any, request: pytest.FixtureRequest, screenshot_dir: Path) -> Iterator[Any]:
    """A fresh tab; its final state is saved as ``<test name>.png``, pass or fail."""
    tab = ui_context.new_page()
    try:
        yield tab
    finally:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            tab.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)
        finally:
            tab.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and "dir" in _SHOTS and item.get_closest_marker("browser"):
        report.sections.append(("browser screenshots", str(_SHOTS["dir"])))
        _SHOTS["failed"] = Path(str(_SHOTS["dir"]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if "failed" in _SHOTS:
        terminalreporter.write_line(
            f"browser tests failed; screenshots of their final states: {_SHOTS['failed']}",
            red=True,
        )
