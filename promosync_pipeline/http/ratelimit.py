"""A request-rate limiter that backs off when the server says it is overloaded."""

from __future__ import annotations

import asyncio


class AdaptiveRateLimiter:
    """Spaces request starts at ``1 / rate`` seconds.

    Additive increase, multiplicative decrease: a 429 halves the rate (down to ``floor``), but
    only once per congestion window (a burst of 429s to requests already in flight is one
    signal, not sixteen), and a ``Retry-After`` pauses every request, not just the one that got
    it; each success wins back 2 % of the configured ceiling.
    """

    WINDOW_S = 1.0

    def __init__(self, rate: float, floor: float = 0.5) -> None:
        self.ceiling = max(rate, floor)
        self.floor = floor
        self.rate = self.ceiling
        self._next_slot = 0.0
        self._decreased_until = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)

    def throttled(self, retry_after_s: float | None) -> bool:
        """Take a 429 into account; True when it lowered the rate."""
        now = asyncio.get_running_loop().time()
        lowered = now >= self._decreased_until
        if lowered:
            self.rate = max(self.floor, self.rate / 2)
            self._decreased_until = now + max(self.WINDOW_S, retry_after_s or 0.0)
        if retry_after_s:
            self._next_slot = max(self._next_slot, now + retry_after_s)
        return lowered

    def succeeded(self) -> None:
        if self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate + 0.02 * self.ceiling)
