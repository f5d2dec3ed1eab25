"""``promosync status`` and ``promosync errors`` as a separate process, after real syncs.

The catalog comes from a real ``promosync sync`` against the feed simulator: one family of the
first supplier is served truncated (a failed family), images are left ``pending``
(``--skip-images``), then the second supplier's last catalog write is moved back 30 hours
(stale against the default 26-hour window).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest

from promosync_pipeline import settings
from promosync_pipeline.catalog import Catalog, head_revision, make_engine, upgrade
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.cli import cli_env, run_cli

pytestmark = pytest.mark.feed(seed=11, suppliers=3, families=6)


def _table(stdout: str) -> dict[str, str]:
    """Supplier code -> its line of the board, in the printed order."""
    lines = stdout.splitlines()
    assert lines[0].split()[:2] == ["supplier", "last"]
    return {line.split()[0]: line for line in lines[1:-1]}


def test_status_and_errors_on_a_stale_supplier_a_failed_family_and_pending_images(
    feed, catalog_url, tmp_path
):
    env = cli_env(feed.base_url, catalog_url, tmp_path / "dagster")
    failing, stale, pending = feed.generator.supplier_codes()
    bad = feed.generator.family_skus(failing)[2]
    feed.set_faults([parse_fault(f"truncate:sku={bad}")])
    synced = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert synced.returncode == 1, synced.stderr[-2000:]

    store = Catalog(make_engine(catalog_url))
    store.suppliers.record_sync(stale, "success", datetime.now(UTC) - timedelta(hours=30))
    images = {code: store.images.counts(code)["pending"] for code in (failing, stale, pending)}
    store.engine.dispose()
    assert all(n > 0 for n in images.values())
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as instance:
        run_ids = {
            r.tags["dagster/partition"]: r.run_id
            for r in instance.get_runs(dg.RunsFilter(job_name="supplier_sync_job"))
        }

    board = run_cli("status", env=env, cwd=tmp_path)
    assert board.returncode == 1, board.stderr[-2000:]
    rows = _table(board.stdout)
    assert list(rows) == [failing, stale, pending]
    assert rows[failing].split()[3:9] == [
        "failed",
        "5",
        "parse",
        "1",
        f"{images[failing]}",
        "pending",
    ]
    assert "1 family failed" in rows[failing]
    assert rows[stale].split()[3:7] == ["success", "6", "-", f"{images[stale]}"]
    assert "STALE, 30.0 h ago" in rows[stale]
    assert rows[pending].split()[3:7] == ["success", "6", "-", f"{images[pending]}"]
    assert "fresh," in rows[pending] and "images pending" in rows[pending]
    assert board.stdout.splitlines()[-1].startswith("3 suppliers, 3 need attention")

    as_json = run_cli("status", "--json", env=env, cwd=tmp_path)
    assert as_json.returncode == 1, as_json.stderr[-2000:]
    document = json.loads(as_json.stdout)
    assert document["needs_action"] is True and document["freshness_hours"] == 26
    by_code = {s["code"]: s for s in document["suppliers"]}
    assert [s["code"] for s in document["suppliers"]] == [failing, stale, pending]
    assert {c: (s["attention"], s["outcome"], s["fresh"]) for c, s in by_code.items()} == {
        failing: ("failed", "failed", True),
        stale: ("stale", "success", False),
        pending: ("images pending", "success", True),
    }
    assert {c: s["run_id"] for c, s in by_code.items()} == run_ids
    assert by_code[failing]["open_errors"] == {"parse": 1}
    assert {c: s["images_pending"] for c, s in by_code.items()} == images
    assert {c: s["active_products"] for c, s in by_code.items()} == {
        failing: 5,
        stale: 6,
        pending: 6,
    }
    assert by_code[stale]["overdue_hours"] == pytest.approx(4, abs=0.1)

    errors = run_cli("errors", failing, env=env, cwd=tmp_path)
    assert errors.returncode == 0, errors.stderr[-2000:]
    header, line, footer = errors.stdout.splitlines()
    assert header.split()[:2] == ["sku", "stage"]
    assert line.split()[:2] == [bad, "parse"] and "invalid JSON" in line
    assert datetime.now(UTC).strftime("%Y-%m-%d") in line
    assert footer == f"{failing}: 1 open error"
    (error,) = json.loads(run_cli("errors", failing, "--json", env=env, cwd=tmp_path).stdout)[
        "open_errors"
    ]
    assert (error["sku"], error["stage"], error["occurrences"]) == (bad, "parse", 1)
    assert "invalid JSON" in error["reason"] and error["source_url"].endswith(f"{bad}.json")

    clean = run_cli("errors", pending, env=env, cwd=tmp_path)
    assert (clean.returncode, clean.stdout.strip()) == (0, f"{pending}: no open errors")
    unknown = run_cli("errors", "NOPE", env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "no supplier 'NOPE' in the catalog" in unknown.stderr

    # pending images alone need no action: the exit code is 0
    only_pending = run_cli("status", env={**env, settings.SUPPLIERS: pending}, cwd=tmp_path)
    assert only_pending.returncode == 0, only_pending.stdout
    assert list(_table(only_pending.stdout)) == [pending]


def test_a_missing_catalog_is_named_and_not_created(tmp_path):
    missing = tmp_path / "nothing" / "catalog.sqlite"
    env = cli_env("http://127.0.0.1:9", f"sqlite:///{missing}", tmp_path / "dagster")
    for argv in (["status"], ["errors", "A1"]):
        result = run_cli(*argv, env=env, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert f"{missing}: the file does not exist (run `promosync db upgrade`)" in result.stderr
    assert not missing.exists()


def test_a_catalog_at_an_older_revision_is_named_not_misread(tmp_path):
    """After an upgrade of promosync, before ``promosync db upgrade``: the board says what to
    do instead of failing on a column the older schema lacks."""
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    upgrade(url, "0003")
    env = cli_env("http://127.0.0.1:9", url, tmp_path / "dagster")
    for argv in (["status"], ["errors", "A1"]):
        result = run_cli(*argv, env=env, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert (
            f"schema at revision 0003, this promosync reads {head_revision()} "
            "(run `promosync db upgrade`)"
        ) in result.stderr
