"""The upgrade path of a catalog from before decoration: ``promosync db upgrade``, then
``promosync sync --all --from-archive`` fills the new tables from the raw archive, without a
product download, exactly as a first sync of today's promosync does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from promosync_pipeline import settings
from promosync_pipeline.catalog import current_revision, head_revision, make_engine
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.migrate import alembic_config
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec

PROMOSYNC = str(Path(sys.executable).with_name("promosync"))
BEFORE_DECORATION = "0006"
NEW_TABLES = (
    t.price_terms,
    t.imprint_positions,
    t.imprint_options,
    t.imprint_charges,
    t.imprint_prices,
)


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PROMOSYNC, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _dump(url: str) -> dict[str, Any]:
    """The decoration tables, and the decoration-bearing columns of the old ones, comparable
    (rows in key order; JSON compared as values, whatever its key order)."""
    v, p, images = t.product_variants, t.products, t.product_images
    queries = {table.name: sa.select(table) for table in NEW_TABLES}
    queries["variants"] = sa.select(v.c.sku, v.c.country_of_origin, v.c.attributes)
    queries["products"] = sa.select(p.c.sku, p.c.attributes)
    queries["imprint pictures"] = sa.select(images.c.variant_sku, images.c.position_code).where(
        images.c.role == "imprint"
    )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                name: sorted((tuple(row) for row in conn.execute(query)), key=lambda r: repr(r[:2]))
                for name, query in queries.items()
            }
    finally:
        engine.dispose()


def _to_revision_before_decoration(url: str) -> None:
    """The catalog as promosync left it before decoration: revision 0006, and the content hash
    of its parser (another one: every family reads differently now)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.downgrade(config, BEFORE_DECORATION)
            conn.execute(sa.text("UPDATE products SET content_hash = 'parser-2:' || sku"))
        assert current_revision(engine) == BEFORE_DECORATION
    finally:
        engine.dispose()


@pytest.mark.slow
def test_db_upgrade_then_from_archive_fills_decoration_without_downloads(catalog_url, tmp_path):
    spec = FeedSpec(seed=31, suppliers=2, families=15, exact=True, image_size=(120, 90))
    fresh_url = f"sqlite:///{tmp_path}/fresh.sqlite"
    with FeedServer(FeedGenerator(spec)) as feed:
        env = {
            **os.environ,
            settings.PROMIDATA_BASE_URL: feed.base_url,
            settings.DATABASE_URL: catalog_url,
            settings.ARCHIVE_STORE: str(tmp_path / "raw"),
            "DAGSTER_HOME": str(tmp_path / "dagster"),
        }
        _cli("sync", "--all", "--skip-images", env=env, cwd=tmp_path)
        _to_revision_before_decoration(catalog_url)
        upgraded = _cli("db", "upgrade", env=env, cwd=tmp_path)
        assert f"schema at revision {head_revision()}" in upgraded.stdout
        feed.stats.reset()
        replay = _cli("sync", "--all", "--from-archive", "--skip-images", env=env, cwd=tmp_path)
        assert feed.stats.product_downloads() == 0
        for code in feed.generator.supplier_codes():
            assert f"{code:<10}archive: replayed 15, not archived so downloaded 0" in replay.stdout
        fresh = {**env, settings.DATABASE_URL: fresh_url, "DAGSTER_HOME": str(tmp_path / "d2")}
        _cli("sync", "--all", "--skip-images", env=fresh, cwd=tmp_path)
    upgraded_dump, fresh_dump = _dump(catalog_url), _dump(fresh_url)
    assert all(upgraded_dump[table.name] for table in NEW_TABLES), "decoration is filled"
    assert upgraded_dump == fresh_dump
