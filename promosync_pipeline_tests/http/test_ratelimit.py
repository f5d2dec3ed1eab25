"""The adaptive rate limiter: one decrease per congestion window, slow recovery, a pause shared
between processes; and the counters of clients that share the work."""

import asyncio
from collections import Counter

from promosync_pipeline.http import ClientStats
from promosync_pipeline.http.ratelimit import AdaptiveRateLimiter, SharedPause


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


def test_a_retry_after_holds_back_a_request_already_waiting_for_its_slot():
    """Another process's limiter is told to pause (the shared pause) while this one's request
    sleeps until its slot: the request waits for the pause too."""

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        pause = SharedPause()
        waiting, other = (
            AdaptiveRateLimiter(5.0, pause=pause),
            AdaptiveRateLimiter(5.0, pause=pause),
        )
        started = loop.time()
        await waiting.acquire()  # the first slot is now; the next is 0.2 s away
        second = asyncio.create_task(waiting.acquire())
        await asyncio.sleep(0.05)
        other.throttled(0.5)
        await second
        return loop.time() - started

    assert asyncio.run(scenario()) >= 0.54


def test_counters_of_processes_add_up_and_rates_are_for_all_of_them():
    total = ClientStats(requests=3, bytes=30, statuses=Counter({200: 3}))
    total.merge(
        ClientStats(requests=2, bytes=20, retries=1, statuses=Counter({200: 2, 429: 1})), clients=2
    )
    total.merge(
        ClientStats(rate_decreases=1, lowest_rate=40.0, final_rate=90.0, throttled=1), clients=2
    )
    total.merge(ClientStats(rate_decreases=1, lowest_rate=30.0, final_rate=100.0), clients=2)
    assert (total.requests, total.bytes, total.retries, total.throttled) == (5, 50, 1, 1)
    assert total.statuses == {200: 5, 429: 1}
    assert (total.rate_decreases, total.lowest_rate, total.final_rate) == (2, 60.0, 200.0)
