"""The raw payload archive: every downloaded product file, gzip-compressed, in a folder or an
S3 bucket, so that a supplier can be re-parsed later without downloading it again."""

from promosync_pipeline.archive.layout import ArchivedVersion, family_prefix, version_key
from promosync_pipeline.archive.session import SupplierArchive, open_archive_store

__all__ = [
    "ArchivedVersion",
    "SupplierArchive",
    "family_prefix",
    "open_archive_store",
    "version_key",
]
