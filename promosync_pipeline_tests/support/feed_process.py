"""The feed simulator in a process of its own, so that it does not share the GIL with the
client it serves (benchmarks)."""

from __future__ import annotations

import multiprocessing
import time

import httpx

from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.feedsim.server import serve_forever


def _serve(spec: FeedSpec, port: int) -> None:
    generator = FeedGenerator(spec)
    started = time.perf_counter()
    for sku in generator.all_skus():
        generator.file_hash(sku)
    rate = len(generator.all_skus()) / (time.perf_counter() - started)
    print(f"feed: generated {len(generator.all_skus())} files at {rate:.0f} files/s", flush=True)
    serve_forever(generator, "127.0.0.1", port, [])


def start_feed(spec: FeedSpec, port: int) -> tuple[multiprocessing.Process, str]:
    process = multiprocessing.Process(target=_serve, args=(spec, port), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}/Profiles/Live/5f2c1a40-7d1e-4c55-9e53-0d3b2a9c8e11"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/Import/Import.txt", timeout=60).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError("feed did not start")
