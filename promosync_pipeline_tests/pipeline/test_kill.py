"""kill -9 in the middle of a sync: no half-written family, no image row without its object,
then convergence."""

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec, parse_fault
from promosync_pipeline_tests.support import processes
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_catalog_equals_feed,
    assert_family_stored,
    catalog_snapshot,
)
from promosync_pipeline_tests.support.cli import cli_env, run_cli, start_cli

pytestmark = pytest.mark.slow


def _count(engine: sa.Engine, table: sa.Table) -> int:
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    except sa.exc.DBAPIError:
        return 0  # not migrated yet


def _kill_once_rows_appear(
    process: subprocess.Popen[str],
    url: str,
    table: sa.Table,
    before_kill: Callable[[], object] = lambda: None,
) -> int:
    """kill -9 the sync as soon as ``table`` has a row (``before_kill`` called just before);
    returns the rows seen then."""
    engine = make_engine(url)
    deadline = time.monotonic() + 240
    seen = 0
    try:
        while time.monotonic() < deadline and process.poll() is None:
            seen = _count(engine, table)
            if seen > 0:
                before_kill()
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.01)
        process.wait(30)
    finally:
        engine.dispose()
    assert process.returncode == -signal.SIGKILL, "the sync ended before it could be killed"
    return seen


def test_kill_during_catalog_write_leaves_whole_families_and_converges(pg_url, tmp_path):
    spec = FeedSpec(seed=41, suppliers=1, families=800, exact=True)
    with FeedServer(FeedGenerator(spec)) as feed:
        total = len(feed.generator.all_skus())
        env = cli_env(feed.base_url, pg_url, tmp_path / "dagster")
        process = start_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
        written = _kill_once_rows_appear(process, pg_url, t.products)
        assert 0 < written < total

        stored = rows(pg_url, t.products)
        assert 0 < len(stored) < total
        for product in stored:
            assert_family_stored(pg_url, feed.generator.family(product["sku"]))

        # convergence after a kill in every phase: reliability/test_crash_consistency.py
        again = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        assert_catalog_equals_feed(pg_url, feed.generator)


def _assert_image_rows_have_objects(url: str, folder: Path) -> None:
    for row in rows(url, t.product_images):
        if row["status"] == "stored":
            data = (folder / row["storage_key"]).read_bytes()
            assert len(data) == row["bytes"], row
    for obj in rows(url, t.image_objects):
        assert (folder / obj["storage_key"]).is_file(), obj


def _image_view(url: str) -> list[tuple]:
    return sorted(
        (r["product_sku"], r["variant_sku"], r["role"], r["position"], r["rendition"],
         r["source_url"], r["sha256"], r["storage_key"], r["width"], r["height"], r["status"])
        for r in rows(url, t.product_images)
    )  # fmt: skip


def test_kill_during_image_upload_leaves_no_row_without_its_object(pg_url, tmp_path):
    spec = FeedSpec(seed=43, suppliers=1, families=20, exact=True, image_size=(240, 180))
    run_dir, ref_dir = tmp_path / "run", tmp_path / "ref"
    run_dir.mkdir()
    ref_dir.mkdir()
    with FeedServer(FeedGenerator(spec)) as feed:
        # one image held back: the sync is still busy with its images when the first ones
        # are recorded (in batches of 50, of some 150 here), however quickly it works
        held = feed.generator.family(feed.generator.all_skus()[0]).variants[0].images[0].url
        feed.set_faults([parse_fault(f"hold:delay=240,target=image,path=/{held.split('/', 3)[3]}")])
        env = cli_env(feed.base_url, pg_url, tmp_path / "dagster")
        process = start_cli("sync", "--all", env=env, cwd=run_dir)
        _kill_once_rows_appear(process, pg_url, t.image_objects)
        feed.set_faults([])
        feed.release()
        folder = run_dir / ".promosync" / "images"
        _assert_image_rows_have_objects(pg_url, folder)
        statuses = {r["status"] for r in rows(pg_url, t.product_images) if r["parent_id"] is None}
        assert "pending" in statuses, "killed before every image was settled"
        assert_catalog_equals_feed(pg_url, feed.generator)

        again = run_cli("sync", "--all", env=env, cwd=run_dir)
        assert again.returncode == 0, again.stderr[-2000:]
        _assert_image_rows_have_objects(pg_url, folder)

        reference = f"sqlite:///{tmp_path / 'uninterrupted.sqlite'}"
        env_ref = cli_env(feed.base_url, reference, tmp_path / "dagster-ref")
        assert run_cli("sync", "--all", env=env_ref, cwd=ref_dir).returncode == 0
        assert catalog_snapshot(pg_url) == catalog_snapshot(reference)
        assert _image_view(pg_url) == _image_view(reference)
        assert {r["status"] for r in rows(pg_url, t.product_images)} == {"stored"}


def test_kill_during_image_work_leaves_no_process_behind(tmp_path):
    """The image workers of a sync killed with ``kill -9`` end with it, within seconds."""
    spec = FeedSpec(seed=47, suppliers=1, families=40, exact=True, image_size=(2400, 1800))
    catalog = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    with FeedServer(FeedGenerator(spec)) as feed:
        env = cli_env(feed.base_url, catalog, tmp_path / "dagster")
        process = start_cli("sync", "--all", env=env, cwd=tmp_path)
        tree: list[processes.Proc] = []

        def snapshot() -> None:
            tree.extend(processes.descendants(process.pid))

        _kill_once_rows_appear(process, catalog, t.image_objects, before_kill=snapshot)
        assert tree, "the sync had no worker process when it was killed"
        statuses = {r["status"] for r in rows(catalog, t.product_images) if r["parent_id"] is None}
        assert "pending" in statuses, "killed after the image work was done"
        left = processes.still_running(tree, within_s=5)
        assert not left, f"still running 5 s after kill -9: {processes.describe(left)}"
