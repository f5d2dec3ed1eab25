"""Two syncs of one supplier at once, each in a process of its own: two ``promosync sync``, and
a CLI sync beside a run launched through the Dagster instance (as the sensor, the schedule or
the UI launch theirs).

The second sync waits for the first's lease, saying for whom, then downloads only what is still
different. In each case: every product file is downloaded once, the catalog equals the feed,
and every run's ``sync_runs`` row counts what that run wrote.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline import names, settings
from promosync_pipeline.catalog import Catalog, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.leases import LeaseInfo
from promosync_pipeline.cli.instance import prepare_home
from promosync_pipeline.feedsim import FeedServer
from promosync_pipeline.feedsim.faults import Fault
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_catalog_equals_feed
from promosync_pipeline_tests.support.cli import cli_env, start_cli
from promosync_pipeline_tests.support.paths import BIN, DAGSTER, PROMOSYNC
from promosync_pipeline_tests.support.polling import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.feed(suppliers=1, families=40, seed=31)]

DAGSTER_DAEMON = BIN / "dagster-daemon"
HOLD_S = 25.0
"""One product file is held (the simulator's ``hold`` fault) until the second sync is seen
waiting, at most this long (under the client's 30 s read timeout): the first sync still holds
the supplier when the second reaches it, however slowly the processes start."""


def _holders(url: str) -> list[LeaseInfo]:
    engine = make_engine(url)
    try:
        return Catalog(engine).leases.holders()
    except sa.exc.DBAPIError:
        return []  # the sync has not migrated the catalog yet
    finally:
        engine.dispose()


def _hold_one_file(feed: FeedServer) -> None:
    sku = feed.generator.all_skus()[-1]
    feed.set_faults([Fault("hold", target="product", skus=frozenset({sku}), delay=HOLD_S)])


def _wait_until_leased(url: str, code: str, first: subprocess.Popen[str]) -> LeaseInfo:
    def leased() -> LeaseInfo | None:
        assert first.poll() is None, "the first sync ended before it took the lease"
        return next((h for h in _holders(url) if h.supplier_code == code), None)

    return wait_for(f"the first sync holding {code}", leased, timeout_s=120, poll_s=0.1)


def _product_downloads(feed: FeedServer) -> dict[str, int]:
    return {p: n for p, n in feed.stats.paths.items() if p.startswith("/Products/")}


def _sync_runs(url: str, code: str) -> dict[str, dict[str, Any]]:
    """``sync_runs`` rows of ``code`` by Dagster run id."""
    return {r["run_id"]: r for r in rows(url, t.sync_runs, t.sync_runs.c.supplier_code == code)}


def _assert_after_both(feed: FeedServer, url: str, code: str, first: str, second: str) -> None:
    """Every file downloaded once, the catalog equal to the feed, no lease left, and the
    first run's row counting every family written, the second's nothing left to write."""
    downloads = _product_downloads(feed)
    families = len(feed.generator.all_skus())
    assert len(downloads) == families, sorted(downloads)
    assert set(downloads.values()) == {1}, {p: n for p, n in downloads.items() if n != 1}
    assert_catalog_equals_feed(url, feed.generator)
    assert _holders(url) == []
    runs = _sync_runs(url, code)
    assert set(runs) == {first, second}
    assert runs[first]["status"] == runs[second]["status"] == "success"
    assert (runs[first]["families_new"], runs[first]["files_downloaded"]) == (families, families)
    assert runs[first]["families_changed"] == 0
    waited = runs[second]
    assert (waited["families_new"], waited["families_changed"]) == (0, 0)
    assert (waited["families_unchanged"], waited["files_downloaded"]) == (families, 0)
    assert waited["started_at"] >= runs[first]["finished_at"]


def _start(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as out:
        return subprocess.Popen(
            args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True
        )


def test_two_cli_syncs_of_one_supplier(feed: FeedServer, catalog_url: str, tmp_path: Path):
    (code,) = feed.generator.supplier_codes()
    env = cli_env(feed.base_url, catalog_url, tmp_path / "dagster")
    _hold_one_file(feed)
    first = start_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    holder = _wait_until_leased(catalog_url, code, first)
    log = tmp_path / "second.log"
    second = _start([PROMOSYNC, "sync", code, "--skip-images"], env, tmp_path, log)
    waiting = f"waiting for the sync of {code} started {holder.acquired_at:%H:%M} UTC by run "
    wait_for("the second sync waiting", lambda: waiting in log.read_text(), timeout_s=120)
    feed.release()

    assert first.wait(300) == 0
    assert second.wait(300) == 0, log.read_text()[-3000:]
    assert f"{waiting}{holder.run_id[:8]}…" in log.read_text()
    assert holder.run_id is not None
    (other,) = set(_sync_runs(catalog_url, code)) - {holder.run_id}
    _assert_after_both(feed, catalog_url, code, holder.run_id, other)


def _launched_runs(home: Path, code: str) -> list[dg.DagsterRun]:
    """The runs of ``code`` in the instance at ``home`` that the CLI did not start."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={names.PARTITION_TAG: code}))
    return [r for r in runs if r.tags.get(names.TRIGGER_TAG) != "cli"]


@contextmanager
def _daemon(env: dict[str, str], cwd: Path) -> Iterator[None]:
    """``dagster-daemon run`` on the instance: it takes queued runs off the queue and launches
    each in a run worker of its own, as it does the sensor's, the schedule's and the UI's."""
    process = subprocess.Popen(
        [str(DAGSTER_DAEMON), "run", "-m", "promosync_pipeline.definitions"],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def _launch_through_instance(env: dict[str, str], code: str, cwd: Path) -> None:
    """``dagster job launch``: the run is submitted to the instance's run queue."""
    tags = json.dumps({names.PARTITION_TAG: code})
    launched = subprocess.run(
        [str(DAGSTER), "job", "launch", "-m", "promosync_pipeline.definitions",
         "-j", names.SUPPLIER_SYNC_JOB, "--tags", tags],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr[-3000:]


def _said(home: Path, run_id: str) -> list[str]:
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return [e.user_message for e in instance.all_logs(run_id)]


def test_a_cli_sync_beside_a_run_launched_through_the_instance(
    feed: FeedServer, catalog_url: str, tmp_path: Path
):
    (code,) = feed.generator.supplier_codes()
    home = prepare_home(tmp_path / "dagster")
    env = {
        **cli_env(feed.base_url, catalog_url, home),
        settings.IMAGE_STORE: str(tmp_path / "images"),
    }
    _hold_one_file(feed)
    first = start_cli("sync", code, env=env, cwd=tmp_path)
    holder = _wait_until_leased(catalog_url, code, first)
    waiting = f"waiting for the sync of {code} started {holder.acquired_at:%H:%M} UTC by run "
    with _daemon(env, tmp_path):
        _launch_through_instance(env, code, tmp_path)

        def seen_waiting() -> bool:
            runs = _launched_runs(home, code)
            return bool(runs) and any(m.startswith(waiting) for m in _said(home, runs[0].run_id))

        wait_for("the launched run waiting", seen_waiting, timeout_s=180)
        feed.release()
        assert first.wait(300) == 0

        def finished() -> dg.DagsterRun | None:
            runs = _launched_runs(home, code)
            return runs[0] if runs and runs[0].is_finished else None

        launched = wait_for("the launched run to end", finished, timeout_s=300)
    assert launched.status == dg.DagsterRunStatus.SUCCESS, _said(home, launched.run_id)[-20:]
    assert holder.run_id is not None
    _assert_after_both(feed, catalog_url, code, holder.run_id, launched.run_id)
    images = rows(catalog_url, t.product_images, t.product_images.c.parent_id.is_(None))
    assert images and {r["status"] for r in images} == {"stored"}
    assert rows(catalog_url, t.staged_families) == []
