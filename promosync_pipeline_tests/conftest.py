"""Fixtures of the whole suite: real PostgreSQL and SQLite catalogs, Dagster instances, a feed
simulator, an S3 server and a webhook receiver on loopback. The helpers they use, and that
tests and benchmarks share, are in ``support/``.

PostgreSQL is the server at ``PROMOSYNC_TEST_PG_URL`` (``support/databases.py``). Every
database the tests use is created there under a random name and dropped at the end. An
unreachable server skips the PostgreSQL tests with a loud reason, except with ``CI=true``,
where it fails them: CI must never pass without them.
"""

from __future__ import annotations

import gc
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import sqlalchemy as sa

from promosync_pipeline import settings
from promosync_pipeline.feedsim import FeedGenerator, FeedServer, FeedSpec
from promosync_pipeline.resources import RESOURCE_VARIABLES
from promosync_pipeline.signals import sigterm_kept
from promosync_pipeline_tests.support import file_order, processes
from promosync_pipeline_tests.support.ci import missing
from promosync_pipeline_tests.support.databases import (
    BACKENDS,
    PG_ADMIN_URL,
    Databases,
    admin_engine,
)
from promosync_pipeline_tests.support.syncs import point_resources_at
from promosync_pipeline_tests.support.webhook import Receiver, webhook_receiver

# The code location binds a resource field to its variable when that variable is set as the
# definitions load (resources.default_resources). Tests set these variables themselves, so none
# may come from the shell that started the suite: a binding from there would outlive a test's
# monkeypatch.delenv and fail its runs.
for _name in RESOURCE_VARIABLES:
    os.environ.pop(_name, None)

DEFAULT_FEED: dict[str, Any] = {
    "seed": 11,
    "suppliers": 2,
    "families": 12,
    "exact": True,
    "image_size": (240, 180),
}
"""The feed simulator's spec unless a ``feed`` marker says otherwise. Small images keep the
image step quick; the image tests ask for larger ones."""

QUEUED_RUNS = {
    "run_coordinator": {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
    }
}
"""Instance setting: submitted runs wait in the queue (no run queue daemon runs in tests)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        file_order.OPTION,
        action="store_true",
        help="after a run that passed, update the seconds of its files in the record that orders "
        "the files (promosync_pipeline_tests/support/file_seconds.json): "
        "scripts/test --record-file-seconds",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (``support/file_order.py``), each file's tests in their own
    order."""
    rank = file_order.longest_first((item.nodeid for item in items), file_order.load())
    items.sort(key=lambda item: rank[file_order.file_of(item.nodeid)])


_file_seconds = file_order.Recorder()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _file_seconds.add(report.nodeid, report.duration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # Under xdist the workers' reports reach the controller too: it alone writes the record,
    # and only after a run that passed (a run cut short would record its files too short).
    recording = session.config.getoption(file_order.OPTION)
    if recording and exitstatus == 0 and not hasattr(session.config, "workerinput"):
        _file_seconds.write()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The collector walks less in each test process: the modules and objects collection loaded are
    frozen out of its reach, and it runs after 10,000 net allocations, not 700.

    The jobs the tests run in this process allocate millions of short-lived objects, and their
    collections, most of them of the oldest generation, took 10-18 % of a worker's CPU
    (``pipeline/test_change_feed.py``: 5.7-7.1 s of its 37-42 s of CPU; 2.1-2.7 s with this).
    """
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.fixture(autouse=True)
def _sigterm_as_found() -> Iterator[None]:
    """Each test leaves SIGTERM as it found it. A job run in this process leaves it mapped to
    SIGINT's handler; in a suite started in the background of a non-interactive shell SIGINT
    is ignored, and every process a later test started would then ignore ``terminate()``
    (``promosync_pipeline/signals.py``)."""
    with sigterm_kept():
        yield


@pytest.fixture(autouse=True)
def _archive_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every sync keeps its raw files in the test's own folder, never in ``.promosync``."""
    monkeypatch.setenv(settings.ARCHIVE_STORE, str(tmp_path / "archive"))


@pytest.fixture(autouse=True)
def _hermetic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the outside environment's supplier filter, webhook or extra hosts."""
    for name in (settings.SUPPLIERS, settings.ALERT_WEBHOOK_URL, settings.ALLOWED_HOSTS):
        monkeypatch.delenv(name, raising=False)


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


# -- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the server's maintenance database (CREATE/DROP DATABASE)."""
    engine = admin_engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        missing("PostgreSQL", f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}".strip())
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_database(pg_admin: sa.Engine) -> Iterator[Callable[[], str]]:
    """Creates uniquely named databases on demand; drops all of them at the end."""
    databases = Databases(pg_admin)
    yield databases.create
    databases.drop_all()


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
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite catalog database URL."""
    return f"sqlite:///{tmp_path / 'catalog.sqlite'}"


# -- the feed and where the resources point ----------------------------------------------------


@pytest.fixture
def feed_spec(request: pytest.FixtureRequest) -> FeedSpec:
    """:data:`DEFAULT_FEED`, with what the closest ``feed`` marker says on top: a module or a
    test chooses its feed with ``pytest.mark.feed(suppliers=1, families=30, seed=5)``."""
    marker = request.node.get_closest_marker("feed")
    if marker is not None and marker.args:
        raise TypeError("pytest.mark.feed takes FeedSpec fields by name only")
    return FeedSpec(**{**DEFAULT_FEED, **(marker.kwargs if marker is not None else {})})


@pytest.fixture
def feed(feed_spec: FeedSpec) -> Iterator[FeedServer]:
    """The feed simulator serving :func:`feed_spec` over HTTP on loopback."""
    with FeedServer(FeedGenerator(feed_spec)) as server:
        yield server


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, catalog_url: str, tmp_path: Path) -> str:
    """The resources point at the simulator, a fresh catalog on each backend and an image
    folder in ``tmp_path / "images"``; returns the catalog URL."""
    return point_resources_at(monkeypatch, feed, catalog_url, tmp_path / "images")


@pytest.fixture
def sqlite_env(
    monkeypatch: pytest.MonkeyPatch, feed: FeedServer, sqlite_url: str, tmp_path: Path
) -> str:
    """The same with an SQLite catalog only, for scenarios whose subject is not the database."""
    return point_resources_at(monkeypatch, feed, sqlite_url, tmp_path / "images")


@pytest.fixture
def pg_env(monkeypatch: pytest.MonkeyPatch, feed: FeedServer, pg_url: str, tmp_path: Path) -> str:
    """The same with a PostgreSQL catalog only."""
    return point_resources_at(monkeypatch, feed, pg_url, tmp_path / "images")


# -- S3 ----------------------------------------------------------------------------------------


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


# -- Dagster instances -------------------------------------------------------------------------


def _dagster_instance(
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
    """A throwaway Dagster instance: each storage of ``BACKENDS`` where a package parametrizes
    it (``automation/conftest.py``), Dagster's in-memory storage otherwise. An event stored in
    SQLite on disk costs 10-12 ms (a connection, a write, an fsync): 4-6 s of a test that syncs
    twice. The CLI, UI and deployment tests run on instances on disk."""
    if not hasattr(request, "param"):
        with dg.DagsterInstance.ephemeral() as inst:
            yield inst
        return
    yield from _dagster_instance(request)


@pytest.fixture
def queued_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """The same with a run queue: the runs a sensor submits stay QUEUED."""
    yield from _dagster_instance(request, QUEUED_RUNS)


# -- alerts ------------------------------------------------------------------------------------


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    """A Slack-like webhook receiver on 127.0.0.1 (``support/webhook.py``)."""
    with webhook_receiver() as receiver:
        yield receiver
