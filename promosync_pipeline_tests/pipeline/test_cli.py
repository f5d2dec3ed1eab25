"""``promosync`` as users and CI call it: a separate process, exit codes, what it prints."""

import dagster as dg

from promosync_pipeline.catalog import head_revision
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.feedsim import parse_fault
from promosync_pipeline_tests.pipeline.cli_process import cli_env, run_cli
from promosync_pipeline_tests.pipeline.harness import assert_catalog_equals_feed, rows


def test_sync_exits_non_zero_naming_the_failed_family_then_zero(feed, catalog_url, tmp_path):
    env = cli_env(feed.base_url, catalog_url, tmp_path / "dagster")
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
    assert_catalog_equals_feed(catalog_url, feed.generator)
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
    """Supplier code -> the cells of its summary line."""
    return {line.split()[0]: line.split()[1:] for line in stdout.splitlines()[1:] if line.strip()}


def test_images_are_reported_skipped_on_request_and_failures_named(feed, catalog_url, tmp_path):
    env = cli_env(feed.base_url, catalog_url, tmp_path / "dagster")
    codes = feed.generator.supplier_codes()
    skipped = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert skipped.returncode == 0, skipped.stderr[-2000:]
    assert "img failed" in skipped.stdout.splitlines()[0]
    assert all(cells[-2:] == ["-", "-"] for cells in _summary(skipped.stdout).values())
    assert not (tmp_path / ".promosync" / "images").exists()
    assert {r["status"] for r in rows(catalog_url, t.product_images)} == {"pending"}

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
    assert {r["status"] for r in rows(catalog_url, t.product_images)} == {"stored"}
