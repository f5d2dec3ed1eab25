"""Scale rehearsal: asset backfills of every supplier on the production instance.

deploy/dagster.yaml with run, event and schedule storage in PostgreSQL (dagster-postgres),
compute logs, step values and images in S3 (moto's server over HTTP), the queued run
coordinator; a real ``dagster-daemon run`` and a code server (``dagster api grpc``) as separate
processes; the feed simulator in a process of its own. For each run limit (``--max-runs``,
default 4 then 1) a fresh instance and catalog get a backfill of every supplier partition;
after the one with the highest limit, a no-op backfill of every supplier on the same
instance. Each result is printed as soon as it is measured.

    .venv/bin/python -m benchmarks.scale_benchmark [--suppliers 24] [--families 200]
        [--max-runs 1,4] [--json out.json]

PostgreSQL: ``PROMOSYNC_TEST_PG_URL`` (default postgres@127.0.0.1:5432/test, trust auth);
databases are created under random names and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from moto.server import ThreadedMotoServer

from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.names import IMAGE_ASSETS, SUPPLIER_ASSETS
from promosync_pipeline_tests.support.backfills import BackfillResult, run_backfill
from promosync_pipeline_tests.support.catalog_vs_feed import load_catalog, stored_problem
from promosync_pipeline_tests.support.databases import Databases, admin_engine
from promosync_pipeline_tests.support.deployment import (
    Deployment,
    deployment_env,
    instance_config,
    running,
    s3_buckets,
    set_pool_limits,
)
from promosync_pipeline_tests.support.feed_process import start_feed
from promosync_pipeline_tests.support.ports import free_port
from promosync_pipeline_tests.support.syncs import TEST_CLIENT, refresh


class ConnectionPeak:
    """The most connections seen open to each of some databases, sampled twice a second from
    ``pg_stat_activity`` while the block runs."""

    def __init__(self, admin: sa.Engine, databases: dict[str, str]) -> None:
        self.admin, self.databases = admin, databases
        self.peak = dict.fromkeys(databases, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        query = sa.text("SELECT datname, count(*) FROM pg_stat_activity GROUP BY datname")
        while not self._stop.wait(0.5):
            with self.admin.connect() as conn:
                seen = dict(conn.execute(query).all())
            for label, name in self.databases.items():
                self.peak[label] = max(self.peak[label], seen.get(name, 0))

    def __enter__(self) -> ConnectionPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def catalog_mismatches(url: str, generator: FeedGenerator) -> dict[str, int]:
    """Per supplier: families missing, inactive or different from the feed, plus active
    families the feed does not list (0 everywhere: the catalog equals the feed)."""
    catalog = load_catalog(url)
    active = {(r["supplier_code"], sku) for sku, r in catalog.products.items() if r["is_active"]}
    out = {}
    for code in generator.supplier_codes():
        skus = set(generator.family_skus(code))
        wrong = sum(1 for sku in skus if stored_problem(generator.family(sku), catalog) is not None)
        extra = sum(1 for c, sku in active if c == code and sku not in skus)
        out[code] = wrong + extra
    return out


def summary(result: BackfillResult, instance: Any, mismatches: dict[str, int] | None) -> dict:
    runs = result.run_seconds()
    return {
        "wall_s": round(result.wall_s, 1),
        "launch_to_last_run_end_s": round(result.until_last_run_end_s(), 1),
        "backfill_status": result.status,
        "runs": len(result.runs),
        "run_statuses": result.statuses(),
        "max_runs_at_once": result.max_at_once(),
        "suppliers_with_two_runs_at_once": result.overlapping_suppliers(),
        "run_s_median": round(runs[len(runs) // 2], 1) if runs else None,
        "run_s_max": round(runs[-1], 1) if runs else None,
        "product_files_downloaded": result.files_downloaded(instance),
        "suppliers_not_equal_to_feed": (
            None if mismatches is None else sorted(c for c, n in mismatches.items() if n)
        ),
        "failed_runs": failed_runs(result, instance),
    }


def failed_runs(result: BackfillResult, instance: Any) -> list[dict[str, str]]:
    """Each failed run of the backfill: its supplier and the first line of each failure."""
    failures = []
    for record in result.runs:
        run = record.dagster_run
        if run.status.value != "FAILURE":
            continue
        errors = []
        for e in instance.all_logs(run.run_id):
            data = e.dagster_event.event_specific_data if e.dagster_event is not None else None
            error = getattr(data, "error", None)
            if error is not None and e.dagster_event.event_type_value in (
                "STEP_FAILURE",
                "PIPELINE_FAILURE",
            ):
                message = (error.message or "").strip().splitlines() or [""]
                errors.append(f"{e.step_key or 'run'}: {message[0]}")
        failures.append(
            {"supplier": run.tags.get("dagster/partition", "?"), "errors": " | ".join(errors)}
        )
    return failures


def rehearse(
    spec: FeedSpec,
    feed_url: str,
    s3_endpoint: str,
    max_runs: int,
    no_op: bool,
    root: Path,
    assets: list[str],
) -> dict[str, Any]:
    databases = Databases(admin_engine(), prefix="promosync_scale")
    try:
        _, buckets = s3_buckets(s3_endpoint)
        catalog_url = databases.create("postgresql+psycopg")
        runs_url = databases.create("postgresql+psycopg2")
        names = {
            "catalog": sa.make_url(catalog_url).database,
            "dagster": sa.make_url(runs_url).database,
        }
        env = deployment_env(
            runs_url=runs_url,
            catalog_url=catalog_url,
            feed_url=feed_url,
            s3_endpoint=s3_endpoint,
            buckets=buckets,
        )
        config = instance_config(max_runs=max_runs)
        setup = Deployment(root / f"max{max_runs}", env, config)
        generator = FeedGenerator(spec)
        codes = sorted(generator.supplier_codes())
        out: dict[str, Any] = {"max_runs": max_runs}
        with running(setup):
            set_pool_limits(setup, config["concurrency"]["pools"]["default_limit"])
            instance = setup.instance()
            try:
                if not refresh(instance, TEST_CLIENT).success:
                    raise RuntimeError("feed_refresh_job failed")
                with ConnectionPeak(databases.admin, names) as connections:
                    full = run_backfill(
                        setup, instance, codes, f"all, max {max_runs}", 6 * 3600, assets
                    )
                out["full"] = summary(full, instance, catalog_mismatches(catalog_url, generator))
                out["full"]["peak_connections"] = connections.peak
                print(json.dumps(out["full"]), flush=True)
                if no_op:
                    with ConnectionPeak(databases.admin, names) as connections:
                        again = run_backfill(setup, instance, codes, "no-op", 3600, assets)
                    out["no_op"] = summary(
                        again, instance, catalog_mismatches(catalog_url, generator)
                    )
                    out["no_op"]["peak_connections"] = connections.peak
                    print(json.dumps(out["no_op"]), flush=True)
            finally:
                instance.dispose()
        return out
    finally:
        databases.drop_all()
        databases.admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suppliers", type=int, default=24)
    parser.add_argument("--families", type=int, default=200)
    parser.add_argument("--max-runs", default="4,1", help="run limits to compare, e.g. 1,4")
    parser.add_argument("--image-size", default="240x180", help="source images, WxH")
    parser.add_argument(
        "--skip-images",
        action="store_true",
        help="leave uploaded_images out of the backfills (images have their own benchmark)",
    )
    parser.add_argument("--json", type=Path, help="write the results here too")
    args = parser.parse_args()
    width, height = (int(n) for n in args.image_size.split("x"))
    spec = FeedSpec(
        seed=61, suppliers=args.suppliers, families=args.families, image_size=(width, height)
    )
    limits = [int(n) for n in args.max_runs.split(",")]
    assets = [a for a in SUPPLIER_ASSETS if not (args.skip_images and a in IMAGE_ASSETS)]
    feed, feed_url = start_feed(spec, free_port())
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    results: dict[str, Any] = {
        "machine": f"{os.cpu_count()} cores, {platform.platform()}",
        "suppliers": args.suppliers,
        "families": len(FeedGenerator(spec).all_skus()),
        "image_size": args.image_size,
        "assets": assets,
        "rehearsals": [],
    }
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="promosync-scale-") as tmp:
            for limit in limits:
                print(f"--- backfill of {args.suppliers} suppliers, at most {limit} runs at once")
                endpoint = f"http://{host}:{port}"
                results["rehearsals"].append(
                    rehearse(
                        spec, feed_url, endpoint, limit, limit == max(limits), Path(tmp), assets
                    )
                )
    finally:
        moto.stop()
        feed.terminate()
        feed.join(10)
    walls = {r["max_runs"]: r["full"]["wall_s"] for r in results["rehearsals"]}
    if len(walls) > 1:
        results["speed_up"] = round(walls[min(walls)] / walls[max(walls)], 2)
    results["total_s"] = round(time.monotonic() - started, 1)
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)


if __name__ == "__main__":
    main()
