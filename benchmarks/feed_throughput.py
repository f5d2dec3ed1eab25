"""Feed simulator throughput: fetch every product file of a 5 x 2,000-family feed concurrently.

    .venv/bin/python -m benchmarks.feed_throughput [--suppliers 5] [--families 2000]

The server runs in its own process (it warms its index first and reports the generation
rate); the client is one httpx.AsyncClient per 8 connections, 32 requests in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import httpx

from promosync_pipeline.feedsim import FeedSpec
from promosync_pipeline.promidata import parse_index
from promosync_pipeline_tests.support.feed_process import start_feed


async def fetch_all(urls: list[str], in_flight: int) -> int:
    pools = [
        httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=8))
        for _ in range(in_flight // 8)
    ]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    total = 0

    async def worker(n: int) -> None:
        nonlocal total
        client = pools[n % len(pools)]
        while not queue.empty():
            response = await client.get(queue.get_nowait())
            response.raise_for_status()
            total += len(response.content)

    await asyncio.gather(*(worker(n) for n in range(in_flight)))
    await asyncio.gather(*(pool.aclose() for pool in pools))
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=5)
    parser.add_argument("--families", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--port", type=int, default=18766)
    args = parser.parse_args()
    spec = FeedSpec(seed=5, suppliers=args.suppliers, families=args.families, exact=True)
    feed, base_url = start_feed(spec, args.port)
    try:
        entries = parse_index(httpx.get(f"{base_url}/Import/Import.txt", timeout=120).content)
        urls = [e.url for e in entries.entries]
        for attempt in ("cold", "warm"):
            started = time.perf_counter()
            size = asyncio.run(fetch_all(urls, args.in_flight))
            wall = time.perf_counter() - started
            print(
                f"{attempt}: {len(urls)} files, {size / 1e6:.0f} MB in {wall:.1f}s: "
                f"{len(urls) / wall:.0f} files/s, {size / 1e6 / wall:.1f} MB/s"
            )
    finally:
        feed.terminate()


if __name__ == "__main__":
    main()
