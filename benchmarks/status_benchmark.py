"""``promosync status`` over many suppliers, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.status_benchmark [--suppliers 60] [--families 300]

Builds a catalog through the store's write functions (generated families with their variants,
tiers and ``pending`` image references, a month of nightly ``sync_runs``, open errors) and a
Dagster instance holding the ``suppliers`` partitions and a month of ``supplier_sync_job`` runs
per supplier. Prints the board's reads in process (catalog + instance + rendering) and the wall
time of the whole ``promosync status`` command (interpreter start and imports included).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster._core.instance.ref import InstanceRef

from promosync_pipeline import settings
from promosync_pipeline.catalog import Catalog, FamilyWrite, make_engine, upgrade
from promosync_pipeline.cli.status import latest_supplier_runs
from promosync_pipeline.cli.status_board import build_rows, render_table
from promosync_pipeline.feedsim import FeedGenerator, FeedSpec
from promosync_pipeline.promidata import content_hash
from promosync_pipeline_tests.support.catalog import write_families
from promosync_pipeline_tests.support.paths import PROMOSYNC

WINDOW_S = settings.DEFAULT_FRESHNESS_HOURS * 3600
IMPORTS_ONLY = [
    sys.executable,
    "-c",
    "import gc; gc.disable(); import promosync_pipeline.cli.status",
]
"""The command's fixed cost: the interpreter and its imports (Dagster, SQLAlchemy), loaded
with the garbage collector off as the ``promosync`` console script loads them."""


def build_catalog(url: str, generator: FeedGenerator, nights: int) -> int:
    engine = make_engine(url)
    upgrade(engine)
    store = Catalog(engine)
    now = datetime.now(UTC)
    codes = generator.supplier_codes()
    store.suppliers.add(codes, now - timedelta(days=nights))
    families = 0
    for i, code in enumerate(codes):
        for night in range(nights, 0, -1):
            at = now - timedelta(days=night, hours=i % 30)
            store.runs.finish(store.runs.start(code, None, at), "success", at)
        run = store.runs.start(code, None, now - timedelta(hours=i % 30))
        writes = []
        for sku in generator.family_skus(code):
            family = generator.family(sku)
            writes.append(FamilyWrite(family, f"http://feed/{sku}.json", "h", content_hash(family)))
        families += len(writes)
        write_families(store, code, writes, now)
        store.errors.record(
            code,
            run,
            [(s, None, "parse", "bad") for s in list(generator.family_skus(code))[: i % 4]],
        )
        store.runs.finish(run, "failed" if i % 4 else "success", now - timedelta(hours=i % 30))
        store.suppliers.record_sync(code, "success", now - timedelta(hours=i % 30))
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))  # what autovacuum does after a load like this
    engine.dispose()
    return families


def settle_most_images(url: str) -> int:
    """Mark all but one in a hundred image rows ``stored``: a catalog whose images were
    uploaded (renditions are left out: the board never reads them). Returns the rows left
    ``pending``."""
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE product_images SET status = 'stored' WHERE id % 100 <> 0"))
        conn.execute(sa.text("ANALYZE"))
        left = conn.execute(sa.text("SELECT count(*) FROM product_images WHERE status = 'pending'"))
        pending = int(left.scalar_one())
    engine.dispose()
    return pending


def build_instance(home: str, codes: list[str], nights: int) -> None:
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)) as instance:
        instance.add_dynamic_partitions("suppliers", codes)
        for _ in range(nights):
            for code in codes:
                instance.add_run(
                    dg.DagsterRun(
                        job_name="supplier_sync_job",
                        run_id=str(uuid.uuid4()),
                        tags={"dagster/partition": code},
                        status=dg.DagsterRunStatus.SUCCESS,
                    )
                )


def in_process(url: str, home: str) -> tuple[float, float, float]:
    """Seconds spent in the catalog reads, the instance reads, and building + rendering."""
    started = time.perf_counter()
    store = Catalog(make_engine(url))
    states = store.status.supplier_states()
    store.engine.dispose()
    catalog = time.perf_counter()
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(home)) as instance:
        codes = instance.get_dynamic_partitions("suppliers")
        runs = latest_supplier_runs(instance, codes)
    dagster = time.perf_counter()
    now = datetime.now(UTC)
    render_table(build_rows(states, runs, now, WINDOW_S, codes), now, WINDOW_S)
    done = time.perf_counter()
    return catalog - started, dagster - catalog, done - dagster


def command(url: str, home: str, cwd: str, *argv: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv``; CPU time says what the
    command costs on a machine that is busy with other work."""
    env = {**os.environ, settings.DATABASE_URL: url, "DAGSTER_HOME": home}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def measure(backend: str, url: str, home: str, cwd: str, repeat: int) -> None:
    parts = [in_process(url, home) for _ in range(repeat)]
    catalog, dagster, render = (statistics.median(p[i] for p in parts) * 1000 for i in range(3))
    print(
        f"{backend:>10}: in process: catalog reads {catalog:.0f} ms, Dagster instance "
        f"{dagster:.0f} ms, rows + table {render:.0f} ms"
    )
    for argv in ([PROMOSYNC, "status"], [PROMOSYNC, "status", "--json"], IMPORTS_ONLY):
        walls = [command(url, home, cwd, *argv) for _ in range(repeat)]
        label = " ".join(["promosync", *argv[1:]]) if argv[0] == PROMOSYNC else "imports only"
        print(
            f"{backend:>10}: {label}: median wall {statistics.median(w for w, _ in walls):.2f} s"
            f" (min {min(w for w, _ in walls):.2f} s), median CPU "
            f"{statistics.median(c for _, c in walls):.2f} s over {repeat} runs"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--suppliers", type=int, default=60)
    parser.add_argument("--families", type=int, default=300, help="families per supplier")
    parser.add_argument("--nights", type=int, default=30, help="sync runs of history per supplier")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1/test")
    args = parser.parse_args()

    generator = FeedGenerator(
        FeedSpec(seed=5, suppliers=args.suppliers, families=args.families, exact=True)
    )
    codes = generator.supplier_codes()
    name = f"promosync_status_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    pg_url = sa.engine.make_url(args.admin_url).set(database=name).render_as_string(False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = str(Path(tmp, "dagster"))
            Path(home).mkdir()
            build_instance(home, codes, args.nights)
            for backend, url in (
                ("sqlite", f"sqlite:///{tmp}/catalog.sqlite"),
                ("postgresql", pg_url),
            ):
                started = time.perf_counter()
                families = build_catalog(url, generator, args.nights)
                print(
                    f"{backend:>10}: catalog of {len(codes)} suppliers, {families} families built "
                    f"in {time.perf_counter() - started:.0f} s"
                )
                print(f"{backend:>10}: every image pending (right after a first sync)")
                measure(backend, url, home, tmp, args.repeat)
                print(f"{backend:>10}: {settle_most_images(url)} images pending, the rest stored")
                measure(backend, url, home, tmp, args.repeat)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
