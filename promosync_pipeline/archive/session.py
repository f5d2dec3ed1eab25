"""One supplier's share of the archive during one sync: keep, replay, prune, measure.

Archiving is a side line of a sync: no store error may fail a family. Every failure is counted
and the first one kept as ``archive_status``; after a few in a row the archive is taken as down
for the rest of the sync (a store that hangs would otherwise slow every download).
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Protocol

from promosync_pipeline import settings
from promosync_pipeline.archive.layout import (
    ArchivedVersion,
    parse_key,
    supplier_prefix,
    version_key,
    versions_to_prune,
)
from promosync_pipeline.images.stores import open_store
from promosync_pipeline.promidata import IndexEntry

CONTENT_TYPE = "application/gzip"
GZIP_LEVEL = 1
"""0.27 ms per 137 KB product file against 0.59 ms at level 6, for files 1.5 times larger
(about 1:19 instead of 1:28). A full sync keeps every file and its parsing processes are what
fill both cores, so the CPU counts more than the disk."""
MAX_ERRORS_IN_A_ROW = 5


def pack(data: bytes) -> bytes:
    """A product file as the archive keeps it (deterministic: no time stamp in the header)."""
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


class ObjectStore(Protocol):
    description: str

    writes_locally: bool
    """``put`` writes a local file (fast, no network)."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def list_sizes(self, prefix: str) -> Iterable[tuple[str, int]]: ...

    def delete(self, key: str) -> None: ...


def open_archive_store(location: str | None = None, client: Any = None) -> ObjectStore:
    """The store named by ``location``, ``PROMOSYNC_ARCHIVE_STORE`` or the default folder."""
    where = settings.setting(location, settings.ARCHIVE_STORE, settings.DEFAULT_ARCHIVE_STORE)
    return open_store(where, client, settings.ARCHIVE_STORE)


class SupplierArchive:
    """Thread-safe: ``keep`` and ``read`` are called from the fetch workers' threads."""

    def __init__(
        self, store: ObjectStore, supplier_code: str, *, versions: int, now: datetime
    ) -> None:
        if versions < 1:
            raise ValueError(f"{settings.ARCHIVE_VERSIONS} must be at least 1, not {versions}")
        self.store = store
        self.writes_locally = store.writes_locally
        self.supplier_code = supplier_code
        self.versions = versions
        self.now = now
        self._lock = threading.Lock()
        self._listing = threading.Lock()
        self._families: dict[str, list[ArchivedVersion]] = {}
        self._opened = False
        self._listed = False
        self._errors_in_a_row = 0
        self.first_error: str | None = None
        self.errors = 0
        self.kept = self.kept_bytes = self.kept_raw_bytes = 0
        self.hits = self.misses = self.pruned = 0
        self.write_s = 0.0

    # -- bookkeeping --------------------------------------------------------------------------
    @property
    def down(self) -> bool:
        return self._errors_in_a_row >= MAX_ERRORS_IN_A_ROW

    def _failed(self, what: str, exc: Exception) -> None:
        with self._lock:
            self.errors += 1
            self._errors_in_a_row += 1
            if self.first_error is None:
                self.first_error = f"{what}: {type(exc).__name__}: {exc}"[:500]

    def _succeeded(self) -> None:
        with self._lock:
            self._errors_in_a_row = 0

    # -- steps --------------------------------------------------------------------------------
    def open(self) -> None:
        """List what the archive holds for this supplier, once for the whole sync, before the
        first file is looked up. A sync that fetches nothing never lists it: a listing reads
        every family's folder, or on S3 sends a request per 1,000 files."""
        with self._listing:
            if self._opened:
                return
            self._opened = True
            try:
                found = list(self.store.list_sizes(supplier_prefix(self.supplier_code)))
            except Exception as exc:  # any store failure: the sync goes on without the archive
                self._failed(f"listing {self.store.description}", exc)
                return
            for key, size in found:
                version = parse_key(key, size)
                if version is not None:
                    self._families.setdefault(version.sku, []).append(version)
            self._listed = True

    def find(self, sku: str, file_hash: str) -> ArchivedVersion | None:
        self.open()
        wanted = file_hash.upper()
        with self._lock:
            matches = [v for v in self._families.get(sku, []) if v.hash == wanted]
        return max(matches, key=lambda v: v.stamp) if matches else None

    def wants(self, entry: IndexEntry) -> bool:
        """Whether :meth:`keep` would store this file: its version is not archived yet."""
        return self.find(entry.sku, entry.hash) is None

    def keep(self, entry: IndexEntry, packed: bytes, raw_size: int) -> None:
        """Archive a downloaded file of ``raw_size`` bytes, compressed by :func:`pack` (where
        it was parsed), unless this version is already there. Never raises."""
        if not self.wants(entry):
            return
        if self.down:
            self._failed("archive down", RuntimeError("skipped after repeated failures"))
            return
        started = time.perf_counter()
        key = version_key(self.supplier_code, entry.sku, entry.hash, self.now)
        try:
            self.store.put(key, packed, CONTENT_TYPE)
        except Exception as exc:  # any store failure: the family syncs without its copy
            self._failed(f"writing {key}", exc)
            return
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.write_s += elapsed
        version = parse_key(key, len(packed))
        assert version is not None
        with self._lock:
            self._families.setdefault(entry.sku, []).append(version)
            self.kept += 1
            self.kept_bytes += len(packed)
            self.kept_raw_bytes += raw_size
            self._errors_in_a_row = 0

    def read(self, entry: IndexEntry) -> bytes | None:
        """The archived bytes of the entry's current version, or None (count a miss): absent,
        or the archive failed, so the caller downloads the file."""
        version = self.find(entry.sku, entry.hash)
        data = None
        if version is not None and not self.down:
            try:
                data = gzip.decompress(self.store.get(version.key))
            except Exception as exc:  # unreadable copy: download instead
                self._failed(f"reading {version.key}", exc)
            else:
                self._succeeded()
        with self._lock:
            if data is None:
                self.misses += 1
            else:
                self.hits += 1
        return data

    def prune(self, current: Mapping[str, str]) -> None:
        """Delete each family's versions beyond the newest ``versions`` (``current``: SKU ->
        index hash now, whose version is always kept). Skipped when the listing failed."""
        if not self._listed:
            return
        for sku, versions in list(self._families.items()):
            if len(versions) <= self.versions:
                continue
            for version in versions_to_prune(versions, current.get(sku), self.versions):
                if self.down:
                    return
                try:
                    self.store.delete(version.key)
                except Exception as exc:  # left for the next sync's prune
                    self._failed(f"deleting {version.key}", exc)
                    continue
                self._succeeded()
                versions.remove(version)
                self.pruned += 1

    # -- report -------------------------------------------------------------------------------
    def size(self) -> tuple[int, int]:
        """(objects, compressed bytes) the archive holds for this supplier, as far as known."""
        with self._lock:
            every = [v for versions in self._families.values() for v in versions]
        return len(every), sum(v.size for v in every)

    def metadata(self) -> dict[str, Any]:
        objects, size = self.size()
        status = "ok" if not self.errors else f"{self.errors} failures; first: {self.first_error}"
        out: dict[str, Any] = {
            "archive_store": self.store.description,
            "archive_status": status,
            "archive_errors": self.errors,
            "archive_files_kept": self.kept,
            "archive_bytes_kept": self.kept_bytes,
            "archive_raw_bytes_kept": self.kept_raw_bytes,
            "archive_write_s": round(self.write_s, 3),
            "archive_hits": self.hits,
            "archive_misses": self.misses,
            "archive_versions_pruned": self.pruned,
        }
        # what the archive holds, when it was looked at (something was fetched); -1 when it
        # could not be listed
        if self._opened:
            out["archive_objects"] = objects if self._listed else -1
            out["archive_bytes"] = size if self._listed else -1
        return out
