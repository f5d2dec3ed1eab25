"""A request-rate limiter that backs off when the server says it is overloaded."""

from __future__ import annotations

import asyncio
import multiprocessing


class SharedPause:
    """The end of a ``Retry-After`` pause, shared by the processes forked after it was made:
    each process's limiter waits for it and extends it (``time.monotonic()`` seconds, one
    clock for every process on the machine)."""

    def __init__(self) -> None:
        self._until = multiprocessing.RawValue("d", 0.0)

    @property
    def until(self) -> float:
        return float(self._until.value)

    def extend(self, until: float) -> None:
        # Two processes racing here both pause; at worst one pause is a little shorter.
        if until > self._until.value:
            self._until.value = until


class AdaptiveRateLimiter:
    """Spaces request starts at ``1 / rate`` seconds.

    Additive increase, multiplicative decrease: a 429 halves the rate (down to ``floor``), but
    only once per congestion window (a burst of 429s to requests already in flight is one
    signal, not sixteen), and a ``Retry-After`` pauses every request, not just the one that got
    it; each success wins back 2 % of the configured ceiling.
    """

    WINDOW_S = 1.0

    def __init__(self, rate: float, floor: float = 0.5, pause: SharedPause | None = None) -> None:
        self.ceiling = max(rate, floor)
        self.floor = floor
        self.rate = self.ceiling
        self._next_slot = 0.0
        self._decreased_until = 0.0
        self._lock = asyncio.Lock()
        self._pause = pause
        """Where a ``Retry-After`` pauses other processes' limiters too."""

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            now = loop.time()
            slot = max(now, self._next_slot, self._pause.until if self._pause else 0.0)
            self._next_slot = slot + 1.0 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)
        # another process may have been told to pause while this request waited for its slot
        while self._pause is not None and (wait := self._pause.until - loop.time()) > 0:
            await asyncio.sleep(wait)

    def throttled(self, retry_after_s: float | None) -> bool:
        """Take a 429 into account; True when it lowered the rate."""
        now = asyncio.get_running_loop().time()
        lowered = now >= self._decreased_until
        if lowered:
            self.rate = max(self.floor, self.rate / 2)
            self._decreased_until = now + max(self.WINDOW_S, retry_after_s or 0.0)
        if retry_after_s:
            self._next_slot = max(self._next_slot, now + retry_after_s)
            if self._pause is not None:
                self._pause.extend(now + retry_after_s)
        return lowered

    def succeeded(self) -> None:
        if self.rate < self.ceiling:
            self.rate = min(self.ceiling, self.rate + 0.02 * self.ceiling)
