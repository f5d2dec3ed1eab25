"""Supplier steps materialized alone after a finished sync, without a fresh upstream run: they
read the values that sync left in the instance's storage, handles to staged families that are
gone. The catalog step refuses, naming what to run instead, and rewrites nothing; the images
step stores what is pending; neither touches an earlier ``sync_runs`` row."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg
import pytest

from promosync_pipeline import names
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline_tests.support.catalog import dump, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_supplier_equals_feed
from promosync_pipeline_tests.support.cli import cli_env, run_cli
from promosync_pipeline_tests.support.paths import DAGSTER
from promosync_pipeline_tests.support.syncs import supplier_run, sync

pytestmark = pytest.mark.feed(suppliers=1, families=12, seed=37)

UNTOUCHED = (t.supplier_leases,)
"""Left out of the dumps compared: a lease row comes and goes with every step."""


def _refused(error: str, code: str) -> None:
    assert f"{code}: {names.CATALOG_TABLES_STEP} cannot run alone here" in error, error
    assert f"materialize the whole `{names.CATALOG_GROUP}` group for {code}" in error
    assert f"`promosync sync {code}`" in error


def test_the_catalog_step_alone_refuses_rewrites_nothing_and_the_group_then_writes(
    env: str, feed: FeedServer, instance: dg.DagsterInstance
):
    (code,) = feed.generator.supplier_codes()
    assert sync(instance, [code], images=False)[code].success
    changed = feed.generator.change_families(3, code=code)
    runs_before, before = rows(env, t.sync_runs), dump(env, leave_out=UNTOUCHED)

    alone = supplier_run(instance, code, assets=names.CATALOG_ASSETS)

    assert not alone.success
    _refused(alone.error(), code)
    assert "sync run 1 (opened " in alone.error()
    assert "which belongs to another run" in alone.error()
    assert not set(names.CATALOG_ASSETS) & set(alone.metadata)
    assert rows(env, t.sync_runs) == runs_before
    assert dump(env, leave_out=UNTOUCHED) == before

    group = sync(instance, [code], images=False)[code]
    assert group.success, group.error()
    assert group.metadata[names.CATALOG_PRODUCTS]["families_changed"] == len(changed)
    earlier, latest = rows(env, t.sync_runs)
    assert earlier == runs_before[0]
    assert (latest["run_id"], latest["families_changed"]) == (group.run_id, len(changed))
    assert_supplier_equals_feed(env, feed.generator, code)


def test_the_images_step_alone_stores_what_is_pending_and_rewrites_no_sync_run(
    env: str, feed: FeedServer, instance: dg.DagsterInstance
):
    (code,) = feed.generator.supplier_codes()
    assert sync(instance, [code], images=False)[code].success
    main = t.product_images.c.parent_id.is_(None)
    pending = rows(env, t.product_images, main)
    assert pending and {r["status"] for r in pending} == {"pending"}
    runs_before = rows(env, t.sync_runs)

    alone = supplier_run(instance, code, assets=names.IMAGE_ASSETS)

    assert alone.success, alone.error()
    assert {r["status"] for r in rows(env, t.product_images, main)} == {"stored"}
    uploaded = alone.metadata[names.UPLOADED_IMAGES]
    urls = len({r["source_url"] for r in pending})
    assert (uploaded["images_listed"], uploaded["images_downloaded"]) == (urls, urls)
    assert rows(env, t.sync_runs) == runs_before


def test_dagster_asset_materialize_of_the_catalog_step_fails_naming_what_to_run(
    feed: FeedServer, sqlite_url: str, tmp_path: Path
):
    """The command from the report, on the CLI's own instance: it used to exit 0 and rewrite
    the earlier ``sync_runs`` row."""
    (code,) = feed.generator.supplier_codes()
    env = cli_env(feed.base_url, sqlite_url, tmp_path / "dagster")
    synced = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert synced.returncode == 0, synced.stderr[-2000:]
    runs_before = rows(sqlite_url, t.sync_runs)

    again = subprocess.run(
        [str(DAGSTER), "asset", "materialize", "-m", "promosync_pipeline.definitions",
         "--select", ",".join(names.CATALOG_ASSETS), "--partition", code],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

    assert again.returncode != 0
    _refused(again.stdout + again.stderr, code)
    assert rows(sqlite_url, t.sync_runs) == runs_before
