"""``promosync demo``: a generated feed on loopback, synced with the embedded defaults."""

from __future__ import annotations

import os
import shlex
import sys
import time
import tomllib
from pathlib import Path

from promosync_pipeline import settings


def ui_command() -> str:
    """The shell command that opens the web UI on the instance this process records runs in,
    with absolute paths, to paste into any shell.

    ``dg dev``, since ``dagster dev`` is superseded by it. ``DAGSTER_HOME`` is always given:
    ``dg`` reads its own telemetry setting from that folder's ``dagster.yaml``. The working
    directory's ``dagster.yaml`` (the embedded instance, its storage relative to that
    directory) is the instance ``promosync`` uses without ``DAGSTER_HOME``, so it is named.
    """
    from promosync_pipeline.cli.instance import embedded_home, prepare_home

    cwd = Path.cwd()
    if home := os.environ.get("DAGSTER_HOME"):
        instance = Path(home).resolve()
    elif Path("dagster.yaml").exists():
        instance = cwd
    else:
        # No embedded dagster.yaml here: the instance is Dagster's defaults in embedded_home().
        instance = prepare_home(embedded_home())
    dg = Path(sys.executable).with_name("dg")
    command = f"cd {shlex.quote(str(cwd))} && DAGSTER_HOME={shlex.quote(str(instance))}"
    command += f" {shlex.quote(str(dg))} dev"
    if not is_dg_project(cwd):
        command += " -m promosync_pipeline.definitions"
    return command


def is_dg_project(folder: Path) -> bool:
    """Whether ``dg`` finds a project here (``[tool.dg]`` in ``pyproject.toml``): the
    repository root is one, a folder of a pip-installed promosync is not."""
    pyproject = folder / "pyproject.toml"
    if not pyproject.exists():
        return False
    return "dg" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})


DEMO_PRICE_SHARE = 0.05
DEMO_PRICE_FACTOR = 1.08
DEMO_CHANGES_SHOWN = 15


def run_demo(*, suppliers: int, families: int, seed: int, spread: bool = False) -> int:
    from promosync_pipeline.cli.changes import run_changes
    from promosync_pipeline.cli.instance import describe_instance
    from promosync_pipeline.cli.runner import SyncRequest
    from promosync_pipeline.cli.sync import cmd_sync
    from promosync_pipeline.clock import now
    from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
    from promosync_pipeline.redaction import redact_url

    spec = FeedSpec(seed=seed, suppliers=suppliers, families=families, exact=not spread)
    started = time.monotonic()
    with FeedServer(FeedGenerator(spec)) as server:
        shape = f"~{families}" if spread else str(families)
        print(f"feed simulator: {server.base_url} ({suppliers} suppliers x {shape} families)")
        # the runs are pointed at the simulator by their run config, not the environment
        request = SyncRequest(feed_url=server.base_url)
        code = cmd_sync([], all_suppliers=True, request=request)
        # the supplier raises some prices: a second sync records what changed
        changed = server.generator.change_prices(share=DEMO_PRICE_SHARE, factor=DEMO_PRICE_FACTOR)
        print(
            f"\nthe feed raises the selling prices of {len(changed)} families by "
            f"{DEMO_PRICE_FACTOR - 1:.0%}; syncing again:"
        )
        second = now()
        code = max(code, cmd_sync([], all_suppliers=True, request=request))
        print("\nwhat the second sync changed (promosync changes --since ...):")
        run_changes([], since=second.isoformat(), as_json=False, limit=DEMO_CHANGES_SHOWN)
    print(f"demo finished in {time.monotonic() - started:.1f}s")
    print(
        "catalog: "
        + redact_url(settings.env(settings.DATABASE_URL, settings.DEFAULT_DATABASE_URL))
        + f"\nDagster instance: {describe_instance()}"
        + "\nsee the demo's runs in the web UI at http://127.0.0.1:3000 after running:\n  "
        + ui_command()
    )
    return code
