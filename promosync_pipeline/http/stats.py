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
    rate_decreases: int = 0
    """Times the adaptive limiter halved the request rate (once per burst of 429s)."""
    lowest_rate: float | None = None
    """The lowest request rate (requests/s) the limiter went down to; None if it never did."""
    final_rate: float | None = None
    """The request rate when the client closed."""

    def as_metadata(self) -> dict[str, int | float]:
        out: dict[str, int | float] = {
            "requests": self.requests,
            "bytes_downloaded": self.bytes,
            "retries": self.retries,
            "throttled_429": self.throttled,
            "fetch_failures": self.failures,
            "rate_decreases": self.rate_decreases,
        }
        if self.lowest_rate is not None:
            out["lowest_requests_per_s"] = round(self.lowest_rate, 2)
        if self.final_rate is not None:
            out["final_requests_per_s"] = round(self.final_rate, 2)
        return out
