"""``promosync feed serve`` in its own process."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from promosync_pipeline.promidata import parse_index


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_feed_serve_serves_an_index_with_the_requested_shape():
    port = free_port()
    promosync = str(Path(sys.executable).with_name("promosync"))
    args = ["feed", "serve", "--port", str(port), "--suppliers", "2", "--families", "5"]
    process = subprocess.Popen(
        [promosync, *args, "--fault", "429:times=1,target=categories"],
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
                index = httpx.get(f"{base}/Import/Import.txt", timeout=30)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        report = parse_index(index.content)
        assert len({e.supplier_code for e in report.entries}) == 2
        assert httpx.get(f"{base}/Import/CAT.csv").status_code == 429
        assert httpx.get(f"{base}/Import/CAT.csv").status_code == 200
    finally:
        process.terminate()
        process.wait(10)
