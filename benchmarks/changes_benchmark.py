"""``promosync changes`` on a catalog holding 100,000 change rows, as a user runs it.

    .venv/bin/python -m benchmarks.changes_benchmark [--rows 100000] [--backend postgresql]

A catalog database of its own (a PostgreSQL database created under a random name, or an
SQLite file) is migrated and filled with ``--rows`` changes of five suppliers, as syncs record
them: a third price moves, the rest text facts, added and removed families. Then each command
below runs as a fresh ``promosync`` process three times; the median wall time is reported,
against the 2 s target.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.catalog import make_engine, upgrade
from promosync_pipeline.catalog import schema as t
from promosync_pipeline_tests.support.databases import PG_ADMIN_URL, Databases, admin_engine
from promosync_pipeline_tests.support.paths import PROMOSYNC

SUPPLIERS = ("A101", "A202", "A303", "A404", "A505")
SYNC_RUNS = 50
TARGET_S = 2.0
START = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def change_rows(count: int, seed: int) -> list[dict[str, object]]:
    """``count`` changes spread over the suppliers and :data:`SYNC_RUNS` sync runs."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for i in range(count):
        run = i * SYNC_RUNS // count + 1
        code = SUPPLIERS[run % len(SUPPLIERS)]
        family = f"{code}-{100000 + rng.randrange(5000)}"
        row: dict[str, object] = {
            "sync_run_id": run,
            "supplier_code": code,
            "product_sku": family,
            "variant_sku": f"{family}-{rng.randrange(1, 20)}",
            "change": "changed",
            "created_at": START + timedelta(days=run / 2),
        }
        kind = rng.random()
        if kind < 0.34:
            old = round(rng.uniform(0.2, 80), 2)
            new = round(old * rng.uniform(0.7, 1.4), 2)
            quantity = rng.choice((1, 50, 100, 250, 500, 1000))
            row |= {
                "field": f"price_tiers.BENELUX.selling.{quantity}.price",
                "old_value": f"{old}",
                "new_value": f"{new}",
                "price_move": (new - old) / old,
            }
        elif kind < 0.97:
            row |= {"field": "name.en", "old_value": f"Bag {i}", "new_value": f"Tote bag {i}"}
        else:
            row |= {
                "variant_sku": None,
                "change": rng.choice(("added", "removed")),
                "field": None,
                "new_value": f"Bag {i}",
            }
        out.append({"field": None, "old_value": None, "new_value": None, "price_move": None, **row})
    return out


def fill(url: str, rows: int, seed: int) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
        data = change_rows(rows, seed)
        with engine.begin() as conn:
            for start in range(0, len(data), 10_000):
                conn.execute(sa.insert(t.catalog_changes), data[start : start + 10_000])
        with engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(t.catalog_changes))
            print(f"catalog_changes: {total.scalar_one():,} rows")
    finally:
        engine.dispose()


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Median seconds of three runs of ``promosync *args``; lines printed."""
    times, lines = [], 0
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(
            [PROMOSYNC, *args], env=env, capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - started)
        lines = done.stdout.count("\n")
    return statistics.median(times), lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    databases = Databases(admin_engine(args.admin_url), prefix="promosync_bench")
    with tempfile.TemporaryDirectory() as folder:
        if args.backend == "postgresql":
            url = databases.create()
        else:
            url = f"sqlite:///{Path(folder) / 'catalog.sqlite'}"
        try:
            fill(url, args.rows, args.seed)
            env = {"PATH": "/usr/bin:/bin", settings.DATABASE_URL: url}
            commands = [
                ["changes"],
                ["changes", "--json"],
                ["changes", SUPPLIERS[0], "--since", str(SYNC_RUNS - 5)],
                ["changes", "--since", (START + timedelta(days=20)).date().isoformat()],
                ["changes", "--limit", "50"],
            ]
            print(f"{'command':<42}{'lines':>9}{'median s':>10}  target {TARGET_S:.0f} s")
            for command in commands:
                seconds, lines = timed(command, env)
                verdict = "ok" if seconds < TARGET_S else "OVER"
                print(f"{' '.join(command):<42}{lines:>9,}{seconds:>10.2f}  {verdict}")
        finally:
            databases.drop_all()


if __name__ == "__main__":
    main()
