"""Run syncs with chosen resource and step config; check that no family was lost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from promosync_pipeline.catalog import schema as t
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedGenerator
from promosync_pipeline.jobs import IMAGE_ASSETS, SUPPLIER_ASSETS
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import ProductParseError, parse_product
from promosync_pipeline_tests.pipeline.harness import QUIET, assert_family_stored, rows

FAST_CLIENT = {
    "connect_timeout_s": 2.0,
    "read_timeout_s": 2.0,
    "max_attempts": 4,
    "retry_after_cap_s": 1.0,
}
"""Resource config for a test-sized sync: short timeouts, short pauses."""
CATALOG_STAGES = ("download", "parse", "write")


@dataclass
class Run:
    success: bool
    result: dg.ExecuteInProcessResult
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Materialization metadata per asset key (``parsed_variants``, ``catalog_products`` …)."""

    def errors(self) -> list[str]:
        """Every step failure's message (with its causes), in order."""
        out = []
        for event in self.result.all_events:
            if event.is_step_failure and event.step_failure_data.error:
                out.append(event.step_failure_data.error.to_string())
        return out

    def error(self) -> str:
        return "\n".join(self.errors())


def _run_config(
    promidata: dict[str, Any] | None,
    parse: dict[str, Any] | None,
    write: dict[str, Any] | None,
) -> dict[str, Any]:
    config: dict[str, Any] = {**QUIET, "resources": {"promidata": {"config": {**FAST_CLIENT}}}}
    config["resources"]["promidata"]["config"].update(promidata or {})
    ops = {}
    if parse:
        ops["parsed_variants"] = {"config": parse}
    if write:
        ops["catalog_tables"] = {"config": write}
    if ops:
        config["ops"] = ops
    return config


def _metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for event in result.all_events:
        if event.is_step_materialization:
            mat = event.step_materialization_data.materialization
            out[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
    return out


def refresh(instance: dg.DagsterInstance, promidata: dict[str, Any] | None = None) -> Run:
    """``feed_refresh_job``: the index and the categories."""
    result = defs.resolve_job_def("feed_refresh_job").execute_in_process(
        instance=instance, run_config=_run_config(promidata, None, None), raise_on_error=False
    )
    return Run(result.success, result, _metadata(result))


def sync(
    instance: dg.DagsterInstance,
    codes: Iterable[str] | None = None,
    *,
    promidata: dict[str, Any] | None = None,
    parse: dict[str, Any] | None = None,
    write: dict[str, Any] | None = None,
    images: bool = False,
) -> dict[str, Run]:
    """Refresh the feed, then one ``supplier_sync_job`` run per supplier (those the index lists
    unless ``codes`` is given); images are left out unless asked for. Returns the runs by code,
    plus the refresh under the key ``""``."""
    feed = refresh(instance, promidata)
    runs = {"": feed}
    if not feed.success:
        return runs
    listed = sorted(feed.metadata["promidata_index"]["supplier_slices"])
    job = defs.resolve_job_def("supplier_sync_job")
    selection = None
    if not images:
        selection = [dg.AssetKey(k) for k in SUPPLIER_ASSETS if k not in IMAGE_ASSETS]
    for code in codes if codes is not None else listed:
        instance.add_dynamic_partitions(suppliers.name, [code])
        result = job.execute_in_process(
            partition_key=code,
            instance=instance,
            run_config=_run_config(promidata, parse, write),
            raise_on_error=False,
            asset_selection=selection,
        )
        runs[code] = Run(result.success, result, _metadata(result))
    return runs


def supplier_runs(runs: dict[str, Run]) -> dict[str, Run]:
    return {code: run for code, run in runs.items() if code}


def active_skus(url: str) -> set[str]:
    return {r["sku"] for r in rows(url, t.products, t.products.c.is_active)}


def open_errors(url: str) -> dict[str, dict[str, Any]]:
    """Open ``sync_errors`` rows of families, by SKU (the latest one when several)."""
    out: dict[str, dict[str, Any]] = {}
    for row in rows(url, t.sync_errors, t.sync_errors.c.resolved_at.is_(None)):
        if row["sku"] is not None and row["stage"] in CATALOG_STAGES:
            out[row["sku"]] = row
    return out


def _expected(generator: FeedGenerator, sku: str) -> Any:
    poisoned = generator.poisoned()
    if sku not in poisoned:
        return generator.family(sku)
    code = generator.extra_files().get(sku) or sku.split("-", 1)[0]
    return parse_product(poisoned[sku], sku, expected_sku=sku, supplier_code=code)


def assert_nothing_lost(url: str, generator: FeedGenerator, *, kept: Iterable[str] = ()) -> None:
    """Every family the feed lists is either in the catalog with the feed's content (the
    parsed file, its index hash) or has an open ``sync_errors`` row saying why it is not.

    Active catalog families the feed no longer lists must have been deactivated, except
    ``kept`` (removals a guard refused on purpose).
    """
    errors = open_errors(url)
    products = {r["sku"]: r for r in rows(url, t.products)}
    lost: list[str] = []
    skus = [*generator.all_skus(), *generator.extra_files()]
    for sku in skus:
        error = errors.get(sku)
        if error is not None:
            if not (error["error"] or "").strip():
                lost.append(f"{sku}: sync_errors row without a reason")
            continue
        try:
            assert_family_stored(url, _expected(generator, sku))
        except ProductParseError as exc:
            lost.append(f"{sku}: unparsable in the feed ({exc}) but no sync_errors row")
            continue
        except (AssertionError, ValueError, KeyError) as exc:
            lost.append(f"{sku}: not stored with the feed's content ({type(exc).__name__} {exc})")
            continue
        stored_hash = (products[sku]["source_hash"] or "").upper()
        if stored_hash != generator.file_hash(sku).upper():
            lost.append(f"{sku}: stored source_hash {stored_hash} is not the index's")
    listed = set(skus) | set(kept)
    stale = sorted(s for s, r in products.items() if r["is_active"] and s not in listed)
    if stale:
        lost.append(f"active but no longer in the feed: {stale[:20]}")
    assert not lost, "families lost:\n" + "\n".join(lost)
