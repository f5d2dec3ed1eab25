"""One supplier synced through the ``promosync`` CLI on PostgreSQL, against the machine's limit.

    .venv/bin/python -m benchmarks.sync_benchmark [--families 5000] [--admin-url URL]

The feed runs in a process of its own and serves every product file from memory (all bytes
generated and cached before the clock starts), so it is not the bottleneck. In one run:

- limit: fetch + ``orjson.loads`` of every product file, 32 requests in flight, one
  ``httpx.AsyncClient`` per in-flight request (the fast set-up of PERF_NOTES.md), no database;
  and the same with promosync's parser and content hash;
- ``promosync sync CODE --skip-images`` from a fresh process: full, no-op and 1 %-change, each
  with its wall time, product downloads counted at the feed, and the peak RSS of the process;
  the raw archive starts empty, so the full sync keeps every file in it;
- the catalog's rows per table after those syncs, and the seconds of each step of each sync;
- what the change feed costs a 1 % change: the same 1 % of families (their prices moved)
  written to that catalog alternately with and without recording ``catalog_changes``, as the
  sync's catalog write does, six times each (the median of each).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import dagster as dg
import httpx
import orjson
import sqlalchemy as sa

from promosync_pipeline import clock
from promosync_pipeline.catalog import Catalog, FamilyWrite, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import IndexEntry, content_hash, parse_index, parse_product
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.feed_process import start_feed
from promosync_pipeline_tests.support.paths import PROMOSYNC, ROOT

IN_FLIGHT = 32


def limit(index_url: str, *, parse: bool) -> tuple[float, int]:
    """Seconds to fetch (and parse) every product file the index lists; files done."""
    entries = parse_index(httpx.get(index_url, timeout=60).content).entries
    queue: asyncio.Queue[IndexEntry] = asyncio.Queue()
    for entry in entries:
        queue.put_nowait(entry)
    done = 0

    async def worker() -> None:
        nonlocal done
        async with httpx.AsyncClient(timeout=60) as client:
            while not queue.empty():
                entry = queue.get_nowait()
                body = (await client.get(entry.url)).content
                if parse:
                    content_hash(parse_product(body, entry.sku))
                else:
                    orjson.loads(body)
                done += 1

    async def run() -> None:
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started, done


def product_downloads(origin: str) -> int:
    return int(httpx.get(f"{origin}/_feedsim/stats", timeout=30).json()["product_downloads"])


def cli_sync(code: str, env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, output) of one ``promosync sync`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [PROMOSYNC, "sync", code, "--skip-images"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(
            f"promosync sync failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return wall, peak / 1024, done.stdout


def step_seconds(home: str) -> str:
    """The steps of the instance's latest run with their seconds, in the order they ran."""
    with dg.DagsterInstance.from_config(home) as instance:
        run = instance.get_runs(limit=1)[0]
        steps = sorted(instance.get_run_step_stats(run.run_id), key=lambda s: s.start_time or 0)
    return ", ".join(f"{s.step_key} {(s.end_time or 0) - (s.start_time or 0):.2f} s" for s in steps)


def table_rows(db_url: str) -> dict[str, int]:
    """Rows per catalog table."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return {
                table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in t.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def change_feed_cost(
    db_url: str, spec: FeedSpec, image_base: str, code: str, count: int
) -> tuple[float, float]:
    """Median seconds of writing ``count`` families whose prices moved, with and without
    recording the change feed (each write undoes the one before it, so every one changes
    the same prices)."""
    generator = FeedGenerator(spec, image_base=image_base)
    skus = generator.family_skus(code)[-count:]

    def writes() -> list[FamilyWrite]:
        families = [generator.family(sku) for sku in skus]
        return [
            FamilyWrite(f, f"bench:{f.sku}", content_hash(f), content_hash(f)) for f in families
        ]

    original = writes()
    generator.change_prices(skus=skus, factor=1.07)
    moved = writes()
    engine = make_engine(db_url)
    catalog = Catalog(engine)
    times: dict[bool, list[float]] = {True: [], False: []}
    try:
        latest = catalog.runs.latest(code)
        assert latest is not None, "no sync run to attach the changes to"
        write_families(catalog, code, original, clock.now())  # as the generator has them
        for round_ in range(12):
            recorded = round_ // 2 % 2 == 0
            started = time.perf_counter()
            write_families(
                catalog, code, moved if round_ % 2 == 0 else original, clock.now(),
                changes_of=latest.id if recorded else None,
            )  # fmt: skip
            times[recorded].append(time.perf_counter() - started)
    finally:
        engine.dispose()
    return statistics.median(times[True]), statistics.median(times[False])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=5000, help="families of the supplier")
    parser.add_argument("--port", type=int, default=18765, help="port of the feed")
    parser.add_argument(
        "--admin-url",
        default="postgresql+psycopg://postgres@127.0.0.1/test",
        help="a PostgreSQL database from which the benchmark's own database is created",
    )
    args = parser.parse_args()

    spec = FeedSpec(
        seed=99, suppliers=1, families=args.families, exact=True, cache_bytes=4 * 1024**3
    )
    feed, base_url = start_feed(spec, args.port)
    origin = f"http://127.0.0.1:{args.port}"
    index_url = f"{base_url}/Import/Import.txt"
    name = f"promosync_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = sa.make_url(args.admin_url).set(database=name).render_as_string(False)
    rows: list[tuple[str, str, str, str, str]] = []
    try:
        code = parse_index(httpx.get(index_url, timeout=60).content).entries[0].supplier_code
        limit(index_url, parse=False)  # warm the feed's cache and the connections
        raw_s, files = limit(index_url, parse=False)
        parse_s, _ = limit(index_url, parse=True)
        raw_rate, parse_rate = files / raw_s, files / parse_s
        print(f"limit: fetch + orjson {raw_s:.2f} s, {raw_rate:.0f} families/s", flush=True)
        print(f"limit: fetch + promosync parser {parse_s:.2f} s, {parse_rate:.0f} families/s")
        with tempfile.TemporaryDirectory() as home:
            env = {
                **os.environ,
                "DAGSTER_HOME": home,
                "PROMIDATA_BASE_URL": base_url,
                "PROMOSYNC_DATABASE_URL": db_url,
                # a fresh raw archive: the full sync pays for keeping every file, as it would
                "PROMOSYNC_ARCHIVE_STORE": str(Path(home) / "archive"),
            }
            runs = [("full", 0), ("no-op", 0), ("1 % changed", max(1, files // 100))]
            for label, changes in runs:
                if changes:
                    httpx.get(f"{origin}/_feedsim/change", headers={"x-count": str(changes)})
                before = product_downloads(origin)
                wall, rss, _ = cli_sync(code, env)
                downloads = product_downloads(origin) - before
                rate = "-"
                if label == "full":
                    rate = f"{files / wall:.0f} families/s ({files / wall / raw_rate:.0%} of limit)"
                rows.append((label, f"{wall:.2f} s", rate, str(downloads), f"{rss:.0f} MB"))
                print(
                    f"{label}: {wall:.2f} s wall, {downloads} downloads, {rss:.0f} MB; steps: "
                    f"{step_seconds(home)}",
                    flush=True,
                )
        counts = table_rows(db_url)
        changed = max(1, files // 100)
        with_feed, without = change_feed_cost(db_url, spec, f"{origin}/Images", code, changed)
    finally:
        feed.terminate()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print()
    print("| run | wall | families / wall | product downloads | peak RSS so far |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("| table | rows |")
    print("| --- | --- |")
    for table, count in counts.items():
        print(f"| `{table}` | {count:,} |")
    print()
    print(
        f"change feed: writing {changed} families with moved prices took {with_feed:.3f} s "
        f"recording catalog_changes, {without:.3f} s without (median of 6 each): "
        f"{with_feed - without:+.3f} s"
    )


if __name__ == "__main__":
    main()
