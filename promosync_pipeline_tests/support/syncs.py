"""Running syncs: the real jobs executed in this process against whatever the resources'
variables point at (the feed simulator, a test catalog).

:func:`sync` is the one way tests and benchmarks run a sync: ``feed_refresh_job`` (the index and
the categories), then one ``supplier_sync_job`` run per supplier. :func:`refresh` and
:func:`supplier_run` are its two steps, for a test that runs one of them alone (a run a sensor
requested, a supplier run before any refresh).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.definitions import defs
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline.names import (
    CATALOG_TABLES_STEP,
    FEED_REFRESH_JOB,
    IMAGE_ASSETS,
    PARSED_VARIANTS,
    PROMIDATA_INDEX,
    SUPPLIER_ASSETS,
    SUPPLIER_SYNC_JOB,
)
from promosync_pipeline.partitions import suppliers

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
"""Run config: the console shows warnings and errors only."""

TEST_CLIENT = {
    "connect_timeout_s": 2.0,
    "read_timeout_s": 2.0,
    "max_attempts": 4,
    "retry_after_cap_s": 1.0,
}
"""Promidata resource config for a test-sized sync: short timeouts, short pauses, so that a
file that never succeeds fails within seconds (``promidata=TEST_CLIENT | {...}`` to change one
of them). Without ``promidata`` a run uses the resource's defaults, as production does."""

CATALOG_ONLY = [dg.AssetKey(key) for key in SUPPLIER_ASSETS if key not in IMAGE_ASSETS]
"""The supplier assets without the image step (``promosync sync --skip-images``)."""


def point_resources_at(
    monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str, images: Path | str
) -> str:
    """For the length of the test, the resources' variables point at ``feed``, the catalog at
    ``catalog_url`` and the image store at ``images``; returns ``catalog_url``."""
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
    monkeypatch.setenv(settings.DATABASE_URL, catalog_url)
    monkeypatch.setenv(settings.IMAGE_STORE, str(images))
    return catalog_url


@dataclass
class Run:
    """One job run executed in this process."""

    result: dg.ExecuteInProcessResult
    metadata: dict[str, dict[str, Any]]
    """Materialization metadata values by asset key (``parsed_variants``,
    ``catalog_products`` …); an asset whose step failed is missing."""
    wall_s: float
    """Seconds the run took, from its start to its end in this process."""
    observed: dict[str, dict[str, Any]]
    """Observation metadata values by asset key (what a dry run would change)."""

    @property
    def success(self) -> bool:
        return self.result.success

    @property
    def run_id(self) -> str:
        return self.result.run_id

    def errors(self) -> list[str]:
        """Every step failure's message (with its causes), in order."""
        out = []
        for event in self.result.all_events:
            if event.is_step_failure and event.step_failure_data.error:
                out.append(event.step_failure_data.error.to_string())
        return out

    def error(self) -> str:
        return "\n".join(self.errors())


@dataclass(eq=False)
class Sync(Mapping[str, Run]):
    """A sync: the feed refresh, and the supplier runs after it by supplier code (the mapping
    itself: ``sync[code]``, ``sync.values()``)."""

    refresh: Run
    suppliers: dict[str, Run]

    def __getitem__(self, code: str) -> Run:
        return self.suppliers[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self.suppliers)

    def __len__(self) -> int:
        return len(self.suppliers)


def run_config(
    promidata: Mapping[str, Any] | None = None,
    parse: Mapping[str, Any] | None = None,
    write: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """:data:`QUIET`, with ``promidata`` as the Promidata resource's config and ``parse`` and
    ``write`` as the config of the parse (``parsed_variants``) and catalog write steps."""
    config: dict[str, Any] = {**QUIET}
    if promidata is not None:
        config["resources"] = {"promidata": {"config": dict(promidata)}}
    ops = {}
    if parse:
        ops[PARSED_VARIANTS] = {"config": dict(parse)}
    if write:
        ops[CATALOG_TABLES_STEP] = {"config": dict(write)}
    if ops:
        config["ops"] = ops
    return config


def _execute(job_name: str, instance: dg.DagsterInstance, **options: Any) -> Run:
    job = defs.resolve_job_def(job_name)
    started = time.perf_counter()
    result = job.execute_in_process(instance=instance, raise_on_error=False, **options)
    wall_s = time.perf_counter() - started
    metadata: dict[str, dict[str, Any]] = {}
    observed: dict[str, dict[str, Any]] = {}
    for event in result.all_events:
        if event.is_step_materialization:
            mat = event.step_materialization_data.materialization
            metadata[mat.asset_key.to_user_string()] = {k: v.value for k, v in mat.metadata.items()}
        elif event.event_type == dg.DagsterEventType.ASSET_OBSERVATION:
            seen = event.asset_observation_data.asset_observation
            observed[seen.asset_key.to_user_string()] = {
                k: v.value for k, v in seen.metadata.items()
            }
    return Run(result, metadata, wall_s, observed)


def refresh(instance: dg.DagsterInstance, promidata: Mapping[str, Any] | None = None) -> Run:
    """``feed_refresh_job``: the index (kept in the catalog) and the categories."""
    return _execute(FEED_REFRESH_JOB, instance, run_config=run_config(promidata))


def supplier_run(
    instance: dg.DagsterInstance,
    code: str,
    *,
    promidata: Mapping[str, Any] | None = None,
    parse: Mapping[str, Any] | None = None,
    write: Mapping[str, Any] | None = None,
    images: bool = True,
    tags: Mapping[str, str] | None = None,
    assets: Iterable[str] | None = None,
) -> Run:
    """One ``supplier_sync_job`` run of ``code``, its partition registered first; the image
    step only with ``images``; only the steps of ``assets`` when given (a step materialized
    alone reads its upstream values from the instance's storage)."""
    instance.add_dynamic_partitions(suppliers.name, [code])
    selection = None if images else CATALOG_ONLY
    if assets is not None:
        selection = [dg.AssetKey(key) for key in assets]
    return _execute(
        SUPPLIER_SYNC_JOB,
        instance,
        partition_key=code,
        run_config=run_config(promidata, parse, write),
        asset_selection=selection,
        tags=dict(tags) if tags else None,
    )


def sync(
    instance: dg.DagsterInstance,
    codes: Iterable[str] | None = None,
    *,
    promidata: Mapping[str, Any] | None = None,
    parse: Mapping[str, Any] | None = None,
    write: Mapping[str, Any] | None = None,
    images: bool = True,
    refresh_may_fail: bool = False,
) -> Sync:
    """Refresh the feed, then one supplier run for each of ``codes`` (every supplier the
    refreshed index lists when ``codes`` is None).

    ``promidata`` is the Promidata resource's config (:data:`TEST_CLIENT` for fault tests; the
    resource's defaults without it), ``parse`` and ``write`` the config of the parse and the
    catalog write steps; the image step runs unless ``images`` is False. A failed refresh fails
    the test (no supplier could run) unless ``refresh_may_fail``: then no supplier runs and the
    result holds the failed refresh.
    """
    feed = refresh(instance, promidata)
    if not feed.success:
        assert refresh_may_fail, f"feed_refresh_job failed:\n{feed.error()}"
        return Sync(feed, {})
    listed = sorted(feed.metadata[PROMIDATA_INDEX]["supplier_slices"])
    runs = {
        code: supplier_run(
            instance, code, promidata=promidata, parse=parse, write=write, images=images
        )
        for code in (codes if codes is not None else listed)
    }
    return Sync(feed, runs)
