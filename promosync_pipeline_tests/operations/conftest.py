from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedServer


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str, tmp_path: Path) -> str:
    """Point the resources at the simulator, the test catalog and an image folder; returns the
    catalog URL."""
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
    monkeypatch.setenv(settings.DATABASE_URL, catalog_url)
    monkeypatch.setenv(settings.IMAGE_STORE, str(tmp_path / "images"))
    return catalog_url
