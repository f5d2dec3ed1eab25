"""Fixtures of the automation tests: a Dagster instance, the feed simulator as the configured
feed, a SQLite catalog, and a real webhook receiver on loopback."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
import sqlalchemy as sa

INSTANCE_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


QUEUED_RUNS = {
    "run_coordinator": {
        "module": "dagster._core.run_coordinator",
        "class": "QueuedRunCoordinator",
    }
}
"""Instance setting: submitted runs wait in the queue (no run queue daemon runs in tests)."""


def _instance(
    request: pytest.FixtureRequest, overrides: dict | None = None
) -> Iterator[dg.DagsterInstance]:
    overrides = dict(overrides or {})
    if request.param != "sqlite":
        url = sa.make_url(request.getfixturevalue("pg_url")).set(drivername="postgresql+psycopg2")
        overrides["storage"] = {"postgres": {"postgres_url": url.render_as_string(False)}}
    with dg.instance_for_test(overrides=overrides) as inst:
        yield inst


@pytest.fixture(params=INSTANCE_BACKENDS)
def instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """A Dagster instance on SQLite, and one whose run, event and schedule storage is a fresh
    PostgreSQL database (dagster-postgres, as in production)."""
    yield from _instance(request)


@pytest.fixture(params=INSTANCE_BACKENDS)
def queued_instance(request: pytest.FixtureRequest) -> Iterator[dg.DagsterInstance]:
    """The same two instances, with a run queue: the runs a sensor submits stay QUEUED."""
    yield from _instance(request, QUEUED_RUNS)


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
