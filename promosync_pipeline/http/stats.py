"""Counters of an HTTP client, reported as materialization metadata."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ClientStats:
    requests: int = 0
    bytes: int = 0
    retries: int = 0
    not_modified: int = 0
    failures: int = 0
    throttled: int = 0
    """Responses with status 429."""
    statuses: Counter[int] = field(default_factory=Counter)

    def as_metadata(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "bytes_downloaded": self.bytes,
            "retries": self.retries,
            "throttled_429": self.throttled,
            "fetch_failures": self.failures,
        }
