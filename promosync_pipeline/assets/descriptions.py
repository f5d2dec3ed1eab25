"""What the assets say about themselves in the UI: their kinds and the catalog's columns.

Kinds name where an asset's data lives: the catalog database (``postgres`` or ``sqlite``,
from ``PROMOSYNC_DATABASE_URL``), the image store and the raw archive (``s3`` or ``folder``).
They are read when the code location loads, like the schedule's cron.
"""

from collections.abc import Mapping, Sequence

import dagster as dg
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from promosync_pipeline import names, settings
from promosync_pipeline.catalog import normalize_url


def table_schema(table: sa.Table) -> dg.TableSchema:
    """``table``'s columns as Dagster's column schema, with their descriptions (``doc``)."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=column.name,
                type=str(column.type.compile(dialect=postgresql.dialect())).lower(),
                description=column.doc,
                constraints=dg.TableColumnConstraints(
                    nullable=bool(column.nullable), unique=bool(column.primary_key)
                ),
            )
            for column in table.columns
        ]
    )


def asset_kinds(environ: Mapping[str, str] | None = None) -> dict[str, set[str]]:
    """Asset name -> its kinds."""
    url = normalize_url(settings.env(settings.DATABASE_URL, settings.DEFAULT_DATABASE_URL, environ))
    database = "postgres" if url.startswith("postgresql") else "sqlite"
    images = settings.env(settings.IMAGE_STORE, settings.DEFAULT_IMAGE_STORE, environ)
    archive = settings.env(settings.ARCHIVE_STORE, settings.DEFAULT_ARCHIVE_STORE, environ)
    kinds = {name: {"python", database} for name in names.SUPPLIER_ASSETS + names.FEED_ASSETS}
    kinds[names.PARSED_VARIANTS].add(_store_kind(archive))
    kinds[names.UPLOADED_IMAGES].add(_store_kind(images))
    return kinds


def with_kinds(
    assets: Sequence[dg.AssetsDefinition | dg.AssetSpec],
    environ: Mapping[str, str] | None = None,
) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    kinds = asset_kinds(environ)
    return list(
        dg.map_asset_specs(
            lambda spec: spec.merge_attributes(kinds=kinds[spec.key.to_user_string()]), assets
        )
    )


def _store_kind(location: str) -> str:
    return "s3" if location.startswith("s3://") else "folder"
