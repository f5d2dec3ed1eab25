"""The one HTTP client of promosync: allowed hosts, limits, retries and counters."""

from promosync_pipeline.http.client import FetchClient, FetchError, FetchResult
from promosync_pipeline.http.hosts import DisallowedURLError, HostPolicy
from promosync_pipeline.http.settings import ClientSettings
from promosync_pipeline.http.stats import ClientStats

__all__ = [
    "ClientSettings",
    "ClientStats",
    "DisallowedURLError",
    "FetchClient",
    "FetchError",
    "FetchResult",
    "HostPolicy",
]
