"""Migrations build exactly the schema of schema.py, with the contract's names."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from promosync_pipeline.catalog import current_revision, head_revision, make_engine, upgrade
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.migrate import alembic_config

CONTRACT = {
    "suppliers": {"code", "name", "is_active", "last_synced_at", "last_sync_status",
                  "products_count"},
    "categories": {"code", "parent_code", "name", "sort_order"},
    "products": {"sku", "supplier_code", "supplier_sku", "category_code", "brand", "name",
                 "description", "source_url", "source_hash", "content_hash", "variant_count",
                 "price_min", "price_max", "currency", "is_active", "first_seen_at",
                 "last_synced_at", "removed_at"},
    "product_variants": {"sku", "product_sku", "supplier_sku", "ean", "color", "hex_color",
                         "size", "weight_g", "length_mm", "width_mm", "height_mm", "diameter_mm",
                         "is_active"},
    "price_tiers": {"variant_sku", "region", "kind", "min_quantity", "price", "currency",
                    "on_request"},
    "product_images": {"id", "product_sku", "variant_sku", "role", "position", "source_url",
                       "sha256", "width", "height", "bytes", "storage_key", "status"},
    "sync_runs": {"id", "supplier_code"},
    "sync_errors": {"id", "supplier_code"},
    "price_terms": {"variant_sku", "region", "min_order_quantity", "quantity_increment",
                    "vat_percentage"},
    "imprint_positions": {"id", "product_sku", "variant_sku", "position_code",
                          "supplier_position_code", "name", "description", "max_print_area"},
    "imprint_options": {"id", "position_id", "option_sku", "supplier_sku", "supplier_print_code",
                        "name", "description", "colors", "width_mm", "height_mm", "depth_mm",
                        "diameter_mm"},
    "imprint_charges": {"id", "option_id", "charge_sku", "supplier_sku", "name",
                        "calculation_type", "calculation_amount", "requirement"},
    "imprint_prices": {"option_id", "charge_id", "region", "kind", "min_quantity", "price",
                       "currency", "on_request"},
}  # fmt: skip
CONTRACT_ADDITIONS = {
    "products": {"attributes"},
    "product_variants": {"country_of_origin", "customs_tariff_number", "carton_length_cm",
                         "carton_width_cm", "carton_height_cm", "carton_weight_net_kg",
                         "carton_weight_gross_kg", "carton_quantity", "attributes"},
    "product_images": {"position_code"},
}  # fmt: skip
"""Columns "What a quote is built from" adds to tables of the first contract."""
EXTRA = {
    "products": {"ean", "category_path", "short_description", "material"},
    "product_variants": {"color_label"},
    "price_tiers": {"product_sku"},
    "product_images": {"rendition", "error", "created_at", "updated_at"},
    "sync_runs": {"run_id", "started_at", "finished_at", "status", "families_new",
                  "families_changed", "families_unchanged", "families_removed", "families_failed",
                  "variants_written", "price_tiers_written", "images_uploaded", "images_failed",
                  "files_downloaded", "bytes_downloaded", "requests", "retries", "duration_s",
                  "error"},
    "sync_errors": {"sync_run_id", "sku", "source_url", "stage", "error", "created_at",
                    "resolved_at"},
}  # fmt: skip
INDEXES = {
    "products": {("supplier_code", "is_active")},
    "product_variants": {("product_sku",)},
    "price_tiers": {("product_sku",)},
    "product_images": {("product_sku",), ("source_url",), ("sha256",)},
    "sync_runs": {("supplier_code", "started_at")},
    "sync_errors": {("supplier_code", "resolved_at")},
}


def test_an_empty_database_has_no_revision(catalog_url):
    engine = make_engine(catalog_url)
    assert current_revision(engine) is None
    engine.dispose()


def test_upgrade_creates_the_contract_tables_and_columns(catalog_url):
    engine = make_engine(catalog_url)
    assert upgrade(engine) == head_revision()
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == {
        *t.CONTRACT_TABLES,
        *t.WORKING_TABLES,
        "alembic_version",
    }
    for table, columns in CONTRACT.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        expected = columns | EXTRA.get(table, set()) | CONTRACT_ADDITIONS.get(table, set())
        assert expected <= present, table
        assert present == set(t.metadata.tables[table].columns.keys()), table
    pk = inspector.get_pk_constraint("price_tiers")["constrained_columns"]
    assert pk == ["variant_sku", "region", "kind", "min_quantity"]
    pk = inspector.get_pk_constraint("price_terms")["constrained_columns"]
    assert pk == ["variant_sku", "region"]
    for table, wanted in INDEXES.items():
        indexed = {tuple(i["column_names"]) for i in inspector.get_indexes(table)}
        assert wanted <= indexed, table
    engine.dispose()


def test_migrations_match_the_schema_module(catalog_url):
    engine = make_engine(catalog_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, t.metadata) == []
    engine.dispose()


def test_upgrade_is_idempotent_and_takes_a_url(catalog_url):
    assert upgrade(catalog_url) == head_revision()
    engine = make_engine(catalog_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(t.suppliers).values(code="S1", name="One"))
    assert upgrade(engine) == head_revision()
    assert upgrade(catalog_url, "head") == head_revision()
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(sa.select(t.suppliers.c.name)).scalar_one() == "One"
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_processes_starting_together_migrate_once(catalog_url):
    """Dagster starts steps in parallel processes and each one upgrades at start-up."""
    errors: list[BaseException] = []

    def run() -> None:
        engine = make_engine(catalog_url)
        try:
            upgrade(engine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = make_engine(catalog_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_staged_payloads_are_compressed_with_lz4_where_postgresql_has_it(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    payload = bytes(range(256)) * 64  # 16 KB: compressed, as a staged family is
    with engine.begin() as conn:
        has_lz4 = conn.execute(
            sa.text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        ).scalar()
        if has_lz4 is None:
            pytest.skip("PostgreSQL before 14 compresses every column alike")
        conn.execute(
            sa.insert(t.staged_families).values(
                sync_run_id=1, sku="S1-1", supplier_code="S1", source_url="u",
                source_hash="h", content_hash="c", payload=payload,
            )
        )  # fmt: skip
        method = conn.execute(
            sa.text("SELECT pg_column_compression(payload) FROM staged_families")
        ).scalar_one()
        stored = conn.execute(sa.select(t.staged_families.c.payload)).scalar_one()
    assert (method, stored) == ("lz4" if has_lz4 else "pglz", payload)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
        column = conn.execute(
            sa.text(
                "SELECT attcompression FROM pg_attribute "
                "WHERE attrelid = 'staged_families'::regclass AND attname = 'payload'"
            )
        ).scalar_one()
    assert column == "", "the downgrade leaves the column to the server's default again"
    assert upgrade(engine) == head_revision()
    engine.dispose()
