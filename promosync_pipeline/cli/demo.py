"""``promosync demo``: a generated feed on loopback, synced with the embedded defaults."""

from __future__ import annotations

import os
import time

from promosync_pipeline import settings


def run_demo(*, suppliers: int, families: int, seed: int) -> int:
    from promosync_pipeline.cli.instance import describe_instance
    from promosync_pipeline.cli.main import cmd_sync
    from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
    from promosync_pipeline.http import redact_url

    spec = FeedSpec(seed=seed, suppliers=suppliers, families=families)
    started = time.monotonic()
    with FeedServer(FeedGenerator(spec)) as server:
        os.environ[settings.PROMIDATA_BASE_URL] = server.base_url
        print(f"feed simulator: {server.base_url} ({suppliers} suppliers x ~{families} families)")
        code = cmd_sync([], all_suppliers=True, full_refresh=False)
    print(f"demo finished in {time.monotonic() - started:.1f}s")
    print(
        "catalog: "
        + redact_url(settings.env(settings.DATABASE_URL, settings.DEFAULT_DATABASE_URL))
        + f"\nDagster instance: {describe_instance()}"
        + "\nsee the runs in the web UI: .venv/bin/dagster dev  (from this folder), then open"
        + " http://127.0.0.1:3000"
    )
    return code
