"""Run syncs with chosen resource and step config; check that no family was lost."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import dagster as dg
import sqlalchemy as sa

from promosync_pipeline.catalog import FAMILY_STAGES, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedGenerator
from promosync_pipeline.names import IMAGE_ASSETS, SUPPLIER_ASSETS
from promosync_pipeline.partitions import suppliers
from promosync_pipeline.promidata import Family, ProductParseError, parse_product
from promosync_pipeline_tests.pipeline.harness import QUIET, rows

FAST_CLIENT = {
    "connect_timeout_s": 2.0,
    "read_timeout_s": 2.0,
    "max_attempts": 4,
    "retry_after_cap_s": 1.0,
}
"""Resource config for a test-sized sync: short timeouts, short pauses."""


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
        if row["sku"] is not None and row["stage"] in FAMILY_STAGES:
            out[row["sku"]] = row
    return out


def _expected(generator: FeedGenerator, sku: str) -> Any:
    poisoned = generator.poisoned()
    if sku not in poisoned:
        return generator.family(sku)
    code = generator.extra_files().get(sku) or sku.split("-", 1)[0]
    return parse_product(poisoned[sku], sku, expected_sku=sku, supplier_code=code)


def _load_catalog(url: str) -> tuple[dict, dict, dict]:
    """products by SKU; variants and price tiers grouped by product SKU (one engine)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            products = {r.sku: dict(r._mapping) for r in conn.execute(sa.select(t.products))}
            variants: dict[str, list[dict[str, Any]]] = {}
            for r in conn.execute(sa.select(t.product_variants)):
                variants.setdefault(r.product_sku, []).append(dict(r._mapping))
            tiers: dict[str, list[dict[str, Any]]] = {}
            for r in conn.execute(sa.select(t.price_tiers)):
                tiers.setdefault(r.product_sku, []).append(dict(r._mapping))
    finally:
        engine.dispose()
    return products, variants, tiers


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.0001"))


def _stored_problem(family: Family, catalog: tuple[dict, dict, dict]) -> str | None:
    """What differs between ``family`` and the catalog (the checks of
    ``harness.assert_family_stored``, on rows loaded once)."""
    products, variants, tiers = catalog
    product = products.get(family.sku)
    if product is None:
        return "not in products"
    if not product["is_active"] or product["removed_at"] is not None:
        return "inactive"
    got = (
        product["supplier_code"], product["name"], product["description"], product["brand"],
        product["category_code"], product["variant_count"], _money(product["price_min"]),
        _money(product["price_max"]),
    )  # fmt: skip
    want = (
        family.supplier_code, family.name, family.description, family.brand,
        family.category_code, len(family.variants), _money(family.price_min),
        _money(family.price_max),
    )  # fmt: skip
    if got != want:
        return f"product row differs: {got!r:.300} != {want!r:.300}"
    own = {
        r["sku"]: r
        for r in variants.get(family.sku, [])
        if r["is_active"] or not any(v.sku == r["sku"] and v.is_active for v in family.variants)
    }
    for v in family.variants:
        row = own.get(v.sku)
        if row is None:
            return f"variant {v.sku} missing"
        got_v = (row["color"], row["color_label"], row["size"], row["ean"], row["weight_g"],
                 row["length_mm"], row["is_active"])  # fmt: skip
        want_v = (v.color, v.color_label, v.size, v.ean, v.weight_g, v.length_mm, v.is_active)
        if got_v != want_v:
            return f"variant {v.sku} differs: {got_v!r:.200} != {want_v!r:.200}"
    stored = sorted(
        (r["variant_sku"], r["region"], r["kind"], r["min_quantity"], _money(r["price"]),
         r["on_request"])
        for r in tiers.get(family.sku, [])
    )  # fmt: skip
    expected = sorted(
        (v.sku, p.region, p.kind, p.min_quantity, _money(p.price), p.on_request)
        for v in family.variants
        for p in v.price_tiers
    )
    if stored != expected:
        return f"price tiers differ ({len(stored)} stored, {len(expected)} expected)"
    return None


def assert_whole_families(url: str, families: Iterable[Family]) -> None:
    """Each of these families is stored whole, exactly as given."""
    catalog = _load_catalog(url)
    problems = [f"{f.sku}: {p}" for f in families if (p := _stored_problem(f, catalog))]
    assert not problems, "\n".join(problems[:20])


def assert_nothing_lost(url: str, generator: FeedGenerator, *, kept: Iterable[str] = ()) -> None:
    """Every family the feed lists is either in the catalog with the feed's content (the
    parsed file, its index hash) or has an open ``sync_errors`` row saying why it is not.

    Active catalog families the feed no longer lists must have been deactivated, except
    ``kept`` (removals a guard refused on purpose).
    """
    errors = open_errors(url)
    catalog = _load_catalog(url)
    products = catalog[0]
    lost: list[str] = []
    skus = [*generator.all_skus(), *generator.extra_files()]
    for sku in skus:
        error = errors.get(sku)
        if error is not None:
            if not (error["error"] or "").strip():
                lost.append(f"{sku}: sync_errors row without a reason")
            continue
        try:
            problem = _stored_problem(_expected(generator, sku), catalog)
        except ProductParseError as exc:
            lost.append(f"{sku}: unparsable in the feed ({exc}) but no sync_errors row")
            continue
        if problem is not None:
            lost.append(f"{sku}: not stored with the feed's content: {problem}")
            continue
        stored_hash = (products[sku]["source_hash"] or "").upper()
        if stored_hash != generator.file_hash(sku).upper():
            lost.append(f"{sku}: stored source_hash {stored_hash} is not the index's")
    listed = set(skus) | set(kept)
    stale = sorted(s for s, r in products.items() if r["is_active"] and s not in listed)
    if stale:
        lost.append(f"active but no longer in the feed: {stale[:20]}")
    assert not lost, "families lost:\n" + "\n".join(lost[:50])
