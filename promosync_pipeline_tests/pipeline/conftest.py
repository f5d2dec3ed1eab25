from collections.abc import Iterator

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedServer


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str) -> str:
    """Point the resources at the simulator and the test catalog; returns the catalog URL."""
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
    monkeypatch.setenv(settings.DATABASE_URL, catalog_url)
    return catalog_url
