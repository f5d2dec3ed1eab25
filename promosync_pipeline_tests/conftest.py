"""Shared fixtures: real PostgreSQL and SQLite catalogs, a feed simulator and a webhook
receiver on loopback.

PostgreSQL is the server at ``PROMOSYNC_TEST_PG_URL`` (default: trust auth as ``postgres`` on
127.0.0.1:5432, database ``test``). Every database the tests use is created here under a
random name and dropped at the end. An unreachable server skips the PostgreSQL tests with a
loud reason, except with ``CI=true``, where it fails them: CI must never pass without them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline.resources import RESOURCE_VARIABLES
from promosync_pipeline_tests import processes

PG_ADMIN_URL = os.environ.get(
    "PROMOSYNC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# The code location binds a resource field to its variable when that variable is set as the
# definitions load (resources.default_resources). Tests set these variables themselves, so none
# may come from the shell that started the suite: a binding from there would outlive a test's
# monkeypatch.delenv and fail its runs.
for _name in RESOURCE_VARIABLES:
    os.environ.pop(_name, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with the most ``slow`` tests first, each file's tests in their own order.

    The suite's workers take whole files in collection order (``--dist loadfile``, see
    ``scripts/test``); a long file collected last, as the browser flows in ``ui/`` are,
    would run alone at the end while the other worker has nothing left to do.
    """
    slow = Counter(item.path for item in items if item.get_closest_marker("slow"))
    items.sort(key=lambda item: -slow[item.path])  # a stable sort: files stay whole


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(autouse=True)
def _archive_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every sync keeps its raw files in the test's own folder, never in ``.promosync``."""
    monkeypatch.setenv("PROMOSYNC_ARCHIVE_STORE", str(tmp_path / "archive"))


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The suite ends with no process of its own still running, orphans included.

    The test process adopts every orphan of its descendants (a subreaper), so a worker whose
    parent was killed is found here too. Whatever still runs a few seconds after the last test
    is killed and fails the session, naming each process.
    """
    if not Path("/proc/self/stat").exists():
        yield
        return
    processes.adopt_orphans()
    yield
    left = processes.still_running(processes.descendants(os.getpid()), within_s=10)
    if left:
        for proc in left:
            if processes.running(proc):
                os.kill(proc.pid, signal.SIGKILL)
        pytest.fail(
            f"the test session left {len(left)} process(es) running (now killed): "
            + processes.describe(left),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    engine = sa.create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}".strip()
        if _in_ci():
            pytest.fail(f"CI=true requires PostgreSQL. {reason}", pytrace=False)
        print(f"\n*** POSTGRESQL TESTS SKIPPED: {reason} ***", file=sys.stderr)
        pytest.skip(f"POSTGRESQL NOT TESTED: {reason} (CI=true makes this an error)")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database(pg_admin: sa.Engine) -> Iterator[Callable[[], str]]:
    """Creates uniquely named databases on demand; drops all of them at the end."""
    created: list[str] = []

    def create() -> str:
        name = f"promosync_test_{uuid.uuid4().hex[:12]}"
        with pg_admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False)

    yield create
    with pg_admin.connect() as conn:
        for name in created:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def pg_url(pg_database: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database."""
    return pg_database()


@pytest.fixture(params=BACKENDS)
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty catalog database URL, once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog' / 'catalog.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def feed_spec() -> FeedSpec:
    """Small images keep the image step quick; the image tests bring larger ones."""
    return FeedSpec(seed=11, suppliers=2, families=12, exact=True, image_size=(240, 180))


@pytest.fixture
def feed(feed_spec: FeedSpec) -> Iterator[FeedServer]:
    with FeedServer(FeedGenerator(feed_spec)) as server:
        yield server


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API over HTTP on loopback (moto's server), for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket on the test S3 server; the AWS environment points at it."""
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    name = f"images-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    return name


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the outside environment's supplier filter, webhook or extra hosts."""
    for name in (settings.SUPPLIERS, settings.ALERT_WEBHOOK_URL, settings.ALLOWED_HOSTS):
        monkeypatch.delenv(name, raising=False)


def dagster_instance(
    request: pytest.FixtureRequest, overrides: dict | None = None
) -> Iterator[dg.DagsterInstance]:
    """A throwaway Dagster instance with ``overrides``; its run, event and schedule storage is
    SQLite in a temporary folder, or a fresh PostgreSQL database (dagster-postgres, as in
    production) when the test is parametrized with ``"postgresql"``."""
    overrides = dict(overrides or {})
    if getattr(request, "param", "sqlite") != "sqlite":
        url = sa.make_url(request.getfixturevalue("pg_url")).set(drivername="postgresql+psycopg2")
        overrides["storage"] = {"postgres": {"postgres_url": url.render_as_string(False)}}
    with dg.instance_for_test(overrides=overrides) as inst:
        yield inst


@pytest.fixture
def instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """A throwaway Dagster instance: SQLite storage, or each storage of :data:`BACKENDS` where
    a package parametrizes it (``automation/conftest.py``)."""
    yield from dagster_instance(request)


def _point_resources_at(
    monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str, images: Path
) -> str:
    monkeypatch.setenv(settings.PROMIDATA_BASE_URL, feed.base_url)
    monkeypatch.setenv(settings.DATABASE_URL, catalog_url)
    monkeypatch.setenv(settings.IMAGE_STORE, str(images))
    return catalog_url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str, tmp_path: Path) -> str:
    """The resources point at the simulator, a fresh catalog on each backend and an image
    folder in ``tmp_path / "images"``; returns the catalog URL."""
    return _point_resources_at(monkeypatch, feed, catalog_url, tmp_path / "images")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite catalog database URL."""
    return f"sqlite:///{tmp_path / 'catalog.sqlite'}"


@pytest.fixture
def sqlite_env(
    monkeypatch: pytest.MonkeyPatch, feed: FeedServer, sqlite_url: str, tmp_path: Path
) -> str:
    """The same with an SQLite catalog only, for scenarios whose subject is not the database."""
    return _point_resources_at(monkeypatch, feed, sqlite_url, tmp_path / "images")


@dataclass
class Receiver:
    """A Slack-like webhook on 127.0.0.1: records each JSON body; answers ``status``."""

    url: str
    bodies: list[dict] = field(default_factory=list)
    status: int = 200
    fail_next: int = 0
    """Answer this many of the next requests with HTTP 503, whatever ``status`` says."""
    attempts: int = 0

    @property
    def texts(self) -> list[str]:
        return [b["text"] for b in self.bodies]

    def take(self) -> list[str]:
        """The texts received since the last call."""
        texts = self.texts
        self.bodies.clear()
        return texts


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            receiver.attempts += 1
            status = receiver.status
            if receiver.fail_next > 0:
                receiver.fail_next -= 1
                status = 503
            if status < 300:
                receiver.bodies.append(body)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    receiver = Receiver(url=f"http://{host}:{port}/services/T000/B000/s3cr3t-token")
    thread = threading.Thread(target=server.serve_forever, name="webhook", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
