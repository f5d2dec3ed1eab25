"""Progress lines for long steps: done/total, rate and ETA, at most every few seconds."""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    def __init__(
        self,
        label: str,
        total: int,
        log: Callable[[str], None],
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._log = log
        self._interval = interval_s
        self._clock = clock
        self._started = clock()
        self._last = self._started

    @property
    def elapsed_s(self) -> float:
        return self._clock() - self._started

    def rate(self) -> float:
        elapsed = self.elapsed_s
        return self.done / elapsed if elapsed > 0 else 0.0

    def line(self) -> str:
        rate = self.rate()
        share = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        remaining = max(self.total - self.done, 0)
        eta = f", ETA {remaining / rate:.0f}s" if rate > 0 and remaining else ""
        return f"{self.label}: {self.done}/{self.total}{share}, {rate:.0f}/s{eta}"

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self._clock()
        if now - self._last >= self._interval:
            self._last = now
            self._log(self.line())

    def finish(self) -> None:
        """The closing line; none when there was nothing to do (a no-op sync stays quiet: each
        line is an event in the run's log)."""
        if self.total:
            self._log(self.line())
