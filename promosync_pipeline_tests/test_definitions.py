"""The code location describes its assets: kinds on every asset, the catalog tables' columns
as the database has them, the parser version as the code version of what it shapes."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline import names
from promosync_pipeline.assets.descriptions import asset_kinds
from promosync_pipeline.catalog import make_engine, upgrade
from promosync_pipeline.definitions import defs
from promosync_pipeline.promidata.hashing import PARSER_VERSION

CATALOG_TABLES = {names.CATALOG_PRODUCTS: "products", names.CATALOG_VARIANTS: "product_variants"}


def _specs() -> dict[str, dg.AssetSpec]:
    graph = defs.resolve_asset_graph()
    return {
        key.to_user_string(): graph.get(key).to_asset_spec() for key in graph.get_all_asset_keys()
    }


def test_every_asset_has_kinds_naming_where_its_data_lives():
    specs = _specs()
    assert set(specs) == set(names.SUPPLIER_ASSETS + names.FEED_ASSETS)
    for name, spec in specs.items():
        assert "python" in spec.kinds, name
        assert spec.kinds & {"sqlite", "postgres"}, name
    assert specs[names.UPLOADED_IMAGES].kinds & {"folder", "s3"}


@pytest.mark.parametrize(
    ("environ", "database", "images"),
    [
        ({}, "sqlite", "folder"),
        (
            {"PROMOSYNC_DATABASE_URL": "postgresql://u@h/db", "PROMOSYNC_IMAGE_STORE": "s3://b/p"},
            "postgres",
            "s3",
        ),
    ],
)
def test_kinds_follow_the_configured_stores(environ, database, images):
    kinds = asset_kinds(environ)
    assert kinds[names.CATALOG_PRODUCTS] == {"python", database}
    assert kinds[names.UPLOADED_IMAGES] == {"python", database, images}


def test_catalog_column_schemas_match_the_database(tmp_path: Path):
    """Built from the SQLAlchemy tables, compared with a catalog migrated to head."""
    engine = make_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    upgrade(engine)
    inspector = sa.inspect(engine)
    specs = _specs()
    for asset, table in CATALOG_TABLES.items():
        schema = specs[asset].metadata["dagster/column_schema"]
        columns = [c.name for c in schema.columns]
        assert columns == [c["name"] for c in inspector.get_columns(table)], asset
        assert all(c.description for c in schema.columns), asset
    engine.dispose()


def test_the_parser_version_is_the_code_version_of_what_it_shapes():
    specs = _specs()
    for name in (names.PARSED_VARIANTS, *names.CATALOG_ASSETS):
        assert specs[name].code_version == PARSER_VERSION, name


def test_dagster_and_dg_load_the_same_code_location():
    """workspace.yaml (Dagster's commands) and [tool.dg.project] (dg) name one module and one
    location name, so every tool shows the same code location."""
    import tomllib

    import yaml

    root = Path(__file__).resolve().parents[1]
    (entry,) = yaml.safe_load((root / "workspace.yaml").read_text())["load_from"]
    module = entry["python_module"]
    project = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["dg"]["project"]
    assert module["module_name"] == project["code_location_target_module"] == defs_module()
    assert module["location_name"] == project["code_location_name"] == "promosync"


def defs_module() -> str:
    import promosync_pipeline.definitions

    return promosync_pipeline.definitions.__name__
