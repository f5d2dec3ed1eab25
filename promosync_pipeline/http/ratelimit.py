"""A request-rate limiter that backs off when the server says it is overloaded."""

from __future__ import annotations

import asyncio


class AdaptiveRateLimiter:
    """Spaces request starts at ``1 / rate`` seconds.

    Additive increase, multiplicative decrease: every 429 halves the rate (down to ``floor``) and
    a ``Retry-After`` pauses every request, not just the one that got it; each success wins back
    2 % of the configured ceiling.
    """

    def __init__(self, rate: float, floor: float = 0.5) -> None:
        self.ceiling = max(rate, floor)
        self.floor = floor
        self.rate = self.ceiling
        self._next_slot = 0.0
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            slot = max(now, self._next_slot)
            self._next_slot = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)

    def throttled(self, retry_after_s: float | None) -> None:
        self.rate = max(self.floor, self.rate / 2)
        if retry_after_s:
            resume = asyncio.get_running_loop().time() + retry_after_s
            self._next_slot = max(self._next_slot, resume)

    def succeeded(self) -> None:
        if self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate + 0.02 * self.ceiling)
