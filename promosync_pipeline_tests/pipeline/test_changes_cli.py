"""``promosync sync --dry-run``, ``--allow-price-shift`` and ``promosync changes`` as users
call them: a separate process against the feed simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from promosync_pipeline.catalog import schema as t
from promosync_pipeline_tests.support.catalog import dump, rows
from promosync_pipeline_tests.support.catalog_vs_feed import assert_supplier_equals_feed
from promosync_pipeline_tests.support.cli import cli_env, run_cli

pytestmark = pytest.mark.feed(suppliers=1, families=10, seed=33, exact=True)

CHANGE_KEYS = {
    "sync_run_id", "supplier_code", "product_sku", "variant_sku", "change", "field",
    "old_value", "new_value", "price_move", "created_at",
}  # fmt: skip
"""One change of ``promosync changes --json``, as the README documents it."""


def test_dry_run_then_the_guard_then_allow_price_shift_then_changes(feed, catalog_url, tmp_path):
    env = cli_env(feed.base_url, catalog_url, tmp_path / "dagster")
    gen = feed.generator
    (code,) = gen.supplier_codes()
    first = run_cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "changes: 10 added" in first.stdout
    shocked = sorted(gen.change_prices(share=0.3, factor=10, code=code))
    before = dump(catalog_url)

    dry = run_cli("sync", code, "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert dump(catalog_url) == before, "not a row changed, the kept index included"
    lines = dry.stdout.splitlines()
    assert f"{code}: dry run (run " in dry.stdout and "nothing written" in dry.stdout
    assert "0 added, 0 removed, 0 reactivated, 3 changed" in dry.stdout
    assert any(line.strip().startswith("price-shift guard: would refuse") for line in lines)
    header = next(line for line in lines if "old → new" in line)
    assert header.split()[:5] == ["supplier", "family", "variant", "change", "field"]
    assert sum("+900.0%" in line for line in lines) > 0

    refused = run_cli("sync", code, "--skip-images", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "3 of 10 active families (30%, more than 20%)" in refused.stderr
    assert "--allow-price-shift" in refused.stderr
    assert rows(catalog_url, t.catalog_changes, t.catalog_changes.c.change == "changed") == []

    allowed = run_cli("sync", code, "--skip-images", "--allow-price-shift", env=env, cwd=tmp_path)
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert_supplier_equals_feed(catalog_url, gen, code)
    sync_run = max(r["id"] for r in rows(catalog_url, t.sync_runs))

    as_json = run_cli("changes", code, "--since", str(sync_run), "--json", env=env, cwd=tmp_path)
    assert as_json.returncode == 0, as_json.stderr
    changes = json.loads(as_json.stdout)
    assert changes and all(set(c) == CHANGE_KEYS for c in changes)
    assert {c["product_sku"] for c in changes} == set(shocked)
    assert {(c["change"], c["sync_run_id"], c["supplier_code"]) for c in changes} == {
        ("changed", sync_run, code)
    }
    assert all(c["price_move"] == pytest.approx(9.0, abs=0.01) for c in changes)
    first_change = changes[0]
    assert float(first_change["new_value"]) == pytest.approx(
        float(first_change["old_value"]) * 10, abs=0.06
    )

    table = run_cli("changes", "--since", "2000-01-01", "--limit", "5", env=env, cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    shown = table.stdout.splitlines()
    assert "old → new" in shown[0] and all("+900.0%" in line for line in shown[1:6])
    assert shown[-1] == "5 changes (the first 5)"

    bad = run_cli("changes", "--since", "last tuesday", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "--since 'last tuesday'" in bad.stderr
