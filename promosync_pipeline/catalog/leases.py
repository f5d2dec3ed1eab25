"""The supplier lease: one sync writes a supplier at a time, whatever started it.

It lives in the catalog database, so it holds across machines and processes:

- PostgreSQL: a session advisory lock, held on a connection of the lease's own. It dies with
  its holder: the server releases it as soon as that connection ends (a killed process at once;
  a lost machine when TCP keepalives give up, about a minute). The ``supplier_leases`` row
  only says who holds it.
- SQLite: the ``supplier_leases`` row is the lease. Its holder renews it every third of
  :data:`DEFAULT_TTL_S`; a holder that stops renewing (killed) loses it when it expires.

A second sync of a leased supplier waits, saying what it waits for, and gives up after a bound.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from promosync_pipeline import clock
from promosync_pipeline.catalog import schema as t
from promosync_pipeline.catalog.engine import is_postgres, writer

DEFAULT_TTL_S = 60.0
"""SQLite: a lease whose holder stopped renewing it is free this long after its last renewal."""
DEFAULT_WAIT_S = 1800.0
"""How long a sync waits for the supplier's lease before it gives up."""
POLL_S = 1.0
NOTICE_EVERY_S = 30.0
"""A waiting sync says again what it waits for this often."""
LOCK_NAMESPACE = "promosync-supplier:"
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 20,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}
"""libpq TCP keepalives of the lock's connection: the server notices a vanished holder."""

leases = t.supplier_leases


@dataclass(frozen=True, slots=True)
class LeaseInfo:
    """Who holds a supplier's lease."""

    supplier_code: str
    holder: str
    """``host:pid:token`` of the holding process."""
    run_id: str | None
    """The Dagster run that holds it."""
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        """``the sync of A777 started 14:02 UTC by run 8f3c1d2e…``."""
        by = f"run {self.run_id[:8]}…" if self.run_id else self.holder
        started = self.acquired_at.strftime("%H:%M UTC")
        return f"the sync of {self.supplier_code} started {started} by {by}"


class LeaseUnavailable(Exception):
    """The supplier stayed leased for longer than the wait allowed."""


def lock_key(supplier_code: str) -> int:
    """The 64-bit advisory lock key of a supplier (signed, as PostgreSQL takes it)."""
    digest = hashlib.blake2b(f"{LOCK_NAMESPACE}{supplier_code}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


class SupplierLeases:
    """The leases of every supplier, behind one engine."""

    def __init__(self, engine: sa.Engine, *, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.engine = engine
        self.ttl_s = ttl_s

    def acquire(
        self,
        supplier_code: str,
        run_id: str | None,
        *,
        wait_s: float = DEFAULT_WAIT_S,
        on_wait: Callable[[str], None] = lambda message: None,
    ) -> SupplierLease:
        """Take the supplier's lease, waiting up to ``wait_s`` for its holder; ``on_wait``
        hears what it waits for (at once, then every :data:`NOTICE_EVERY_S`). Raises
        :class:`LeaseUnavailable` past the wait."""
        holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        lease: SupplierLease = (
            _PostgresLease(self, supplier_code, holder, run_id)
            if is_postgres(self.engine)
            else _SqliteLease(self, supplier_code, holder, run_id)
        )
        deadline = time.monotonic() + wait_s
        noticed = -NOTICE_EVERY_S
        while True:
            busy = lease.try_take()
            if busy is None:
                return lease
            waited = wait_s - (deadline - time.monotonic())
            if time.monotonic() >= deadline:
                lease.close()
                raise LeaseUnavailable(
                    f"{supplier_code} is still leased after {wait_s:g} s: "
                    f"gave up waiting for {busy.describe()}"
                )
            if waited - noticed >= NOTICE_EVERY_S:
                noticed = waited
                on_wait(f"waiting for {busy.describe()} ({waited:.0f} s so far)")
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))

    def holders(self) -> list[LeaseInfo]:
        """The leases held now, by supplier code."""
        query = sa.select(leases).order_by(leases.c.supplier_code)
        with self.engine.connect() as conn:
            rows = [LeaseInfo(**row) for row in conn.execute(query).mappings()]
            if is_postgres(conn):
                held = _held_lock_keys(conn)
                return [row for row in rows if lock_key(row.supplier_code) in held]
        now = clock.now()
        return [row for row in rows if row.expires_at > now]

    def info(self, conn: sa.Connection, supplier_code: str) -> LeaseInfo | None:
        row = (
            conn.execute(sa.select(leases).where(leases.c.supplier_code == supplier_code))
            .mappings()
            .first()
        )
        return None if row is None else LeaseInfo(**row)


class SupplierLease(ABC):
    """A held lease (or one being taken); :meth:`release` frees it."""

    def __init__(
        self, owner: SupplierLeases, supplier_code: str, holder: str, run_id: str | None
    ) -> None:
        self.owner = owner
        self.supplier_code = supplier_code
        self.holder = holder
        self.run_id = run_id

    @abstractmethod
    def try_take(self) -> LeaseInfo | None:
        """Take the lease if it is free: None; else who holds it."""

    @abstractmethod
    def alive(self) -> bool:
        """Whether this process still holds the lease."""

    @abstractmethod
    def release(self) -> None: ...

    def close(self) -> None:  # noqa: B027 (nothing to give up but on PostgreSQL)
        """Give up a lease that was never taken."""

    def _row(self, now: datetime, ttl_s: float) -> dict[str, object]:
        return {
            "supplier_code": self.supplier_code,
            "holder": self.holder,
            "run_id": self.run_id,
            "acquired_at": now,
            "heartbeat_at": now,
            "expires_at": now + timedelta(seconds=ttl_s),
        }


class _PostgresLease(SupplierLease):
    def __init__(
        self, owner: SupplierLeases, supplier_code: str, holder: str, run_id: str | None
    ) -> None:
        super().__init__(owner, supplier_code, holder, run_id)
        self.key = lock_key(supplier_code)
        self._engine = sa.create_engine(
            owner.engine.url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={**KEEPALIVES, "application_name": f"promosync lease {supplier_code}"},
        )
        self._conn: sa.Connection | None = self._engine.connect()

    def try_take(self) -> LeaseInfo | None:
        conn = self._connection()
        taken = conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
        if not taken.scalar_one():
            return self.owner.info(conn, self.supplier_code) or _unknown(self.supplier_code)
        row = self._row(clock.now(), self.owner.ttl_s)
        conn.execute(sa.delete(leases).where(leases.c.supplier_code == self.supplier_code))
        conn.execute(sa.insert(leases).values(**row))
        return None

    def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            held = _held_lock_keys(self._conn, mine=True)
        except sa.exc.DBAPIError:
            return False
        return self.key in held

    def release(self) -> None:
        try:
            if self._conn is not None:
                self._conn.execute(
                    sa.delete(leases).where(
                        leases.c.supplier_code == self.supplier_code,
                        leases.c.holder == self.holder,
                    )
                )
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
        except sa.exc.DBAPIError:
            pass  # the connection is gone, and the lock with it
        finally:
            self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._engine.dispose()

    def _connection(self) -> sa.Connection:
        if self._conn is None:
            self._conn = self._engine.connect()
        return self._conn


class _SqliteLease(SupplierLease):
    def __init__(
        self, owner: SupplierLeases, supplier_code: str, holder: str, run_id: str | None
    ) -> None:
        super().__init__(owner, supplier_code, holder, run_id)
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._renewer: threading.Thread | None = None

    def try_take(self) -> LeaseInfo | None:
        now = clock.now()
        with writer(self.owner.engine).begin() as conn:
            current = self.owner.info(conn, self.supplier_code)
            if current is not None and current.expires_at > now:
                return current
            conn.execute(sa.delete(leases).where(leases.c.supplier_code == self.supplier_code))
            conn.execute(sa.insert(leases).values(**self._row(now, self.owner.ttl_s)))
        self._renewer = threading.Thread(
            target=self._renew, name=f"lease-{self.supplier_code}", daemon=True
        )
        self._renewer.start()
        return None

    def alive(self) -> bool:
        taken = self._renewer is not None and not self._stop.is_set()
        return taken and not self._lost.is_set()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        with writer(self.owner.engine).begin() as conn:
            conn.execute(
                sa.delete(leases).where(
                    leases.c.supplier_code == self.supplier_code, leases.c.holder == self.holder
                )
            )

    def _renew(self) -> None:
        """Push the expiry forward every third of the lease's time until released."""
        ttl = self.owner.ttl_s
        while not self._stop.wait(ttl / 3):
            now = clock.now()
            try:
                with writer(self.owner.engine).begin() as conn:
                    renewed = conn.execute(
                        sa.update(leases)
                        .where(
                            leases.c.supplier_code == self.supplier_code,
                            leases.c.holder == self.holder,
                        )
                        .values(heartbeat_at=now, expires_at=now + timedelta(seconds=ttl))
                    ).rowcount
            except sa.exc.DBAPIError:
                continue  # a busy database: the next renewal tries again
            if not renewed:
                self._lost.set()
                return


def _held_lock_keys(conn: sa.Connection, *, mine: bool = False) -> set[int]:
    """The 64-bit advisory lock keys granted in this database (to this session only, with
    ``mine``): pg_locks shows a key as its high and low 32 bits."""
    query = (
        "SELECT classid::bigint, objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
        "AND granted AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    if mine:
        query += " AND pid = pg_backend_pid()"
    keys = set()
    for high, low in conn.execute(sa.text(query)):
        value = (int(high) << 32) | int(low)
        keys.add(value - (1 << 64) if value >= 1 << 63 else value)
    return keys


def _unknown(supplier_code: str) -> LeaseInfo:
    """A lock held with no row saying by whom (its holder is writing the row right now)."""
    now = clock.now()
    return LeaseInfo(supplier_code, "another process", None, now, now, now)
