"""``promosync``: sync suppliers through Dagster, run the demo, manage the database and feed."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any


def _feed_shape_options(
    parser: argparse.ArgumentParser, *, suppliers: int, families: int, seed: int
) -> None:
    """The generated feed's size, shared by ``demo`` and ``feed serve``."""
    parser.add_argument(
        "--suppliers",
        type=int,
        default=suppliers,
        help="number of suppliers (default: %(default)s)",
    )
    parser.add_argument(
        "--families",
        type=int,
        default=families,
        help="product families per supplier (default: %(default)s)",
    )
    parser.add_argument(
        "--spread",
        action="store_true",
        help="vary the families per supplier, seeded, between half and one and a half times "
        "--families",
    )
    parser.add_argument(
        "--seed", type=int, default=seed, help="seed of the generated feed (default: %(default)s)"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="promosync", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    _sync_parser(commands)
    demo = commands.add_parser("demo", help="serve a generated feed and sync all of it")
    _feed_shape_options(demo, suppliers=3, families=60, seed=7)
    commands.add_parser("doctor", help="check the catalog DB, image store, feed and Dagster")
    _status_parsers(commands)
    db = commands.add_parser("db", help="catalog database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations")
    _feed_parser(commands)
    return parser


def _sync_parser(commands: Any) -> None:
    sync = commands.add_parser("sync", help="sync suppliers into the catalog through Dagster")
    sync.add_argument("codes", nargs="*", metavar="CODE", help="supplier codes to sync")
    sync.add_argument(
        "--all",
        action="store_true",
        help="every supplier in the index (narrowed by PROMOSYNC_SUPPLIERS)",
    )
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument(
        "--full-refresh",
        action="store_true",
        help="download and parse every product file, not only those whose index hash changed",
    )
    mode.add_argument(
        "--from-archive",
        action="store_true",
        help="re-parse and re-write every family from the raw archive (the version of its "
        "current index hash) without downloading it; files the archive lacks are downloaded",
    )
    sync.add_argument(
        "--sku",
        action="append",
        default=[],
        metavar="SKU",
        help="sync only this family, whatever its index hash (repeatable; one CODE); "
        "deactivates nothing",
    )
    sync.add_argument(
        "--skip-images",
        action="store_true",
        help="leave uploaded_images out of the runs (image references stay pending)",
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch, parse and compare as a sync would, write nothing to the catalog, the "
        "change feed or the image store, and print what a sync would change",
    )
    sync.add_argument(
        "--allow-price-shift",
        action="store_true",
        help="write a sync that the price-shift guard refused (more than 20%% of a supplier's "
        "active families with a selling price moved by more than 50%%)",
    )


def _status_parsers(commands: Any) -> None:
    board = (
        "one row per supplier: last sync, products, open errors, images, freshness; "
        "exits 1 when a supplier is stale or its last sync failed"
    )
    status = commands.add_parser("status", help=board, description=board)
    status.add_argument("--json", action="store_true", help="print the board as JSON")
    errors = commands.add_parser(
        "errors",
        help="list a supplier's open sync errors",
        description="list a supplier's open sync_errors rows: SKU, stage, first seen, reason",
    )
    errors.add_argument("code", metavar="CODE", help="supplier code")
    errors.add_argument("--json", action="store_true", help="print the errors as JSON")
    changes = commands.add_parser(
        "changes",
        help="print the change feed: per family, what changed, old and new",
        description="print catalog_changes: one line per changed fact of a committed sync, "
        "the largest price moves first",
    )
    changes.add_argument("codes", nargs="*", metavar="CODE", help="supplier codes (default: all)")
    changes.add_argument(
        "--since",
        metavar="DATE|RUN",
        help="from this date (2026-12-01, UTC) or time, or from this sync run id or Dagster "
        "run id on",
    )
    changes.add_argument("--json", action="store_true", help="print the changes as JSON")
    changes.add_argument("--limit", type=int, metavar="N", help="print the first N changes only")


def _feed_parser(commands: Any) -> None:
    feed = commands.add_parser("feed", help="the bundled feed simulator")
    feed_commands = feed.add_subparsers(dest="feed_command", required=True)
    serve = feed_commands.add_parser("serve", help="serve a generated Promidata feed")
    serve.add_argument(
        "--port", type=int, default=8765, help="TCP port (0: any free port) (default: %(default)s)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    _feed_shape_options(serve, suppliers=3, families=200, seed=1)
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a fault, e.g. 429:times=2 or slow:delay=5,target=index (repeatable; "
        "see promosync_pipeline/feedsim/faults.py)",
    )


def cmd_db_upgrade() -> int:
    from promosync_pipeline.catalog import current_revision, make_engine, normalize_url, upgrade
    from promosync_pipeline.redaction import redact_url
    from promosync_pipeline.resources import CatalogDatabaseResource

    url = CatalogDatabaseResource().resolved_url()
    engine = make_engine(url)
    upgrade(engine)
    print(f"{redact_url(normalize_url(url))}: schema at revision {current_revision(engine)}")
    return 0


def prepare(argv: Sequence[str] | None = None) -> Callable[[], int]:
    """Parse ``argv`` and import what its command needs (only that: ``promosync status``
    never loads the Dagster definitions); the returned callable runs the command and gives
    its exit code."""
    args = _parser().parse_args(argv)
    if args.command == "sync":
        from promosync_pipeline.cli.runner import SyncRequest
        from promosync_pipeline.cli.sync import cmd_sync

        request = SyncRequest(
            full_refresh=args.full_refresh,
            skip_images=args.skip_images,
            from_archive=args.from_archive,
            only_skus=tuple(args.sku),
            dry_run=args.dry_run,
            allow_price_shift=args.allow_price_shift,
        )
        return partial(cmd_sync, args.codes, all_suppliers=args.all, request=request)
    if args.command == "doctor":
        from promosync_pipeline.cli.doctor import run_doctor

        return run_doctor
    if args.command == "status":
        from promosync_pipeline.cli.status import run_status

        return partial(run_status, as_json=args.json)
    if args.command == "errors":
        from promosync_pipeline.cli.status import run_errors

        return partial(run_errors, args.code, as_json=args.json)
    if args.command == "changes":
        from promosync_pipeline.cli.changes import run_changes

        return partial(
            run_changes, args.codes, since=args.since, as_json=args.json, limit=args.limit
        )
    if args.command == "db":
        return cmd_db_upgrade
    if args.command == "demo":
        from promosync_pipeline.cli.demo import run_demo

        return partial(
            run_demo,
            suppliers=args.suppliers,
            families=args.families,
            seed=args.seed,
            spread=args.spread,
        )
    if args.command == "feed":
        from promosync_pipeline.feedsim.cli import serve_command

        return partial(serve_command, args)
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None) -> int:
    """``promosync`` with ``argv``: the command's exit code."""
    return prepare(argv)()


def run() -> None:
    """The ``promosync`` console script.

    A command loads Dagster, SQLAlchemy and the definitions: some 340,000 objects that live
    until the process ends. The cyclic garbage collector would walk them again and again while
    they load and once more at exit (about 0.3 s and 0.8 s of a 5 s no-op sync), so it is off
    while they load and they are then frozen out of its reach (``gc.freeze``). What the
    command itself allocates is collected as usual, and frozen too once it has finished, before
    the interpreter's last collection at exit.
    """
    gc.disable()
    try:
        command = prepare(sys.argv[1:])
    finally:
        gc.freeze()
        gc.enable()
    code = command()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
