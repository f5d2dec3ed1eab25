"""Image pipeline throughput on 2400x1800 JPEG sources, with its limit in the same run.

    .venv/bin/python -m benchmarks.image_benchmark [--images 300] [--processes 2] [--grain 24]

- limit: Pillow alone on bytes already in memory: decode (JPEG draft mode) and resize to every
  rendition, no encoding, no network, no store; in a pool of ``--processes`` workers.
- ``--grain SIGMA`` adds Gaussian grain to the sources, so that they compress like photographs
  (about 0.5-1 MB at this size) rather than like flat drawings (about 120 KB).
- pipeline: the real image pipeline: download from a local HTTP server (its own process),
  verify, render and encode every rendition in worker processes, write to a folder store.

The pipeline runs in a process of its own; its peak RSS and its largest worker's are reported.
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
from promosync_pipeline.images.pipeline import process_sources
from promosync_pipeline.images.process import FIT_SIZES, MAX_LONG_SIDE, THUMBNAIL_SIDE
from promosync_pipeline.images.stores import FolderStore
from promosync_pipeline.processes import process_pool

SIZE = (2400, 1800)


def _render(index: int, folder: str, grain: float = 0.0) -> int:
    data, _ = render_image(f"bench-{index}.jpg", SIZE)
    if grain:
        with Image.open(io.BytesIO(data)) as drawn:
            noise = Image.effect_noise(SIZE, grain).convert("RGB")
            grainy = Image.blend(drawn.convert("RGB"), noise, 0.35)
        out = io.BytesIO()
        grainy.save(out, "JPEG", quality=88)
        data = out.getvalue()
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
    parser.add_argument("--grain", type=float, default=0.0, help="sigma of added grain")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp, "sources")
        sources.mkdir()
        started = time.perf_counter()
        with ProcessPoolExecutor(args.processes) as pool:
            sizes = list(
                pool.map(
                    _render,
                    range(args.images),
                    [str(sources)] * args.images,
                    [args.grain] * args.images,
                )
            )
        print(
            f"sources: {args.images} JPEGs of {SIZE[0]}x{SIZE[1]}, "
            f"{sum(sizes) / len(sizes) / 1024:.0f} KiB each on average, "
            f"made in {time.perf_counter() - started:.1f} s"
        )

        queue: multiprocessing.Queue = multiprocessing.Queue()
        server = multiprocessing.Process(
            target=_serve_forever, args=(str(sources), queue), daemon=True
        )
        server.start()
        base = queue.get(timeout=30)
        spawn = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue = spawn.Queue()
        syncing = spawn.Process(
            target=_pipeline_phase,
            args=(base, args.images, str(Path(tmp, "store")), args.processes, args.in_flight),
            kwargs={"results": results},
        )
        syncing.start()
        outcome = results.get(timeout=3600)
        syncing.join()
        server.terminate()

        blobs = [p.read_bytes() for p in sorted(sources.iterdir())]
        with ProcessPoolExecutor(args.processes, mp_context=spawn) as pool:
            for future in [pool.submit(os.getpid) for _ in range(args.processes)]:
                future.result()
            started = time.perf_counter()
            list(pool.map(_decode_and_resize, blobs, chunksize=4))
            limit_s = time.perf_counter() - started
        del blobs
        limit = args.images / limit_s
        print(f"limit (decode + resize only, {args.processes} processes): {limit:.1f} images/s")
        rate = args.images / outcome["seconds"]
        print(
            f"pipeline (download, verify, 5 renditions encoded, folder store): "
            f"{rate:.1f} images/s = {rate / limit:.0%} of the limit; "
            f"{outcome['bytes_in'] / 1e6:.0f} MB in, {outcome['bytes_out'] / 1e6:.0f} MB out "
            f"({outcome['objects']} objects)"
        )
        print(
            f"peak RSS of the pipeline: syncing process {outcome['self_rss_mb']:.0f} MB, "
            f"largest image worker {outcome['children_rss_mb']:.0f} MB"
        )


def _pipeline_phase(
    base: str,
    images: int,
    store_dir: str,
    processes: int,
    in_flight: int,
    *,
    results: multiprocessing.Queue,
) -> None:
    """The real pipeline in a process of its own (spawned), so that its peak RSS and its
    workers' are the pipeline's alone."""
    urls = [f"{base}/{i}.jpg" for i in range(images)]
    store = FolderStore(Path(store_dir))
    stored = 0

    async def sink(batch) -> None:
        nonlocal stored
        stored += len(batch)

    async def run():
        settings = ClientSettings(max_in_flight=in_flight, requests_per_second=1000)
        with process_pool(processes) as pool:
            async with FetchClient(settings, HostPolicy.for_feed(base)) as client:
                started = time.perf_counter()
                stats = await process_sources(
                    client,
                    urls,
                    store,
                    pool,
                    stored_contents=lambda shas: set(),
                    sink=sink,
                    workers=in_flight,
                )
                return stats, time.perf_counter() - started

    stats, seconds = asyncio.run(run())
    assert stats.failed == 0 and stored == images, stats
    results.put(
        {
            "seconds": seconds,
            "bytes_in": stats.bytes_in,
            "bytes_out": stats.bytes_out,
            "objects": stats.objects_written,
            "self_rss_mb": self_peak_rss_mb(),
            "children_rss_mb": children_peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
