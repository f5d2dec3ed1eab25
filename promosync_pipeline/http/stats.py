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

    def merge(self, other: ClientStats, *, clients: int = 1) -> None:
        """Add the counters of one of ``clients`` clients that share the work evenly, each at
        its share of the rate (rates are reported for all of them together)."""
        self.requests += other.requests
        self.bytes += other.bytes
        self.retries += other.retries
        self.not_modified += other.not_modified
        self.failures += other.failures
        self.throttled += other.throttled
        self.statuses.update(other.statuses)
        self.rate_decreases += other.rate_decreases
        if other.lowest_rate is not None:
            lowest = other.lowest_rate * clients
            self.lowest_rate = lowest if self.lowest_rate is None else min(self.lowest_rate, lowest)
        if other.final_rate is not None:
            self.final_rate = other.final_rate * clients

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
