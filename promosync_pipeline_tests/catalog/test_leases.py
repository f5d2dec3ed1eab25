"""The supplier lease: one holder at a time, a waiter told for whom it waits, a bounded wait, and
a holder that dies gives the supplier up: at once on PostgreSQL, within its expiry on SQLite."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from promosync_pipeline.catalog import make_engine, upgrade
from promosync_pipeline.catalog.leases import LeaseUnavailable, SupplierLeases

RUN = "8f3c1d2e-0000-4000-8000-000000000001"
HOLDER = """
import sys, time
from promosync_pipeline.catalog import make_engine
from promosync_pipeline.catalog.leases import SupplierLeases
leases = SupplierLeases(make_engine(sys.argv[1]), ttl_s=float(sys.argv[2]))
leases.acquire("A777", "run-of-a-killed-sync", wait_s=5)
print("held", flush=True)
time.sleep(600)
"""


@pytest.fixture
def engine(catalog_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(catalog_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_a_second_sync_waits_saying_for_whom_then_takes_over(engine: sa.Engine):
    leases = SupplierLeases(engine)
    first = leases.acquire("A777", RUN, wait_s=5)
    heard: list[str] = []
    threading.Timer(1.5, first.release).start()
    started = time.monotonic()
    second = leases.acquire("A777", "second-run", wait_s=20, on_wait=heard.append)
    assert 1.4 <= time.monotonic() - started < 10
    assert heard and heard[0].startswith("waiting for the sync of A777 started ")
    assert "by run 8f3c1d2e…" in heard[0]
    assert [(h.supplier_code, h.run_id) for h in leases.holders()] == [("A777", "second-run")]
    second.release()
    assert leases.holders() == []


def test_other_suppliers_are_not_held_up(engine: sa.Engine):
    leases = SupplierLeases(engine)
    held = leases.acquire("A777", RUN, wait_s=1)
    other = leases.acquire("A23", "another-run", wait_s=0)
    assert {h.supplier_code for h in leases.holders()} == {"A777", "A23"}
    other.release()
    held.release()


def test_past_the_wait_it_gives_up_naming_the_holder(engine: sa.Engine):
    leases = SupplierLeases(engine)
    held = leases.acquire("A777", RUN, wait_s=1)
    started = time.monotonic()
    with pytest.raises(LeaseUnavailable) as refused:
        leases.acquire("A777", "second-run", wait_s=1.5)
    assert 1.4 <= time.monotonic() - started < 5
    assert str(refused.value).startswith("A777 is still leased after 1.5 s: gave up waiting ")
    assert "by run 8f3c1d2e…" in str(refused.value)
    assert held.alive()
    held.release()


def test_a_killed_holder_frees_the_supplier_within_its_expiry(engine: sa.Engine, catalog_url):
    """The holder is another process, killed with SIGKILL: it releases nothing. PostgreSQL ends
    its session and frees the lock at once; on SQLite the lease expires ``ttl`` after its last
    renewal."""
    ttl = 3.0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, catalog_url, str(ttl)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        leases = SupplierLeases(engine, ttl_s=ttl)
        assert [h.run_id for h in leases.holders()] == ["run-of-a-killed-sync"]
        with pytest.raises(LeaseUnavailable):
            leases.acquire("A777", "next-run", wait_s=0.5)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        killed = time.monotonic()
        lease = leases.acquire("A777", "next-run", wait_s=ttl + 10)
        freed_after = time.monotonic() - killed
    finally:
        holder.kill()
        holder.wait(10)
    expiry = 2.0 if engine.dialect.name == "postgresql" else ttl + 1.5
    assert freed_after <= expiry
    assert [h.run_id for h in leases.holders()] == ["next-run"]
    lease.release()


def test_a_lease_knows_whether_it_is_still_held(engine: sa.Engine):
    leases = SupplierLeases(engine, ttl_s=3)
    lease = leases.acquire("A777", RUN, wait_s=1)
    assert lease.alive()
    lease.release()
    assert not lease.alive()
