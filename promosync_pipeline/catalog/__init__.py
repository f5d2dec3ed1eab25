"""The catalog database: schema, migrations and the store that reads and writes it."""

from promosync_pipeline.catalog.engine import is_postgres, make_engine, normalize_url, redact
from promosync_pipeline.catalog.migrate import current_revision, head_revision, upgrade
from promosync_pipeline.catalog.records import (
    CachedFile,
    EncodedFamily,
    ErrorRecord,
    FamilyWrite,
    KnownProduct,
    OpenError,
    StagedFamily,
    SyncRun,
    WriteStats,
)
from promosync_pipeline.catalog.store import CatalogStore

__all__ = [
    "CachedFile",
    "CatalogStore",
    "EncodedFamily",
    "ErrorRecord",
    "FamilyWrite",
    "KnownProduct",
    "OpenError",
    "StagedFamily",
    "SyncRun",
    "WriteStats",
    "current_revision",
    "head_revision",
    "is_postgres",
    "make_engine",
    "normalize_url",
    "redact",
    "upgrade",
]
