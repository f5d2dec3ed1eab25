"""``promosync`` as users and CI call it: a separate process, exit codes, what it prints.

Exit codes and reports do not depend on the catalog's backend: the syncs here run on SQLite, a
laptop's catalog, but for the demo on PostgreSQL. CLI syncs into PostgreSQL are also run by the
concurrency, kill and status tests; ``pipeline/test_sync.py`` runs each catalog write on both.
"""

import os
import shutil

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import head_revision
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.support.catalog import rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_catalog_equals_feed
from promosync_pipeline_tests.support.cli import cli_env, run_cli
from promosync_pipeline_tests.support.paths import DG, ROOT


def test_sync_exits_non_zero_naming_the_failed_family_then_zero(feed, sqlite_url, tmp_path):
    env = cli_env(feed.base_url, sqlite_url, tmp_path / "dagster")
    bad = feed.generator.all_skus()[3]
    feed.set_faults([parse_fault(f"truncate:sku={bad}")])
    failed = run_cli("sync", "--all", env=env, cwd=tmp_path)
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert f"FAILED {bad.split('-')[0]}: {bad} (parse)" in failed.stderr
    assert "invalid JSON" in failed.stderr
    codes = feed.generator.supplier_codes()
    assert all(code in failed.stdout for code in codes)

    feed.set_faults([])
    ok = run_cli("sync", "--all", env=env, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert_catalog_equals_feed(sqlite_url, feed.generator)
    with dg.DagsterInstance.local_temp(str(tmp_path / "dagster")) as inst:
        runs = inst.get_runs()
    supplier_runs = [r for r in runs if r.job_name == "supplier_sync_job"]
    assert sorted(r.tags["dagster/partition"] for r in supplier_runs) == sorted(codes * 2)
    assert [r.status.value for r in supplier_runs].count("SUCCESS") == len(supplier_runs)


def test_sync_without_codes_or_all_is_a_usage_error(feed, tmp_path):
    env = cli_env(feed.base_url, f"sqlite:///{tmp_path}/c.sqlite", tmp_path / "dagster")
    result = run_cli("sync", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "name supplier codes or pass --all" in result.stderr


def test_db_upgrade_reports_the_revision(catalog_url, tmp_path):
    env = cli_env("http://127.0.0.1:9", catalog_url, tmp_path / "dagster")
    result = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"schema at revision {head_revision()}" in result.stdout


def _summary(stdout: str) -> dict[str, list[str]]:
    """Supplier code -> the cells of its summary line (the table ends at the first blank line)."""
    table = stdout.split("\n\n", 1)[0]
    return {line.split()[0]: line.split()[1:] for line in table.splitlines()[1:] if line.strip()}


@pytest.mark.feed(families=4)  # three syncs of every image: a small feed
def test_images_are_reported_skipped_on_request_and_failures_named(feed, sqlite_url, tmp_path):
    env = cli_env(feed.base_url, sqlite_url, tmp_path / "dagster")
    codes = feed.generator.supplier_codes()
    skipped = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stderr[-2000:]
    assert "img failed" in skipped.stdout.splitlines()[0]
    assert all(cells[-2:] == ["-", "-"] for cells in _summary(skipped.stdout).values())
    assert not (tmp_path / ".promosync" / "images").exists()
    assert {r["status"] for r in rows(sqlite_url, t.product_images)} == {"pending"}

    bad_url = feed.generator.family(feed.generator.all_skus()[0]).variants[0].images[0].url
    feed.set_faults([parse_fault(f"corrupt_image:path=/{bad_url.split('/', 3)[3]}")])
    failed = run_cli("sync", "--all", env=env, cwd=tmp_path)
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert f"({'image'}): {bad_url}: image: corrupt or truncated image" in failed.stderr
    summary = _summary(failed.stdout)
    assert sorted(summary) == sorted(codes)
    assert sum(int(cells[-2]) for cells in summary.values()) > 0, "images uploaded"
    assert sum(int(cells[-1]) for cells in summary.values()) >= 1, "the failed image counted"
    assert list((tmp_path / ".promosync" / "images").rglob("*.jpg"))

    feed.set_faults([])
    fixed = run_cli("sync", "--all", env=env, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr[-2000:]
    assert {r["status"] for r in rows(sqlite_url, t.product_images)} == {"stored"}


def test_demo_syncs_every_supplier_with_the_embedded_defaults(tmp_path, monkeypatch):
    """The README's main command, as a new user runs it: no PROMOSYNC_* setting, no
    DAGSTER_HOME, the repository's dagster.yaml in the working directory. It syncs every
    supplier, then again after the feed raised one family's prices, and prints what changed."""
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PROMOSYNC_", "DAGSTER_", "PROMIDATA_"))
    }
    result = run_cli("demo", "--suppliers", "2", "--families", "4", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout.split("supplier ", 1)[1].splitlines()[1:3]
    assert len(table) == 2
    for line in table:
        _, new, changed, unchanged, removed, failed, variants, images, img_failed = line.split()
        assert int(new) == 4 and int(variants) >= int(new) and int(images) >= 1, line
        assert (changed, unchanged, removed, failed, img_failed) == ("0", "0", "0", "0", "0")
    assert "catalog: sqlite:///.promosync/catalog.sqlite" in result.stdout
    ui_command = (
        f"cd {tmp_path} && DAGSTER_HOME={tmp_path} {DG} dev -m promosync_pipeline.definitions"
    )
    assert result.stdout.rstrip().endswith(ui_command), result.stdout[-500:]
    catalog = f"sqlite:///{tmp_path / '.promosync' / 'catalog.sqlite'}"
    products = rows(catalog, t.products)
    assert len(products) == sum(int(line.split()[1]) for line in table)
    assert {p["supplier_code"] for p in products} == {line.split()[0] for line in table}
    assert any((tmp_path / ".promosync" / "images").rglob("thumbnail.jpg"))
    second = result.stdout.split("the feed raises the selling prices of 1 families by 8%", 1)[1]
    again = second.split("supplier ", 1)[1].splitlines()[1:3]
    assert sorted(line.split()[2] for line in again) == ["0", "1"], "one family changed"
    report = second.split("what the second sync changed", 1)[1].splitlines()
    assert "old → new" in report[1] and "+8." in report[2], report[:3]
    changes = rows(catalog, t.catalog_changes, t.catalog_changes.c.change == "changed")
    assert changes and all(c["price_move"] > 0.07 for c in changes)
    monkeypatch.chdir(tmp_path)  # the embedded dagster.yaml's folders are relative
    with dg.DagsterInstance.from_config(str(tmp_path)) as inst:
        runs = inst.get_runs()
    syncs = [r for r in runs if r.job_name == "supplier_sync_job"]
    assert len(syncs) == 4 and all(r.status == dg.DagsterRunStatus.SUCCESS for r in syncs)
    # the simulator's URL is in each run's config (the UI shows it), not in the environment
    feed = result.stdout.split("feed simulator: ", 1)[1].split()[0]
    assert {r.run_config["resources"]["promidata"]["config"]["base_url"] for r in runs} == {feed}


@pytest.mark.postgres
def test_demo_on_postgresql_hides_the_database_password(tmp_path, pg_url):
    """Trust auth ignores the password, so the demo syncs while one is in the URL; it is
    never printed."""
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")
    url = sa.make_url(pg_url).set(password="pa55word")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMOSYNC_", "DAGSTER_"))}
    env["PROMOSYNC_DATABASE_URL"] = url.render_as_string(hide_password=False)
    result = run_cli("demo", "--suppliers", "1", "--families", "2", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"catalog: {url.drivername}://{url.username}:***@{url.host}:{url.port}/" in result.stdout
    assert "pa55word" not in result.stdout + result.stderr
    assert rows(pg_url, t.products), "the demo wrote to PostgreSQL"


def test_sync_downloads_a_changed_index_once_and_an_unchanged_one_never(feed, tmp_path):
    """The CLI's conditional GET keeps a new index; the feed refresh run it then launches gets
    304 for it. An unchanged index costs a 304 and no feed refresh run."""
    home = tmp_path / "dagster"
    env = cli_env(feed.base_url, f"sqlite:///{tmp_path}/c.sqlite", home)
    code = feed.generator.supplier_codes()[0]
    assert run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path).returncode == 0

    def index_answers() -> list[int]:
        return [status for _, path, status in feed.stats.log if path.endswith("/Import.txt")]

    def feed_refresh_runs() -> int:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            return len(instance.get_run_records(dg.RunsFilter(job_name="feed_refresh_job")))

    feed.generator.change_families(1, code=code)
    feed.stats.reset()
    changed = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr[-2000:]
    assert sorted(index_answers()) == [200, 304]
    assert feed_refresh_runs() == 2  # the first sync's, and this one's

    feed.stats.reset()
    unchanged = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert unchanged.returncode == 0, unchanged.stderr[-2000:]
    assert index_answers() == [304]
    assert feed_refresh_runs() == 2
    assert feed.stats.product_downloads() == 0


def test_full_refresh_downloads_every_file_of_the_named_supplier_again(feed, tmp_path):
    catalog = f"sqlite:///{tmp_path}/c.sqlite"
    env = cli_env(feed.base_url, catalog, tmp_path / "dagster")
    first = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    code = feed.generator.supplier_codes()[0]
    feed.stats.reset()
    incremental = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert incremental.returncode == 0 and feed.stats.product_downloads() == 0
    refreshed = run_cli("sync", code, "--full-refresh", "--skip-images", env=env, cwd=tmp_path)
    assert refreshed.returncode == 0, refreshed.stderr[-2000:]
    downloaded = {p for p in feed.stats.paths if p.startswith("/Products/")}
    assert downloaded == {
        f"/Products/{code}/{sku}.json" for sku in feed.generator.family_skus(code)
    }
    (cells,) = _summary(refreshed.stdout).values()
    assert cells[:4] == ["0", "0", str(len(downloaded)), "0"], "all unchanged, none rewritten"
    assert_catalog_equals_feed(catalog, feed.generator)
