"""The adaptive rate limiter: one decrease per congestion window, slow recovery."""

import asyncio

from promosync_pipeline.http.ratelimit import AdaptiveRateLimiter


def test_a_burst_of_429s_halves_the_rate_once_then_it_recovers():
    async def scenario() -> list[float]:
        limiter = AdaptiveRateLimiter(40.0)
        for _ in range(16):
            limiter.throttled(None)
        seen = [limiter.rate]
        limiter._decreased_until = 0.0
        limiter.throttled(None)
        seen.append(limiter.rate)
        for _ in range(10):
            limiter.succeeded()
        seen.append(limiter.rate)
        for _ in range(1000):
            limiter.succeeded()
        seen.append(limiter.rate)
        return [round(rate, 6) for rate in seen]

    assert asyncio.run(scenario()) == [20.0, 10.0, 18.0, 40.0]


def test_retry_after_pauses_every_request():
    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        limiter = AdaptiveRateLimiter(1000.0)
        limiter.throttled(0.3)
        started = loop.time()
        await asyncio.gather(limiter.acquire(), limiter.acquire())
        return loop.time() - started

    assert asyncio.run(scenario()) >= 0.29


def test_requests_are_spaced_by_the_rate():
    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        limiter = AdaptiveRateLimiter(20.0)
        started = loop.time()
        await asyncio.gather(*(limiter.acquire() for _ in range(5)))
        return loop.time() - started

    assert 0.19 <= asyncio.run(scenario()) < 1.0
