"""``promosync sync --from-archive`` and ``--sku`` as users call them: a separate process."""

from pathlib import Path

from promosync_pipeline import settings
from promosync_pipeline_tests.support.catalog_vs_feed import (
    assert_catalog_equals_feed,
    assert_family_stored,
)
from promosync_pipeline_tests.support.cli import cli_env, run_cli


def _env(feed, tmp_path: Path) -> tuple[str, dict[str, str]]:
    catalog = f"sqlite:///{tmp_path}/c.sqlite"
    env = cli_env(feed.base_url, catalog, tmp_path / "dagster")
    env[settings.ARCHIVE_STORE] = str(tmp_path / "raw")
    return catalog, env


def test_from_archive_downloads_no_product_file_and_says_what_it_replayed(feed, tmp_path):
    catalog, env = _env(feed, tmp_path)
    first = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    code = feed.generator.supplier_codes()[0]
    count = len(feed.generator.family_skus(code))
    assert f"archive: kept {count} files" in first.stdout
    feed.stats.reset()
    replay = run_cli("sync", code, "--from-archive", "--skip-images", env=env, cwd=tmp_path)
    assert replay.returncode == 0, replay.stderr[-2000:]
    assert feed.stats.product_downloads() == 0
    assert f"archive: replayed {count}, not archived so downloaded 0; kept 0 files" in replay.stdout
    assert_catalog_equals_feed(catalog, feed.generator)


def test_from_archive_and_full_refresh_together_are_a_usage_error(feed, tmp_path):
    _, env = _env(feed, tmp_path)
    code = feed.generator.supplier_codes()[0]
    both = run_cli("sync", code, "--from-archive", "--full-refresh", env=env, cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


def test_sku_syncs_the_known_family_names_the_unknown_one_and_exits_1(feed, tmp_path):
    catalog, env = _env(feed, tmp_path)
    assert run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path).returncode == 0
    generator = feed.generator
    code = generator.supplier_codes()[0]
    (target,) = generator.change_families(1, code=code)
    feed.stats.reset()
    ran = run_cli(
        "sync", code, "--sku", target, "--sku", f"{code}-424242", "--skip-images",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert ran.returncode == 1
    assert f"FAILED {code}: not in {code}'s index, not synced: {code}-424242" in ran.stderr
    assert feed.stats.product_downloads() == 1
    assert_family_stored(catalog, generator.family(target))


def test_sku_needs_exactly_one_supplier(feed, tmp_path):
    _, env = _env(feed, tmp_path)
    codes = feed.generator.supplier_codes()
    ran = run_cli("sync", *codes, "--sku", f"{codes[0]}-1", env=env, cwd=tmp_path)
    assert ran.returncode == 2 and "--sku needs exactly one supplier CODE" in ran.stderr
