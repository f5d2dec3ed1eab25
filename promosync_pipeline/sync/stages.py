"""The stages a family or an image can fail at: the vocabulary of ``sync_errors.stage``."""

from __future__ import annotations

from enum import StrEnum


class ErrorStage(StrEnum):
    INDEX = "index"
    """Import.txt names the family unusably (the line is skipped, the family kept)."""
    DOWNLOAD = "download"
    PARSE = "parse"
    WRITE = "write"
    """The database refused the family (e.g. a variant SKU owned by another family)."""
    IMAGE = "image"


FAMILY_STAGES: tuple[ErrorStage, ...] = (ErrorStage.DOWNLOAD, ErrorStage.PARSE, ErrorStage.WRITE)
"""Stages whose open errors a committed family resolves."""

MAX_ERROR_CHARS = 4000
"""Longest error text stored in ``sync_errors`` and ``product_images``."""
