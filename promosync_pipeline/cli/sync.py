"""``promosync sync``: refresh the kept Import.txt, run ``supplier_sync_job`` per supplier, print
a summary and what failed."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from dagster import DagsterInstance

from promosync_pipeline import names, settings
from promosync_pipeline.catalog import Catalog
from promosync_pipeline.cli.changes import change_lines
from promosync_pipeline.cli.instance import get_instance
from promosync_pipeline.cli.runner import (
    RunOutcome,
    SyncRequest,
    listed_supplier_codes,
    refresh_feed,
    sync_supplier,
)
from promosync_pipeline.resources import CatalogDatabaseResource, PromidataResource
from promosync_pipeline.sync.kept_index import refresh_kept_index

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


def _print_summary(rows: dict[str, dict[str, object]]) -> None:
    header = f"{'supplier':<10}" + "".join(f"{title:>11}" for title, _ in SUMMARY_COLUMNS)
    print(header)
    for code, metadata in rows.items():
        cells = "".join(f"{metadata.get(key, '-')!s:>11}" for _, key in SUMMARY_COLUMNS)
        print(f"{code:<10}{cells}")
    changed = {code: line for code, m in rows.items() if (line := _changes_line(code, m))}
    if changed:
        print()
        for code, line in changed.items():
            print(f"{code:<10}{line}")
    archive = {code: line for code, m in rows.items() if (line := _archive_line(m)) is not None}
    if archive:
        print()
        for code, line in archive.items():
            print(f"{code:<10}{line}")


def _changes_line(code: str, metadata: dict[str, object]) -> str | None:
    """What the sync changed, counted, and the command that lists it."""
    if "sync_run_id" not in metadata:
        return None
    counts = ", ".join(f"{metadata.get(key, 0)} {title}" for title, key in PREVIEW_COUNTS)
    return f"changes: {counts} (promosync changes {code} --since {metadata['sync_run_id']})"


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
    holds = ""
    if "archive_objects" in metadata:  # not listed when nothing was fetched
        holds = (
            f"holds {metadata.get('archive_objects')} files "
            f"({_size(metadata.get('archive_bytes'))}), "
        )
    return (
        f"archive: {replay}kept {metadata.get('archive_files_kept')} files "
        f"({_size(metadata.get('archive_bytes_kept'))} of "
        f"{_size(metadata.get('archive_raw_bytes_kept'))}), "
        f"pruned {metadata.get('archive_versions_pruned')}, {holds}"
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


def cmd_sync(codes: Sequence[str], *, all_suppliers: bool, request: SyncRequest) -> int:
    """Sync ``codes`` (or every listed supplier) as ``request`` asks; the exit status."""
    if not codes and not all_suppliers:
        print("promosync sync: name supplier codes or pass --all", file=sys.stderr)
        return 2
    if request.only_skus and (len(codes) != 1 or all_suppliers):
        print("promosync sync: --sku needs exactly one supplier CODE", file=sys.stderr)
        return 2
    instance = get_instance()
    catalog = CatalogDatabaseResource().catalog()
    if request.dry_run:
        return _dry_run(instance, catalog, codes, request)
    feed_run = refresh_feed(instance, catalog, request.feed_url)
    if feed_run is not None and not feed_run.success:
        print(f"feed refresh failed (run {feed_run.run_id}):", file=sys.stderr)
        for error in feed_run.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    summary: dict[str, dict[str, object]] = {}
    failed: list[str] = []
    for code in _wanted(catalog, codes, request):
        outcome = sync_supplier(instance, code, request)
        summary[code] = _summary_row(outcome)
        if not _report(catalog, code, outcome, summary[code]):
            failed.append(f"{code} (run {outcome.run_id})")
    _print_summary(summary)
    if failed:
        print(f"not everything synced: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _wanted(catalog: Catalog, codes: Sequence[str], request: SyncRequest) -> list[str]:
    """The named suppliers, or every supplier the kept index lists (``PROMOSYNC_SUPPLIERS``
    when set)."""
    if codes:
        return list(codes)
    listed = listed_supplier_codes(catalog, request.feed_url)
    only = settings.supplier_filter()
    return [c for c in listed if c in only] if only else listed


class _Warnings:
    """Where fetching the index reports what it could not do: standard error."""

    def warning(self, message: str) -> None:
        print(f"WARNING {message}", file=sys.stderr)


def _dry_run(
    instance: DagsterInstance, catalog: Catalog, codes: Sequence[str], request: SyncRequest
) -> int:
    """Dry runs of ``codes``: the current Import.txt is fetched for the runs to read and the
    kept copy put back as it was afterwards; the categories are not refreshed. Nothing of the
    catalog database changes."""
    source = PromidataResource(base_url=request.feed_url)
    failed: list[str] = []
    with catalog.feed_cache.kept_as_it_was(source.index_url):
        if refresh_kept_index(source, catalog, _Warnings()) is None:
            print("promosync sync --dry-run: no usable Import.txt", file=sys.stderr)
            return 1
        for code in _wanted(catalog, codes, request):
            outcome = sync_supplier(instance, code, request)
            if not _print_preview(catalog, code, outcome):
                failed.append(f"{code} (run {outcome.run_id})")
    if failed:
        print(f"dry run not done for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _print_preview(catalog: Catalog, code: str, outcome: RunOutcome) -> bool:
    """A dry run's preview of ``code``, in the format of ``promosync changes`` (then
    forgotten: a dry run leaves nothing behind); whether the dry run itself succeeded."""
    changes = catalog.changes.preview(outcome.run_id)
    catalog.changes.drop_preview(outcome.run_id)
    seen = outcome.observed.get(names.CATALOG_PRODUCTS)
    if not outcome.success or seen is None:
        print(f"{code}: dry run failed (run {outcome.run_id})", file=sys.stderr)
        for error in outcome.errors:
            print(f"  FAILED {code}: {error}", file=sys.stderr)
        return False
    counts = ", ".join(f"{seen.get(key, 0)} {title}" for title, key in PREVIEW_COUNTS)
    print(f"{code}: dry run (run {outcome.run_id}), nothing written; a sync would change: {counts}")
    print(f"  price-shift guard: {seen.get('price_shift_guard')}")
    print(f"  removal guard: {seen.get('removal_guard')}")
    if changes:
        print("\n".join(f"  {line}" for line in change_lines(changes)))
    return True


PREVIEW_COUNTS = (
    ("added", "families_added"),
    ("removed", "families_removed"),
    ("reactivated", "families_reactivated"),
    ("changed", "families_changed"),
    ("facts changed", "facts_changed"),
    ("prices up", "prices_up"),
    ("prices down", "prices_down"),
)


def _summary_row(outcome: RunOutcome) -> dict[str, object]:
    images = outcome.metadata.get(names.UPLOADED_IMAGES, {})
    return {
        **outcome.metadata.get(names.CATALOG_PRODUCTS, {}),
        "images_new": images.get("images_new", "-"),
        "images_failed": images.get("images_failed", "-"),
    }


def _report(catalog: Catalog, code: str, outcome: RunOutcome, row: dict[str, object]) -> bool:
    """Print what went wrong with a supplier's sync; whether everything synced."""
    problems = [f"{code}: {e}" for e in outcome.errors]
    problems += [f"{code}: {e.sku} ({e.stage}): {e.error}" for e in catalog.errors.open(code)[:20]]
    requested = _request_problems(code, row)
    for line in requested:
        print(f"  {line}", file=sys.stderr)
    if outcome.success and not problems and not any(p.startswith("FAILED") for p in requested):
        return True
    for problem in problems:
        print(f"  FAILED {problem}", file=sys.stderr)
    return False
