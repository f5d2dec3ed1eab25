"""Image pipeline throughput on 2400x1800 JPEG sources, with its limit in the same run.

    .venv/bin/python -m benchmarks.image_benchmark [--images 300] [--processes 2]

- limit: Pillow alone on bytes already in memory: decode (JPEG draft mode) and resize to every
  rendition, no encoding, no network, no store; in a pool of ``--processes`` workers.
- pipeline: the real image pipeline: download from a local HTTP server (its own process),
  verify, render and encode every rendition in worker processes, write to a folder store.

Peak RSS is reported for this process and, separately, for the largest worker process.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import http.server
import io
import multiprocessing
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from PIL import Image, ImageOps

from promosync_pipeline.feedsim.images import render_image
from promosync_pipeline.http import ClientSettings, FetchClient, HostPolicy
from promosync_pipeline.images.pipeline import process_pool, process_sources
from promosync_pipeline.images.process import FIT_SIZES, MAX_LONG_SIDE, THUMBNAIL_SIDE
from promosync_pipeline.images.stores import FolderStore

SIZE = (2400, 1800)


def _render(index: int, folder: str) -> int:
    data, _ = render_image(f"bench-{index}.jpg", SIZE)
    Path(folder, f"{index}.jpg").write_bytes(data)
    return len(data)


def _decode_and_resize(data: bytes) -> int:
    """The floor of the work per image: decode and every resize, nothing else."""
    with Image.open(io.BytesIO(data)) as source:
        source.draft("RGB", (MAX_LONG_SIDE, MAX_LONG_SIDE * source.height // source.width))
        source.load()
        image = ImageOps.exif_transpose(source).convert("RGB")
    scale = min(1.0, MAX_LONG_SIDE / max(image.size))
    current = image.resize(
        (round(image.width * scale), round(image.height * scale)),
        Image.Resampling.LANCZOS,
        reducing_gap=3.0,
    )
    for side in FIT_SIZES.values():
        scale = min(1.0, side / max(current.size))
        current = current.resize(
            (round(current.width * scale), round(current.height * scale)),
            Image.Resampling.LANCZOS,
            reducing_gap=3.0,
        )
    current.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    return current.width


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(folder: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=folder)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _serve_forever(folder: str, port_queue: multiprocessing.Queue) -> None:
    server, base = _serve(folder)
    port_queue.put(base)
    server.serve_forever()


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--in-flight", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp, "sources")
        sources.mkdir()
        started = time.perf_counter()
        with ProcessPoolExecutor(args.processes) as pool:
            sizes = list(pool.map(_render, range(args.images), [str(sources)] * args.images))
        print(
            f"sources: {args.images} JPEGs of {SIZE[0]}x{SIZE[1]}, "
            f"{sum(sizes) / len(sizes) / 1024:.0f} KiB each on average, "
            f"made in {time.perf_counter() - started:.1f} s"
        )

        blobs = [p.read_bytes() for p in sorted(sources.iterdir())]
        with ProcessPoolExecutor(
            args.processes, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            for future in [pool.submit(os.getpid) for _ in range(args.processes)]:
                future.result()
            started = time.perf_counter()
            list(pool.map(_decode_and_resize, blobs, chunksize=4))
            limit_s = time.perf_counter() - started
        del blobs
        print(
            f"limit (decode + resize only, {args.processes} processes): "
            f"{args.images / limit_s:.1f} images/s"
        )

        queue: multiprocessing.Queue = multiprocessing.Queue()
        server = multiprocessing.Process(
            target=_serve_forever, args=(str(sources), queue), daemon=True
        )
        server.start()
        base = queue.get(timeout=30)
        urls = [f"{base}/{i}.jpg" for i in range(args.images)]
        store = FolderStore(Path(tmp, "store"))
        results = 0

        async def sink(batch) -> None:
            nonlocal results
            results += len(batch)

        async def run():
            settings = ClientSettings(max_in_flight=args.in_flight, requests_per_second=1000)
            with process_pool(args.processes) as pool:
                async with FetchClient(settings, HostPolicy.for_feed(base)) as client:
                    started = time.perf_counter()
                    stats = await process_sources(
                        client,
                        urls,
                        store,
                        pool,
                        stored_contents=lambda shas: set(),
                        sink=sink,
                        workers=args.in_flight,
                    )
                    return stats, time.perf_counter() - started

        stats, pipeline_s = asyncio.run(run())
        server.terminate()
        assert stats.failed == 0 and results == args.images, stats
        rate = args.images / pipeline_s
        print(
            f"pipeline (download, verify, 5 renditions encoded, folder store): "
            f"{rate:.1f} images/s = {rate / (args.images / limit_s):.0%} of the limit; "
            f"{stats.bytes_in / 1e6:.0f} MB in, {stats.bytes_out / 1e6:.0f} MB out "
            f"({stats.objects_written} objects)"
        )
        print(
            f"peak RSS: this process {self_peak_rss_mb():.0f} MB, "
            f"largest child process {children_peak_rss_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
