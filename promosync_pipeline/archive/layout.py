"""Where an archived product file lives and which versions a prune keeps (no I/O).

A version's key is ``<supplier>/<sku>/<stamp>-<HASH>.json.gz``: supplier code and SKU
percent-encoded (a SKU may hold characters a key must not), ``stamp`` the UTC start time of the
sync that kept it (fixed width, so keys sort by age) and ``HASH`` the file's index hash,
upper-cased. A sync lists the supplier's keys once and never writes a hash the family already
has, so re-running a sync adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, unquote

SUFFIX = ".json.gz"
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
STAMP_LENGTH = len(datetime(2000, 1, 1, tzinfo=UTC).strftime(STAMP_FORMAT))


@dataclass(frozen=True, slots=True)
class ArchivedVersion:
    key: str
    sku: str
    hash: str
    stamp: str
    size: int
    """Compressed bytes."""


def _segment(value: str) -> str:
    return quote(value, safe="")


def supplier_prefix(supplier_code: str) -> str:
    return f"{_segment(supplier_code)}/"


def family_prefix(supplier_code: str, sku: str) -> str:
    return f"{supplier_prefix(supplier_code)}{_segment(sku)}/"


def stamp_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def version_key(supplier_code: str, sku: str, file_hash: str, moment: datetime) -> str:
    return f"{family_prefix(supplier_code, sku)}{stamp_of(moment)}-{file_hash.upper()}{SUFFIX}"


def parse_key(key: str, size: int) -> ArchivedVersion | None:
    """The version a key names, or None for anything else found under the prefix."""
    parts = key.split("/")
    if len(parts) != 3 or not parts[2].endswith(SUFFIX):
        return None
    name = parts[2][: -len(SUFFIX)]
    stamp, dash, file_hash = (
        name[:STAMP_LENGTH],
        name[STAMP_LENGTH : STAMP_LENGTH + 1],
        name[STAMP_LENGTH + 1 :],
    )
    if dash != "-" or not file_hash or not stamp.endswith("Z"):
        return None
    return ArchivedVersion(key, unquote(parts[1]), file_hash.upper(), stamp, size)


def versions_to_prune(
    versions: Iterable[ArchivedVersion], current_hash: str | None, keep: int
) -> list[ArchivedVersion]:
    """Of one family's versions, those beyond the ``keep`` newest distinct hashes.

    The version of ``current_hash`` (the index's hash now) is always kept, however old: a feed
    that went back to an earlier file must still replay. Older copies of a hash kept twice go.
    """
    newest_first = sorted(versions, key=lambda v: v.stamp, reverse=True)
    kept: dict[str, ArchivedVersion] = {}
    current = (current_hash or "").upper()
    for version in newest_first:
        if version.hash == current and current not in kept:
            kept[current] = version
    for version in newest_first:
        if len(kept) >= keep:
            break
        kept.setdefault(version.hash, version)
    keep_keys = {v.key for v in kept.values()}
    return [v for v in newest_first if v.key not in keep_keys]
