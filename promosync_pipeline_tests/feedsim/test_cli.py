"""``promosync feed serve`` in its own process."""

import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from promosync_pipeline.promidata import parse_index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(*options: str) -> Iterator[str]:
    """``promosync feed serve`` with these options; yields the feed's base URL once it answers."""
    port = free_port()
    promosync = str(Path(sys.executable).with_name("promosync"))
    process = subprocess.Popen(
        [promosync, "feed", "serve", "--port", str(port), *options],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith(f"serving a Promidata feed at http://127.0.0.1:{port}/")
        base = line.split(" at ", 1)[1].strip()
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/Import/Import.txt", timeout=30)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(10)


def families_per_supplier(base: str) -> Counter[str]:
    index = httpx.get(f"{base}/Import/Import.txt", timeout=30)
    return Counter(e.supplier_code for e in parse_index(index.content).entries)


def test_feed_serve_serves_exactly_the_requested_families_per_supplier():
    with serve(
        "--suppliers", "3", "--families", "5", "--fault", "429:times=1,target=categories"
    ) as base:
        assert sorted(families_per_supplier(base).values()) == [5, 5, 5]
        assert httpx.get(f"{base}/Import/CAT.csv").status_code == 429
        assert httpx.get(f"{base}/Import/CAT.csv").status_code == 200


def test_feed_serve_spread_varies_the_families_around_the_requested_number():
    with serve("--suppliers", "4", "--families", "20", "--spread", "--seed", "3") as base:
        counts = families_per_supplier(base)
    assert len(counts) == 4
    assert all(10 <= n <= 30 for n in counts.values()), counts
    assert len(set(counts.values())) > 1, counts
