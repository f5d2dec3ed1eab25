"""A Slack-like webhook receiver on 127.0.0.1, for the alert tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    """Records each JSON body it is sent; answers ``status``."""

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


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    """A :class:`Receiver` serving on a free port for the length of the block."""
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
