"""``promosync``: sync suppliers through Dagster, run the demo, manage the database and feed."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from promosync_pipeline import settings

SUMMARY_COLUMNS = (
    ("new", "families_new"),
    ("changed", "families_changed"),
    ("unchanged", "families_unchanged"),
    ("removed", "families_removed"),
    ("failed", "families_failed"),
    ("variants", "variants_written"),
    ("images", "images_new"),
    ("img failed", "images_failed"),
)


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

    demo = commands.add_parser("demo", help="serve a generated feed and sync all of it")
    _feed_shape_options(demo, suppliers=3, families=60, seed=7)

    commands.add_parser("doctor", help="check the catalog DB, image store, feed and Dagster")

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

    db = commands.add_parser("db", help="catalog database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="apply migrations")

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
    return parser


def _print_summary(rows: dict[str, dict[str, object]]) -> None:
    header = f"{'supplier':<10}" + "".join(f"{title:>11}" for title, _ in SUMMARY_COLUMNS)
    print(header)
    for code, metadata in rows.items():
        cells = "".join(f"{metadata.get(key, '-')!s:>11}" for _, key in SUMMARY_COLUMNS)
        print(f"{code:<10}{cells}")
    archive = {code: line for code, m in rows.items() if (line := _archive_line(m)) is not None}
    if archive:
        print()
        for code, line in archive.items():
            print(f"{code:<10}{line}")


def _size(value: object) -> str:
    if not isinstance(value, int | float) or value < 0:
        return "?"
    return f"{value / 1e6:.1f} MB" if value >= 1e6 else f"{value / 1e3:.0f} KB"


def _archive_line(metadata: dict[str, object]) -> str | None:
    """The raw archive's share of a supplier's sync, one line."""
    if "archive_files_kept" not in metadata:
        return None
    replay = ""
    if metadata.get("archive_hits") or metadata.get("archive_misses"):
        replay = (
            f"replayed {metadata.get('archive_hits')}, "
            f"not archived so downloaded {metadata.get('archive_misses')}; "
        )
    return (
        f"archive: {replay}kept {metadata.get('archive_files_kept')} files "
        f"({_size(metadata.get('archive_bytes_kept'))} of "
        f"{_size(metadata.get('archive_raw_bytes_kept'))}), "
        f"pruned {metadata.get('archive_versions_pruned')}, "
        f"holds {metadata.get('archive_objects')} files ({_size(metadata.get('archive_bytes'))}), "
        f"errors {metadata.get('archive_errors')}"
    )


def _request_problems(code: str, metadata: dict[str, object]) -> list[str]:
    """What a sync could not do as asked: unknown SKUs (a failure), an archive outage (a
    warning: the catalog is complete without it)."""
    problems = []
    unknown = metadata.get("skus_unknown")
    if unknown and unknown != "none":
        problems.append(f"FAILED {code}: not in {code}'s index, not synced: {unknown}")
    if metadata.get("archive_errors"):
        problems.append(f"WARNING {code}: raw archive: {metadata.get('archive_status')}")
    return problems


def cmd_sync(
    codes: Sequence[str],
    *,
    all_suppliers: bool,
    full_refresh: bool,
    skip_images: bool = False,
    from_archive: bool = False,
    only_skus: Sequence[str] = (),
) -> int:
    from promosync_pipeline.cli.instance import get_instance
    from promosync_pipeline.cli.runner import refresh_feed, sync_supplier
    from promosync_pipeline.resources import CatalogDatabaseResource

    if not codes and not all_suppliers:
        print("promosync sync: name supplier codes or pass --all", file=sys.stderr)
        return 2
    if only_skus and (len(codes) != 1 or all_suppliers):
        print("promosync sync: --sku needs exactly one supplier CODE", file=sys.stderr)
        return 2
    instance = get_instance()
    feed_run, listed = refresh_feed(instance)
    if feed_run is not None and not feed_run.success:
        print(f"feed refresh failed (run {feed_run.run_id}):", file=sys.stderr)
        for error in feed_run.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    wanted = list(codes) if codes else listed
    if all_suppliers and not codes and (only := settings.supplier_filter()):
        wanted = [c for c in listed if c in only]
    store = CatalogDatabaseResource().store()
    summary: dict[str, dict[str, object]] = {}
    failed: list[str] = []
    for code in wanted:
        outcome = sync_supplier(
            instance,
            code,
            full_refresh=full_refresh,
            skip_images=skip_images,
            from_archive=from_archive,
            only_skus=list(only_skus),
        )
        images = outcome.metadata.get("uploaded_images", {})
        summary[code] = {
            **outcome.metadata.get("catalog_products", {}),
            "images_new": images.get("images_new", "-"),
            "images_failed": images.get("images_failed", "-"),
        }
        problems = [f"{code}: {e}" for e in outcome.errors]
        problems += [
            f"{code}: {e.sku} ({e.stage}): {e.error}" for e in store.open_errors(code)[:20]
        ]
        requested = _request_problems(code, summary[code])
        for line in requested:
            print(f"  {line}", file=sys.stderr)
        if not outcome.success or problems or any(p.startswith("FAILED") for p in requested):
            failed.append(f"{code} (run {outcome.run_id})")
            for problem in problems:
                print(f"  FAILED {problem}", file=sys.stderr)
    _print_summary(summary)
    if failed:
        print(f"not everything synced: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def cmd_db_upgrade() -> int:
    from promosync_pipeline.catalog import current_revision, make_engine, redact, upgrade
    from promosync_pipeline.resources import CatalogDatabaseResource

    url = CatalogDatabaseResource().resolved_url()
    engine = make_engine(url)
    upgrade(engine)
    print(f"{redact(url)}: schema at revision {current_revision(engine)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # Output(data_version=...) and partitioned asset checks are used on purpose; Dagster's
    # beta/preview notices about them would repeat on every run of every supplier.
    warnings.filterwarnings("ignore", message=r".* is currently in (beta|preview)")
    args = _parser().parse_args(argv)
    if args.command == "sync":
        return cmd_sync(
            args.codes,
            all_suppliers=args.all,
            full_refresh=args.full_refresh,
            skip_images=args.skip_images,
            from_archive=args.from_archive,
            only_skus=args.sku,
        )
    if args.command == "doctor":
        from promosync_pipeline.cli.doctor import run_doctor

        return run_doctor()
    if args.command in ("status", "errors"):
        from promosync_pipeline.cli.status import run_errors, run_status

        if args.command == "status":
            return run_status(as_json=args.json)
        return run_errors(args.code, as_json=args.json)
    if args.command == "db":
        return cmd_db_upgrade()
    if args.command == "demo":
        from promosync_pipeline.cli.demo import run_demo

        return run_demo(
            suppliers=args.suppliers, families=args.families, seed=args.seed, spread=args.spread
        )
    if args.command == "feed":
        from promosync_pipeline.feedsim.cli import serve_command

        return serve_command(args)
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
