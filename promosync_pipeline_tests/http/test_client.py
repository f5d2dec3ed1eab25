"""FetchClient against the feed simulator: what is retried, what is not, what is refused."""

import asyncio
import importlib.machinery
import time
from urllib.parse import urlsplit

import pytest

from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline.http import ClientSettings, FetchClient, FetchError, HostPolicy

FAST = ClientSettings(backoff_base_s=0.01, backoff_max_s=0.05, read_timeout_s=2.0)


def fetch(feed, url, settings=FAST, policy=None):
    client = FetchClient(settings, policy or HostPolicy.for_feed(feed.index_url))

    async def run():
        async with client:
            return await client.get(url)

    return asyncio.run(run()), client.stats


def url_of(feed, n=0):
    sku = feed.generator.all_skus()[n]
    return f"{feed.origin}/Products/{sku.split('-')[0]}/{sku}.json"


def test_plain_get_counts_requests_and_bytes(feed):
    result, stats = fetch(feed, url_of(feed))
    assert result.status == 200 and result.content == feed.generator.product_bytes(
        feed.generator.all_skus()[0]
    )
    assert (stats.requests, stats.retries, stats.bytes) == (1, 0, len(result.content))


def test_429_is_retried_after_retry_after(feed):
    feed.set_faults([parse_fault("429:times=2,retry_after=0.4")])
    started = time.monotonic()
    result, stats = fetch(feed, url_of(feed))
    assert result.status == 200
    assert (stats.requests, stats.retries, stats.throttled) == (3, 2, 2)
    assert time.monotonic() - started >= 0.8


def test_retry_after_is_capped(feed):
    feed.set_faults([parse_fault("429:times=1,retry_after=3600")])
    settings = ClientSettings(retry_after_cap_s=0.2, backoff_base_s=0.01)
    started = time.monotonic()
    result, _ = fetch(feed, url_of(feed), settings)
    assert result.status == 200 and time.monotonic() - started < 5


@pytest.mark.parametrize("spec", ["5xx:times=3,status=503", "drop:times=2", "slow:times=1,delay=3"])
def test_transient_faults_are_retried_until_success(feed, spec):
    feed.set_faults([parse_fault(spec)])
    result, stats = fetch(feed, url_of(feed))
    assert result.status == 200 and stats.retries >= 1


def test_persistent_5xx_gives_up_after_max_attempts(feed):
    feed.set_faults([parse_fault("5xx:status=500")])
    with pytest.raises(FetchError) as err:
        fetch(feed, url_of(feed), ClientSettings(max_attempts=3, backoff_base_s=0.01))
    assert err.value.status == 500 and err.value.attempts == 3
    assert "HTTP 500 after 3 attempts" in str(err.value)


def test_404_is_not_retried(feed):
    feed.set_faults([parse_fault("404")])
    client = FetchClient(FAST, HostPolicy.for_feed(feed.index_url))

    async def run():
        async with client:
            await client.get(url_of(feed))

    with pytest.raises(FetchError, match="HTTP 404"):
        asyncio.run(run())
    assert client.stats.requests == 1


def test_disallowed_host_is_refused_without_a_request(feed):
    with pytest.raises(FetchError, match="not in the allowed hosts"):
        fetch(feed, "http://127.0.0.2:9/Products/A1/A1-1.json")
    with pytest.raises(FetchError, match="scheme 'file'"):
        fetch(feed, "file:///etc/passwd")


def test_response_over_the_size_cap_is_refused(feed):
    with pytest.raises(FetchError, match="exceeds the 1000-byte cap"):
        fetch(feed, url_of(feed), ClientSettings(max_response_bytes=1000))


def test_conditional_get_returns_not_modified(feed):
    first, _ = fetch(feed, feed.index_url)
    client = FetchClient(FAST, HostPolicy.for_feed(feed.index_url))

    async def run():
        async with client:
            return await client.get(feed.index_url, headers={"If-None-Match": first.etag})

    again = asyncio.run(run())
    assert again.not_modified and again.content == b""


def test_redirect_within_the_allowed_origin_is_followed(feed):
    target = url_of(feed, 1)
    first = feed.generator.all_skus()[0]
    feed.set_faults([parse_fault(f"redirect:sku={first},location={urlsplit(target).path}")])
    result, stats = fetch(feed, url_of(feed, 0))
    assert result.final_url == target and result.status == 200
    assert stats.requests == 2


def test_redirect_to_another_loopback_port_or_host_is_refused(feed):
    for location in ("http://127.0.0.1:1/secret", "http://127.0.0.2:8080/x", "file:///etc/passwd"):
        feed.set_faults([parse_fault(f"redirect:location={location}")])
        client = FetchClient(FAST, HostPolicy.for_feed(feed.index_url))

        async def run(c=client):
            async with c:
                await c.get(url_of(feed))

        with pytest.raises(FetchError, match=r"not allowed|not in the allowed hosts"):
            asyncio.run(run())
        assert client.stats.requests == 1


def test_requests_do_not_search_the_import_path(feed, monkeypatch):
    """httpcore imports sniffio on every lock it sets up; were sniffio missing, each request
    would search sys.path for it (the project depends on sniffio for this reason)."""
    searched: list[str] = []
    find_spec = importlib.machinery.PathFinder.find_spec

    def counting(name, path=None, target=None):
        searched.append(name)
        return find_spec(name, path, target)

    fetch(feed, url_of(feed))  # whatever a first request imports, once
    monkeypatch.setattr(importlib.machinery.PathFinder, "find_spec", counting)
    client = FetchClient(FAST, HostPolicy.for_feed(feed.index_url))

    async def run():
        async with client:
            return [(await client.get(url_of(feed, n))).status for n in range(10)]

    assert asyncio.run(run()) == [200] * 10
    assert searched == []
