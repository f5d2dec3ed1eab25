"""Knobs of the HTTP client, with the defaults a polite client of a static file server wants."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientSettings:
    max_in_flight: int = 16
    """Requests open at once."""
    requests_per_second: float = 1000.0
    """Upper bound on the request rate; halved on every 429, recovered slowly on success.

    Above what ``max_in_flight`` connections reach against a static file server (about 300
    files/s on two cores), so a healthy feed is fetched as fast as it answers; a feed that
    pushes back with 429 is slowed at once."""
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    max_attempts: int = 5
    """Tries per URL, the first included."""
    backoff_base_s: float = 0.5
    backoff_max_s: float = 20.0
    retry_after_cap_s: float = 60.0
    """A server asking for a longer pause gets this one; the sync is not held hostage."""
    max_response_bytes: int = 32 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = "promosync/0.1 (+catalog sync)"
