"""What the image pipeline hands to the catalog: one result per source URL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredObject:
    rendition: str
    storage_key: str
    width: int
    height: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ImageResult:
    """What became of one source URL in this sync."""

    source_url: str
    sha256: str | None = None
    error: str | None = None
    objects: tuple[StoredObject, ...] = ()
    """Objects uploaded for this URL by this sync (empty when the content was stored before)."""
