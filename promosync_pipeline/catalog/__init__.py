"""The catalog database: schema, migrations and the objects that read and write it."""

from promosync_pipeline.catalog.engine import is_postgres, make_engine, normalize_url
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
from promosync_pipeline.catalog.schema import FAMILY_STAGES, ErrorStage, ImageStatus, RunStatus
from promosync_pipeline.catalog.store import Catalog

__all__ = [
    "FAMILY_STAGES",
    "CachedFile",
    "Catalog",
    "EncodedFamily",
    "ErrorRecord",
    "ErrorStage",
    "FamilyWrite",
    "ImageStatus",
    "KnownProduct",
    "OpenError",
    "RunStatus",
    "StagedFamily",
    "SyncRun",
    "WriteStats",
    "current_revision",
    "head_revision",
    "is_postgres",
    "make_engine",
    "normalize_url",
    "upgrade",
]
