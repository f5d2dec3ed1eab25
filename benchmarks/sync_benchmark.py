"""Catalog sync of one supplier on PostgreSQL: full, no-op and 1%-change syncs, and the limit.

    .venv/bin/python benchmarks/sync_benchmark.py [--families 5000] [--database-url URL]

The feed runs in its own process. "limit" fetches and parses the same files with the same
client and concurrency but no database. Peak RSS is this process's (the sync runs in-process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import tempfile
import time
import uuid

import dagster as dg
import httpx
import sqlalchemy as sa

from benchmarks._feed_process import start_feed
from promosync_pipeline import settings
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedSpec
from promosync_pipeline.jobs import IMAGE_ASSETS, SUPPLIER_ASSETS
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.resources import PromidataResource
from promosync_pipeline.sync.fetch_parse import Parsed, fetch_and_parse

CATALOG_ONLY = [dg.AssetKey(k) for k in SUPPLIER_ASSETS if k not in IMAGE_ASSETS]
"""The catalog sync alone: images have a benchmark of their own."""
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def limit(base_url: str, rps: float) -> tuple[float, int]:
    promidata = PromidataResource(base_url=base_url, requests_per_second=rps)
    entries = parse_index(httpx.get(promidata.index_url, timeout=60).content).entries
    count = 0

    async def sink(batch) -> None:
        nonlocal count
        count += sum(isinstance(o, Parsed) for o in batch)

    async def run() -> None:
        async with promidata.client() as client:
            await fetch_and_parse(client, entries, sink, workers=promidata.max_in_flight)

    started = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - started, count


def supplier_sync(instance: dg.DagsterInstance, code: str, rps: float) -> tuple[float, dict]:
    config = {**QUIET, "resources": {"promidata": {"config": {"requests_per_second": rps}}}}
    defs.resolve_job_def("feed_refresh_job").execute_in_process(
        instance=instance, run_config=config
    )
    instance.add_dynamic_partitions("suppliers", [code])
    started = time.perf_counter()
    result = defs.resolve_job_def("supplier_sync_job").execute_in_process(
        partition_key=code, instance=instance, run_config=config, asset_selection=CATALOG_ONLY
    )
    wall = time.perf_counter() - started
    meta: dict = {}
    for node in ("parsed_variants", "catalog_tables"):
        for mat in result.asset_materializations_for_node(node):
            meta.update({f"{node}.{k}": v.value for k, v in mat.metadata.items()})
    return wall, meta


def report(name: str, wall: float, meta: dict, families: int) -> None:
    parse_s = meta.get("parsed_variants.duration_s", 0)
    write_s = meta.get("catalog_tables.duration_s", 0)
    rows = sum(
        meta.get(f"catalog_tables.{k}", 0)
        for k in ("families_new", "families_changed", "variants_written", "price_tiers_written")
    )
    print(
        f"{name:>10}: wall {wall:6.2f}s (fetch+parse {parse_s:.2f}s, write {write_s:.2f}s), "
        f"{families / wall if families else 0:6.0f} families/s, "
        f"{rows / write_s if write_s else 0:8.0f} rows/s written, "
        f"downloads {meta.get('parsed_variants.files_downloaded')}, "
        f"variants {meta.get('catalog_tables.variants_written')}, "
        f"tiers {meta.get('catalog_tables.price_tiers_written')}, "
        f"peak RSS {peak_rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=5000)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--rps", type=float, default=200.0, help="client request-rate limit")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1/test")
    args = parser.parse_args()

    spec = FeedSpec(seed=99, suppliers=1, families=args.families, exact=True)
    feed, base_url = start_feed(spec, args.port)
    name = f"promosync_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    db_url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(False)
    os.environ[settings.PROMIDATA_BASE_URL] = base_url
    os.environ[settings.DATABASE_URL] = db_url
    try:
        code = parse_index(httpx.get(f"{base_url}/Import/Import.txt").content).entries[0]
        code = code.supplier_code
        wall, count = limit(base_url, args.rps)
        print(f"     limit: {wall:6.2f}s, {count / wall:6.0f} families/s (fetch+parse, no DB)")
        with tempfile.TemporaryDirectory() as home, dg.instance_for_test(temp_dir=home) as inst:
            wall, meta = supplier_sync(inst, code, args.rps)
            report("full", wall, meta, args.families)
            wall, meta = supplier_sync(inst, code, args.rps)
            report("no-op", wall, meta, 0)
            changed = httpx.get(
                f"http://127.0.0.1:{args.port}/_feedsim/change",
                headers={"x-count": str(max(1, args.families // 100))},
            ).json()
            wall, meta = supplier_sync(inst, code, args.rps)
            report(f"{len(changed)} chg", wall, meta, len(changed))
    finally:
        feed.terminate()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
