"""The one clock: every timestamp promosync writes or compares comes from :func:`now`."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
