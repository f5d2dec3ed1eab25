"""Which URLs the client may fetch: http(s) only, on allowed hosts."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from promosync_pipeline.redaction import redact_url


class DisallowedURLError(ValueError):
    """A URL with a scheme or host that the configuration does not allow."""


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


class HostPolicy:
    """Allowed origins.

    An entry with a port (``feed.example.com:8443``, or the index origin itself) allows exactly
    that host and port; an entry without one allows the host on any port. Hosts compare
    case-insensitively; only ``http`` and ``https`` are ever allowed.
    """

    def __init__(self, entries: Iterable[str]) -> None:
        self._any_port: set[str] = set()
        self._exact: set[tuple[str, int]] = set()
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            if "://" in entry:
                parts = urlsplit(entry)
                host = parts.hostname or ""
                self._exact.add((host, parts.port or _default_port(parts.scheme)))
            elif entry.startswith("[") or entry.count(":") != 1:
                self._any_port.add(entry.strip("[]"))
            else:
                host, _, port = entry.partition(":")
                self._exact.add((host, int(port)))

    @classmethod
    def for_feed(cls, index_url: str, extra_hosts: str | Iterable[str] = ()) -> HostPolicy:
        """The index origin plus ``PROMOSYNC_ALLOWED_HOSTS`` (comma-separated)."""
        extras = extra_hosts.split(",") if isinstance(extra_hosts, str) else list(extra_hosts)
        return cls([index_url, *extras])

    def check(self, url: str) -> None:
        parts = urlsplit(url)
        shown = redact_url(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise DisallowedURLError(f"scheme {scheme or '(none)'!r} is not allowed: {shown}")
        host = (parts.hostname or "").lower()
        if not host:
            raise DisallowedURLError(f"no host in {shown}")
        try:
            port = parts.port or _default_port(scheme)
        except ValueError:
            raise DisallowedURLError(f"bad port in {shown}") from None
        if host in self._any_port or (host, port) in self._exact:
            return
        raise DisallowedURLError(f"host {host}:{port} is not in the allowed hosts: {shown}")

    def allows(self, url: str) -> bool:
        try:
            self.check(url)
        except DisallowedURLError:
            return False
        return True
