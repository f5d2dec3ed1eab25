"""What the catalog database keeps of the feed's index."""

from promosync_pipeline.catalog import Catalog, make_engine
from promosync_pipeline.feedsim import FeedServer


def cached_index(url: str, feed: FeedServer) -> bytes | None:
    """The copy of ``feed``'s Import.txt kept in the catalog at ``url`` (None: no copy)."""
    engine = make_engine(url)
    try:
        cached = Catalog(engine).feed_cache.get(feed.index_url)
    finally:
        engine.dispose()
    return cached.body if cached is not None else None
