"""What the index sensor decides on one tick, from plain values.

Two views of each supplier's index slice (code -> slice hash) meet here:

- ``live``: Import.txt as the sensor just fetched it (or, on 304, as it fetched it last). The
  sensor saves every valid index it fetches into the catalog database's feed cache before it
  requests anything, and ``supplier_index`` reads that copy, so a run requested for a live
  slice syncs that slice (or a newer one), never an older one;
- ``requested``: the slice each supplier last had a sync requested for (kept in the cursor).

A ``supplier_sync_job`` run is requested for every enabled supplier whose live slice is not the
requested one, on the tick that sees the change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

CURSOR_VERSION = 1


@dataclass(frozen=True)
class IndexCursor:
    """The sensor's memory between ticks (serialised as compact JSON)."""

    etag: str | None = None
    last_modified: str | None = None
    live: dict[str, str] = field(default_factory=dict)
    requested: dict[str, str] = field(default_factory=dict)
    refused: str | None = None
    """Why the last fetched index was refused, while that incident is open (alerted once)."""

    def conditional_headers(self, stored: tuple[str | None, str | None] | None) -> dict[str, str]:
        """Validators for the next GET, given the (ETag, Last-Modified) of the index copy in
        the feed cache (None when there is none).

        None until a body has been seen (a 304 needs one), and none when the cache no longer
        holds the copy these validators describe (another database, a newer copy saved by a
        feed refresh, a lost tick): the full body is fetched and saved again, so after every
        tick the cached index is the live one.
        """
        if not self.live or stored != (self.etag, self.last_modified):
            return {}
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers

    def encode(self) -> str:
        return json.dumps(
            {
                "v": CURSOR_VERSION,
                "etag": self.etag,
                "last_modified": self.last_modified,
                "live": self.live,
                "requested": self.requested,
                "refused": self.refused,
            },
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def decode(cls, text: str | None) -> IndexCursor:
        """The cursor from its text; an empty, unreadable or older-format one starts afresh."""
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            return cls()
        return cls(
            etag=data.get("etag"),
            last_modified=data.get("last_modified"),
            live=dict(data.get("live") or {}),
            requested=dict(data.get("requested") or {}),
            refused=data.get("refused") or None,
        )


@dataclass(frozen=True)
class TickPlan:
    new_partitions: list[str]
    """Enabled codes in the index that are not yet supplier partitions."""
    to_sync: dict[str, str]
    """code -> slice hash to request a ``supplier_sync_job`` run for."""
    vanished: list[str]
    """Codes synced before that the index no longer lists: no run, only a log line."""
    requested: dict[str, str]
    """The ``requested`` map for the next cursor."""


def enabled_codes(codes: Collection[str], only: Collection[str] | None) -> list[str]:
    """``codes`` restricted to ``only`` (``PROMOSYNC_SUPPLIERS``) when it is given, sorted."""
    return sorted(c for c in codes if only is None or c in only)


def plan_tick(
    live: Mapping[str, str],
    requested: Mapping[str, str],
    partitions: Collection[str],
    only: Collection[str] | None,
) -> TickPlan:
    enabled = enabled_codes(live, only)
    existing = set(partitions)
    to_sync = {code: live[code] for code in enabled if requested.get(code) != live[code]}
    vanished = sorted(code for code in requested if code not in live)
    kept = {code: h for code, h in requested.items() if code in live}
    return TickPlan(
        new_partitions=[code for code in enabled if code not in existing],
        to_sync=to_sync,
        vanished=vanished,
        requested={**kept, **to_sync},
    )


def needs_feed_refresh(
    live: Mapping[str, str], previous: Mapping[str, str], only: Collection[str] | None
) -> bool:
    """Did the enabled part of the index change since the last tick (a new index version for
    ``promidata_index``)? Nothing enabled, nothing to refresh for."""
    enabled = enabled_codes(live, only)
    return bool(enabled) and index_fingerprint(live, only) != index_fingerprint(previous, only)


def supplier_run_key(code: str, slice_hash: str) -> str:
    return f"{code}:{slice_hash}"


def feed_refresh_run_key(index_hash: str) -> str:
    return f"feed_refresh:{index_hash}"


def index_fingerprint(live: Mapping[str, str], only: Collection[str] | None) -> str:
    """One hash of the enabled suppliers' slices: names an index version (its feed refresh)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for code in enabled_codes(live, only):
        digest.update(f"{code}={live[code]}\n".encode())
    return digest.hexdigest()
