"""Dagster's own freshness policy on the catalog assets, next to the per-supplier alerts.

Dagster's ``FreshnessPolicy`` shows a freshness state on each catalog asset in the UI (and its
``FreshnessDaemon`` records every change), but for a partitioned asset it judges the latest
materialization of *any* partition: one supplier syncing keeps the asset fresh. Per-supplier
staleness is what ``freshness_alert_sensor`` watches; both use ``PROMOSYNC_FRESHNESS_HOURS``.
"""

from collections.abc import Mapping, Sequence
from datetime import timedelta

import dagster as dg

from promosync_pipeline import names, settings

CATALOG_ASSETS = tuple(dg.AssetKey(name) for name in names.CATALOG_ASSETS)
MIN_WINDOW = timedelta(minutes=1)
"""Dagster refuses shorter windows."""


def freshness_window(environ: Mapping[str, str] | None = None) -> timedelta:
    hours = settings.env_number(
        settings.FRESHNESS_HOURS, settings.DEFAULT_FRESHNESS_HOURS, 0.01, environ
    )
    return timedelta(hours=hours)


def with_catalog_freshness(
    assets: Sequence[dg.AssetsDefinition | dg.AssetSpec],
    environ: Mapping[str, str] | None = None,
) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    """``assets`` with a time-window freshness policy on the catalog assets (none when the
    window is below Dagster's one-minute minimum)."""
    window = freshness_window(environ)
    if window < MIN_WINDOW:
        return list(assets)
    policy = dg.FreshnessPolicy.time_window(fail_window=window)

    def apply(spec: dg.AssetSpec) -> dg.AssetSpec:
        return dg.apply_freshness_policy(spec, policy) if spec.key in CATALOG_ASSETS else spec

    return list(dg.map_asset_specs(apply, assets))
