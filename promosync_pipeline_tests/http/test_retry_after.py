"""Retry-After header values become capped waits."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from promosync_pipeline.http.client import parse_retry_after


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), (" 0.5 ", 0.5), ("120", 60.0), ("-4", 0.0), ("", None), (None, None)],
)
def test_seconds_are_capped(value, expected):
    assert parse_retry_after(value, cap=60.0) == expected


def test_http_date_in_the_future_gives_the_remaining_seconds():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= parse_retry_after(when, cap=60.0) <= 30


def test_garbage_is_ignored():
    assert parse_retry_after("soon, please", cap=60.0) is None
