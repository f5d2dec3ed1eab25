"""The catalog database: schema, migrations and the store that reads and writes it."""

from promosync_pipeline.catalog.engine import is_postgres, make_engine, normalize_url, redact
from promosync_pipeline.catalog.migrate import current_revision, head_revision, upgrade
from promosync_pipeline.catalog.store import (
    CachedFile,
    CatalogStore,
    FamilyWrite,
    KnownProduct,
    OpenError,
    StagedFamily,
    WriteResult,
)

__all__ = [
    "CachedFile",
    "CatalogStore",
    "FamilyWrite",
    "KnownProduct",
    "OpenError",
    "StagedFamily",
    "WriteResult",
    "current_revision",
    "head_revision",
    "is_postgres",
    "make_engine",
    "normalize_url",
    "redact",
    "upgrade",
]
