"""The simulator over real HTTP: index, conditional GET, round trip, every fault mode."""

import asyncio
import contextlib
import io
import logging
import threading
import time

import httpx
import orjson
import pytest
from PIL import Image

from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec, parse_fault
from promosync_pipeline.promidata import ProductParseError, parse_index, parse_product


def index(server: FeedServer, client: httpx.Client) -> list:
    return parse_index(client.get(server.index_url).content).entries


def test_round_trip_every_served_file_parses_to_the_generator_truth():
    spec = FeedSpec(seed=21, suppliers=3, families=200, exact=True)
    with FeedServer(FeedGenerator(spec)) as server:
        with httpx.Client(timeout=10) as client:
            entries = index(server, client)

        async def fetch_all() -> list[bytes]:
            limits = httpx.Limits(max_connections=16)
            async with httpx.AsyncClient(timeout=30, limits=limits) as aclient:
                sem = asyncio.Semaphore(16)

                async def one(url: str) -> bytes:
                    async with sem:
                        return (await aclient.get(url)).content

                return await asyncio.gather(*(one(e.url) for e in entries))

        bodies = asyncio.run(fetch_all())
        generator = server.generator
        assert len(entries) == 600
        families = variants = tiers = images = 0
        for entry, body in zip(entries, bodies, strict=True):
            parsed = parse_product(body, entry.url, expected_sku=entry.sku)
            truth = generator.family(entry.sku)
            assert parsed == truth
            families += 1
            variants += len(truth.variants)
            tiers += truth.price_tier_count
            images += len(truth.image_urls())
        assert variants > families and tiers > variants and images > families
        assert server.stats.requests["product"] == 600


def test_conditional_get_answers_304_until_the_feed_changes(feed):
    with httpx.Client(timeout=10) as client:
        first = client.get(feed.index_url)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert client.get(feed.index_url, headers={"If-None-Match": etag}).status_code == 304
        assert (
            client.get(feed.index_url, headers={"If-Modified-Since": modified}).status_code == 304
        )
        feed.generator.change_families(1)
        again = client.get(feed.index_url, headers={"If-None-Match": etag})
        assert again.status_code == 200 and again.headers["etag"] != etag


def test_categories_and_images_are_served(feed):
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{feed.base_url}/Import/CAT.csv").text.count("\n") > 5
        sku = feed.generator.all_skus()[0]
        url = feed.generator.family(sku).image_urls()[0]
        response = client.get(url)
        image = Image.open(io.BytesIO(response.content))
        image.load()
        assert response.headers["content-type"] in ("image/jpeg", "image/png")
        assert image.size == feed.generator.spec.image_size
        assert client.get(f"{feed.origin}/Products/A1/A1-999.json").status_code == 404


def product_url(feed: FeedServer, n: int = 0) -> str:
    sku = feed.generator.all_skus()[n]
    return f"{feed.origin}/Products/{sku.split('-')[0]}/{sku}.json"


def test_429_carries_retry_after_for_the_first_requests_only(feed):
    feed.set_faults([parse_fault("429:times=2,retry_after=3")])
    with httpx.Client(timeout=10) as client:
        url = product_url(feed)
        statuses = [client.get(url) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] == "3"


def test_5xx_burst_with_a_chosen_status(feed):
    feed.set_faults([parse_fault("5xx:times=1,status=502")])
    with httpx.Client(timeout=10) as client:
        assert [client.get(product_url(feed)).status_code for _ in range(2)] == [502, 200]


def test_slow_response_makes_a_client_timeout_fire(feed):
    feed.set_faults([parse_fault("slow:delay=1.5")])
    with httpx.Client(timeout=0.3) as client, pytest.raises(httpx.ReadTimeout):
        client.get(product_url(feed))


def test_a_held_response_answers_once_released_and_later_ones_at_once(feed):
    feed.set_faults([parse_fault("hold:delay=20")])
    answered: list[int] = []
    waiting = threading.Thread(
        target=lambda: answered.append(httpx.get(product_url(feed), timeout=30).status_code)
    )
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive() and answered == [], "answered before it was released"
    feed.release()
    waiting.join(5)
    assert answered == [200]
    started = time.monotonic()
    assert httpx.get(product_url(feed), timeout=30).status_code == 200
    assert time.monotonic() - started < 5


def test_stopping_with_a_response_in_flight_logs_no_error(caplog):
    server = FeedServer(FeedGenerator(FeedSpec(seed=5, suppliers=1, families=3))).start()
    server.set_faults([parse_fault("slow:delay=30")])
    waiting = threading.Thread(target=_get_ignoring_errors, args=(product_url(server),))
    waiting.start()
    deadline = time.monotonic() + 10
    while not server.stats.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sum(server.stats.requests.values()) == 1
    with caplog.at_level(logging.ERROR):
        server.stop()
    waiting.join(10)
    assert not waiting.is_alive()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def _get_ignoring_errors(url: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        httpx.get(url, timeout=20)


def test_dropped_connection_mid_body(feed):
    feed.set_faults([parse_fault("drop:times=1")])
    with httpx.Client(timeout=10) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(product_url(feed))
        assert client.get(product_url(feed)).status_code == 200


def test_truncated_and_invalid_utf8_json_fail_to_parse(feed):
    sku0, sku1 = feed.generator.all_skus()[:2]
    feed.set_faults([parse_fault(f"truncate:sku={sku0}"), parse_fault(f"invalid_utf8:sku={sku1}")])
    with httpx.Client(timeout=10) as client:
        truncated = client.get(product_url(feed, 0)).content
        invalid = client.get(product_url(feed, 1)).content
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(truncated)
    with pytest.raises(UnicodeDecodeError):
        invalid.decode("utf-8")
    with pytest.raises(ProductParseError, match="invalid UTF-8"):
        parse_product(invalid, sku1)


def test_404_corrupt_and_bomb_images(feed):
    urls = feed.generator.family(feed.generator.all_skus()[0]).image_urls()
    with httpx.Client(timeout=10) as client:
        feed.set_faults([parse_fault("404:target=image,times=1")])
        assert client.get(urls[0]).status_code == 404
        feed.set_faults([parse_fault("corrupt_image:times=1")])
        corrupt = client.get(urls[0]).content
        feed.set_faults([parse_fault("huge_image:times=1")])
        bomb = client.get(urls[0]).content
    with pytest.raises(OSError):
        Image.open(io.BytesIO(corrupt)).load()
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb))
    assert len(bomb) < 10_000


def test_foreign_host_urls_appear_in_the_index_and_product_files(feed):
    generator = feed.generator
    first, second = generator.all_skus()[:2]
    generator.point_to_host([first], "http://127.0.0.2:9", what="product")
    generator.point_to_host([second], "http://127.0.0.2:9", what="image")
    with httpx.Client(timeout=10) as client:
        entries = {e.sku: e.url for e in index(feed, client)}
        body = client.get(product_url(feed, 1)).content
    assert entries[first].startswith("http://127.0.0.2:9/Products/")
    assert all(
        u.startswith("http://127.0.0.2:9/Images/") for u in parse_product(body, second).image_urls()
    )


def test_fault_spec_errors_name_the_problem():
    with pytest.raises(ValueError, match="unknown fault kind 'teapot'"):
        parse_fault("teapot")
    with pytest.raises(ValueError, match="unknown fault option 'colour'"):
        parse_fault("429:colour=red")
    fault = parse_fault("truncate:sku=A1-1+A1-2,rate=0.5")
    assert fault.skus == {"A1-1", "A1-2"} and fault.rate == 0.5
