"""Run the jobs of the code location through a Dagster instance, as the CLI needs them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from promosync_pipeline import names
from promosync_pipeline.catalog import Catalog
from promosync_pipeline.definitions import defs
from promosync_pipeline.http import FetchError
from promosync_pipeline.partitions import register_suppliers
from promosync_pipeline.promidata import parse_index
from promosync_pipeline.resources import PromidataResource
from promosync_pipeline.signals import sigterm_kept
from promosync_pipeline.sync.kept_index import conditional_headers, poll_index


def _feed_refresh_job() -> dg.JobDefinition:
    return defs.resolve_job_def("feed_refresh_job")


def _supplier_sync_job() -> dg.JobDefinition:
    return defs.resolve_job_def("supplier_sync_job")


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    errors: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    """Each materialized asset's metadata, by asset key."""
    observed: dict[str, Any] = field(default_factory=dict)
    """Each observed asset's metadata (a dry run's preview), by asset key."""


FAILURE_PREFIX = re.compile(r"^dagster\._core\.definitions\.events\.Failure: ")
"""How Dagster words a step's ``dg.Failure``: the message after it is the step's own."""


def _step_errors(result: dg.ExecuteInProcessResult | Any) -> list[str]:
    errors = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            message = event.step_failure_data.error.message.strip().splitlines()[0]
            errors.append(f"{event.step_key}: {FAILURE_PREFIX.sub('', message)}")
    return errors


QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def _execute(
    job_fn: Any,
    instance: dg.DagsterInstance,
    run_config: dict[str, Any] | None = None,
    **kwargs: Any,
) -> RunOutcome:
    config = {**QUIET_LOGS, **(run_config or {})}
    job = dg.reconstructable(job_fn)
    with (
        sigterm_kept(),
        dg.execute_job(job, instance=instance, run_config=config, **kwargs) as result,
    ):
        outcome = RunOutcome(result.run_id, result.success, _step_errors(result))
        for event in result.all_events:
            if event.is_step_materialization:
                mat = event.step_materialization_data.materialization
                outcome.metadata[mat.asset_key.to_user_string()] = _values(mat.metadata)
            elif event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
                seen = event.asset_observation_data.asset_observation
                outcome.observed[seen.asset_key.to_user_string()] = _values(seen.metadata)
        return outcome


def _values(metadata: Any) -> dict[str, Any]:
    return {k: v.value for k, v in metadata.items()}


def feed_config(feed_url: str | None) -> dict[str, Any]:
    """Run config that points a run's ``promidata`` resource at ``feed_url`` (none: the
    resource's own binding, ``PROMIDATA_BASE_URL``)."""
    if not feed_url:
        return {}
    return {"resources": {"promidata": {"config": {"base_url": feed_url}}}}


def refresh_feed(
    instance: dg.DagsterInstance, catalog: Catalog, feed_url: str | None = None
) -> RunOutcome | None:
    """Bring the kept Import.txt up to date (of ``feed_url``, else ``PROMIDATA_BASE_URL``).

    One conditional GET first (:func:`~promosync_pipeline.sync.kept_index.poll_index`): when
    the feed answers 304 the kept copy is current and no Dagster run is spent on it (the
    outcome is None). Otherwise ``feed_refresh_job`` materializes the index and categories, so
    a new, refused or unreachable index is recorded and reported as a run; a new whole index
    is kept by then, so the run's own conditional GET answers 304 and nothing is downloaded
    twice.
    """
    promidata = PromidataResource(base_url=feed_url)
    kept = catalog.feed_cache.get(promidata.index_url)
    try:
        unchanged = poll_index(promidata, catalog, conditional_headers(kept)).not_modified
    except FetchError:
        unchanged = False  # the feed refresh run reports it
    if unchanged:
        return None
    return _execute(
        _feed_refresh_job, instance, feed_config(feed_url), tags={names.TRIGGER_TAG: "cli"}
    )


def listed_supplier_codes(catalog: Catalog, feed_url: str | None = None) -> list[str]:
    """The supplier codes the kept Import.txt lists (parsing it is only worth it for
    ``--all``: a run of named suppliers reads its own slice)."""
    kept = catalog.feed_cache.get(PromidataResource(base_url=feed_url).index_url)
    return sorted(parse_index(kept.body).by_supplier()) if kept is not None else []


@dataclass(frozen=True)
class SyncRequest:
    """What ``promosync sync`` was asked to do, for each supplier it names."""

    full_refresh: bool = False
    skip_images: bool = False
    from_archive: bool = False
    only_skus: tuple[str, ...] = ()
    dry_run: bool = False
    allow_price_shift: bool = False
    feed_url: str | None = None
    """The feed to read instead of ``PROMIDATA_BASE_URL`` (the demo's simulator)."""

    def run_config(self) -> dict[str, Any]:
        parse: dict[str, Any] = {"full_refresh": self.full_refresh}
        if self.from_archive:
            parse["from_archive"] = True
        if self.only_skus:
            parse["only_skus"] = list(self.only_skus)
        if self.dry_run:
            parse["dry_run"] = True
        ops: dict[str, Any] = {names.PARSED_VARIANTS: {"config": parse}}
        if self.allow_price_shift:
            ops[names.CATALOG_TABLES_STEP] = {"config": {"allow_price_shift": True}}
        return {**feed_config(self.feed_url), "ops": ops}

    def asset_selection(self) -> list[dg.AssetKey] | None:
        if not (self.skip_images or self.dry_run):
            return None
        return [dg.AssetKey(k) for k in names.SUPPLIER_ASSETS if k not in names.IMAGE_ASSETS]

    def tags(self) -> dict[str, str]:
        return {names.TRIGGER_TAG: "cli", **({names.DRY_RUN_TAG: "true"} if self.dry_run else {})}


def sync_supplier(instance: dg.DagsterInstance, code: str, request: SyncRequest) -> RunOutcome:
    """One ``supplier_sync_job`` run for ``code``, as ``request`` asks."""
    register_suppliers(instance, [code])
    return _execute(
        _supplier_sync_job,
        instance,
        run_config=request.run_config(),
        tags={names.PARTITION_TAG: code, **request.tags()},
        asset_selection=request.asset_selection(),
    )
