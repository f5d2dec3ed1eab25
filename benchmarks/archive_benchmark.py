"""The raw archive's cost and size for one supplier, next to the catalog's.

    .venv/bin/python -m benchmarks.archive_benchmark [--families 300] [--database-url URL]

Syncs of the same supplier, each into a new, empty SQLite catalog (whose file size is the
catalog's size): with an empty archive (every file is compressed and written), with the archive
already holding every version (nothing to write: the same sync without archive writes), and
replayed from the archive (no product download). A first warm-up sync fills the feed's caches.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import dagster as dg
import httpx

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedSpec
from promosync_pipeline.promidata import parse_index
from promosync_pipeline_tests.support.feed_process import start_feed
from promosync_pipeline_tests.support.syncs import sync


def one_sync(code: str, rps: float, from_archive: bool) -> tuple[float, dict]:
    """(wall seconds, ``parsed_variants`` metadata) of the supplier run of a sync of ``code``
    without images, on a new instance."""
    with tempfile.TemporaryDirectory() as home, dg.instance_for_test(temp_dir=home) as instance:
        run = sync(
            instance,
            [code],
            promidata={"requests_per_second": rps},
            parse={"from_archive": from_archive},
            images=False,
        )[code]
    if not run.success:
        raise RuntimeError(f"the sync of {code} failed:\n{run.error()}")
    return run.wall_s, run.metadata["parsed_variants"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--port", type=int, default=18775)
    parser.add_argument("--rps", type=float, default=200.0)
    args = parser.parse_args()
    spec = FeedSpec(seed=99, suppliers=1, families=args.families, exact=True)
    feed, base_url = start_feed(spec, args.port)
    work = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    os.environ[settings.PROMIDATA_BASE_URL] = base_url
    try:
        code = parse_index(httpx.get(f"{base_url}/Import/Import.txt").content).entries[0]
        code = code.supplier_code
        plan = [("warm-up", "a", False)]
        for n in range(args.rounds):
            plan += [("writes", f"b{n}", False), ("no writes", f"b{n}", False)]
        # Replay from the last archive: the simulator may re-hash files it generated before
        # it knew its own address (support/feed_process.py warms the index first), so the
        # warm-up's versions need not match the index any more.
        plan += [("replay", f"b{args.rounds - 1}", True)]
        for run, (name, archive, from_archive) in enumerate(plan):
            catalog = work / f"{run}.sqlite"
            os.environ[settings.DATABASE_URL] = f"sqlite:///{catalog}"
            os.environ[settings.ARCHIVE_STORE] = str(work / archive)
            wall, meta = one_sync(code, args.rps, from_archive)
            print(
                f"{name:>10}: wall {wall:6.2f}s, fetch+parse {meta['duration_s']:6.2f}s, "
                f"downloads {meta['files_downloaded']}, replayed {meta['archive_hits']}, "
                f"archive write time {meta['archive_write_s']:.2f}s, "
                f"kept {meta['archive_files_kept']} files: {meta['archive_bytes_kept']:,} B "
                f"of {meta['archive_raw_bytes_kept']:,} B raw; archive holds "
                f"{meta['archive_objects']} files, {meta['archive_bytes']:,} B; "
                f"catalog {catalog.stat().st_size:,} B"
            )
    finally:
        feed.terminate()


if __name__ == "__main__":
    main()
