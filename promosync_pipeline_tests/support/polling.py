"""Waiting for something another process does, with a deadline."""

from __future__ import annotations

import time
from typing import Any


def wait_for(what: str, check: Any, timeout_s: float, poll_s: float = 0.25) -> Any:
    """Poll ``check()`` until it returns something truthy; fail naming ``what`` after the
    deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(poll_s)
