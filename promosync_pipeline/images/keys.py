"""Content-addressed storage keys: ``images/<sha[:2]>/<sha>/<rendition>.jpg``.

Keys are built only from a hex SHA-256 and a known rendition name, never from SKUs, supplier
codes or URLs, so nothing a feed says can steer where an object lands.
"""

from __future__ import annotations

import re

RENDITIONS = ("original", "thumbnail", "small", "medium", "large")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def storage_key(sha256: str, rendition: str, extension: str = "jpg") -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    if rendition not in RENDITIONS:
        raise ValueError(f"unknown rendition {rendition!r}; known: {', '.join(RENDITIONS)}")
    return f"images/{sha256[:2]}/{sha256}/{rendition}.{extension}"


def clean_prefix(prefix: str) -> str:
    """A bucket prefix without empty, ``.`` or ``..`` segments, ending in ``/`` (or empty)."""
    parts = [p for p in prefix.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return "".join(f"{p}/" for p in parts)
