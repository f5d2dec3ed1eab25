"""The feed simulator's HTTP/1.1 server: asyncio, keep-alive, cached bytes, fault injection.

A threaded stdlib server tops out near 500 files/s on two cores; this one serves thousands, so
it is not the bottleneck of a benchmark.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from types import TracebackType
from urllib.parse import unquote, urlsplit

from promosync_pipeline.feedsim.faults import Fault, FaultPlan
from promosync_pipeline.feedsim.generator import FeedGenerator
from promosync_pipeline.feedsim.images import bomb_png, corrupt, other_format, render_image

PROFILE = "/Profiles/Live/5f2c1a40-7d1e-4c55-9e53-0d3b2a9c8e11"
REASONS = {
    200: "OK", 302: "Found", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
}  # fmt: skip


@dataclass
class ServerStats:
    requests: Counter[str] = field(default_factory=Counter)
    """Requests per resource kind: index, categories, product, image, other."""
    paths: Counter[str] = field(default_factory=Counter)
    bytes_sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    log: deque[tuple[float, str, int]] = field(default_factory=lambda: deque(maxlen=100_000))
    """``(time.monotonic(), path, status)`` of the latest requests, when each was answered."""

    def product_downloads(self) -> int:
        return sum(n for p, n in self.paths.items() if p.startswith("/Products/"))

    def reset(self) -> None:
        self.requests.clear()
        self.paths.clear()
        self.statuses.clear()
        self.log.clear()
        self.bytes_sent = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": dict(self.requests),
            "bytes_sent": self.bytes_sent,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "product_downloads": self.product_downloads(),
        }


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)


class FeedServer:
    """Serve a :class:`FeedGenerator` on loopback from a background thread.

    ``with FeedServer(generator) as server: server.base_url`` is the Promidata profile URL.
    """

    def __init__(
        self,
        generator: FeedGenerator,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: list[Fault] | None = None,
    ) -> None:
        self.generator = generator
        self.host = host
        self.port = port
        self.plan = FaultPlan(list(faults or []))
        self.stats = ServerStats()
        self._images: dict[str, tuple[bytes, str]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._released = threading.Event()

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}{PROFILE}"

    @property
    def index_url(self) -> str:
        return f"{self.base_url}/Import/Import.txt"

    def set_faults(self, faults: list[Fault]) -> None:
        self.plan = FaultPlan(list(faults))
        self._released.clear()

    def release(self) -> None:
        """Answer the requests a ``hold`` fault keeps waiting, and the later ones at once."""
        self._released.set()

    async def start_async(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self.generator.image_base = f"{self.origin}/Images"

    def start(self) -> FeedServer:
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._loop.run_until_complete(self.start_async())
            self._started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="feedsim", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("feed simulator did not start")
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None:
            return

        async def close() -> None:
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(10)
        self._loop = self._server = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- routing ---------------------------------------------------------------------------------
    def _route(self, path: str, headers: dict[str, str]) -> tuple[str, str | None, _Response]:
        """(resource kind, family SKU, response) for a request path."""
        g = self.generator
        if path == f"{PROFILE}/Import/Import.txt":
            body = g.index_override
            if body is None:
                body = g.index_bytes(f"{self.origin}/Products", f"{self.base_url}/Import/CAT.csv")
            return "index", None, self._conditional(body, headers, "text/plain; charset=utf-8")
        if path == f"{PROFILE}/Import/CAT.csv":
            return "categories", None, _Response(200, g.categories_csv(), "text/csv; charset=utf-8")
        if path == "/_feedsim/change":
            count = int(headers.get("x-count", "1"))
            changed = g.change_families(count)
            return "other", None, _Response(200, json.dumps(changed).encode(), "application/json")
        if path == "/_feedsim/stats":
            body = json.dumps(self.stats.as_dict()).encode()
            return "other", None, _Response(200, body, "application/json")
        extra = g.extra_file_path(path)
        if extra is not None:
            body, content_type = g.product_bytes(extra), g.product_content_type(extra)
            return "product", extra, _Response(200, body, content_type)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 3 and parts[0] == "Products" and parts[2].endswith(".json"):
            sku = parts[2][: -len(".json")]
            try:
                body = g.product_bytes(sku)
                return "product", sku, _Response(200, body, g.product_content_type(sku))
            except KeyError:
                return "product", sku, _Response(404, b"no such product file")
        if len(parts) == 3 and parts[0] == "Images":
            name = parts[2]
            if name not in self._images:
                self._images[name] = render_image(name, g.spec.image_size)
            body, content_type = self._images[name]
            return "image", None, _Response(200, body, content_type)
        return "other", None, _Response(404, b"not found")

    def _conditional(self, body: bytes, headers: dict[str, str], content_type: str) -> _Response:
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
        modified = int(self.generator.modified_at)
        validators = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
        if headers.get("if-none-match") == etag:
            return _Response(304, headers=validators)
        since = headers.get("if-modified-since")
        if since and "if-none-match" not in headers:
            try:
                if parsedate_to_datetime(since).timestamp() >= modified:
                    return _Response(304, headers=validators)
            except (TypeError, ValueError):
                pass
        return _Response(200, body, content_type, validators)

    # -- the wire --------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                method, target, _ = request_line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    key, _, value = line.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                path = unquote(urlsplit(target).path)
                keep_open = await self._respond(writer, method, path, headers)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, ValueError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # stop() cancels open connections. Ending the task normally keeps the done-callback
            # of asyncio.streams from logging a CancelledError traceback for each of them.
            pass
        finally:
            writer.close()

    async def _respond(
        self, writer: asyncio.StreamWriter, method: str, path: str, headers: dict[str, str]
    ) -> bool:
        kind, sku, response = await asyncio.to_thread(self._route, path, headers)
        self.stats.requests[kind] += 1
        self.stats.paths[path] += 1
        fault = self.plan.pick(kind, path, sku) if response.status == 200 else None
        cut_at: int | None = None
        if fault is not None:
            response, cut_at = await self._apply(fault, response)
        head = [f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Error')}"]
        head += [f"Content-Type: {response.content_type}", f"Content-Length: {len(response.body)}"]
        head += [f"{k}: {v}" for k, v in response.headers.items()]
        # Counted before a byte is written: a client that has its answer finds it counted.
        self.stats.statuses[response.status] += 1
        self.stats.log.append((time.monotonic(), path, response.status))
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        body = response.body if method != "HEAD" else b""
        if cut_at is not None:
            writer.write(body[:cut_at])
            await writer.drain()
            return False
        self.stats.bytes_sent += len(body)
        writer.write(body)
        await writer.drain()
        return True

    async def _apply(self, fault: Fault, response: _Response) -> tuple[_Response, int | None]:
        body = response.body
        if fault.kind == "429":
            retry = {"Retry-After": f"{fault.retry_after:g}"}
            return _Response(429, b"slow down", "text/plain", retry), None
        if fault.kind == "5xx":
            return _Response(fault.status, b"server error", "text/plain"), None
        if fault.kind == "404":
            return _Response(404, b"not found", "text/plain"), None
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return response, None
        if fault.kind == "hold":
            deadline = time.monotonic() + fault.delay
            while not self._released.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            return response, None
        if fault.kind == "drop":
            cut = len(body) // 3 if fault.keep is None else int(len(body) * fault.keep)
            return response, cut
        if fault.kind == "truncate":
            cut = len(body) // 2 if fault.keep is None else int(len(body) * fault.keep)
            return _Response(200, body[:cut], response.content_type), None
        if fault.kind == "invalid_utf8":
            marker = body.find(b'"Name":"')
            at = marker + len(b'"Name":"') if marker >= 0 else len(body) // 2
            return _Response(200, body[:at] + b"\xff\xfe" + body[at:], response.content_type), None
        if fault.kind == "corrupt_image":
            return _Response(200, corrupt(body), response.content_type), None
        if fault.kind == "redirect":
            return _Response(302, b"", "text/plain", {"Location": fault.location}), None
        if fault.kind == "huge_image":
            return _Response(200, bomb_png(), "image/png"), None
        if fault.kind == "other_format":
            return _Response(200, *other_format(body, fault.format)), None
        if fault.kind == "content_type":
            return _Response(200, body, fault.value, response.headers), None
        raise AssertionError(fault.kind)


def serve_forever(generator: FeedGenerator, host: str, port: int, faults: list[Fault]) -> None:
    """Blocking: serve until interrupted (the ``promosync feed serve`` command)."""
    server = FeedServer(generator, host, port, faults)

    async def main() -> None:
        await server.start_async()
        print(f"serving a Promidata feed at {server.base_url}", flush=True)
        print(f"index: {server.index_url}", flush=True)
        assert server._server is not None
        async with server._server:
            await server._server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
