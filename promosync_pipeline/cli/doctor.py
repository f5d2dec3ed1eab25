"""``promosync doctor``: is every configured component usable? One line each, never a secret.

Components, in order: the catalog database (reachable, schema at the head revision), the image
store (a probe object written, read back and deleted), the feed (``Import/Import.txt`` of
``PROMIDATA_BASE_URL`` answers a GET: only its first bytes are read, since Promidata profiles do
not all answer HEAD), and the Dagster instance (loads, its run storage answers a query).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa

from promosync_pipeline import settings

FEED_TIMEOUT_S = 10.0
DB_CONNECT_TIMEOUT_S = 5
MAX_REASON_CHARS = 300


@dataclass(frozen=True, slots=True)
class Finding:
    component: str
    healthy: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.healthy else 'FAIL'} {self.component}: {self.detail}"


class Unhealthy(Exception):
    """A component answered, but is not fit for use; the message says why."""


def _password(url: str) -> str | None:
    try:
        return sa.make_url(url).password
    except sa.exc.ArgumentError:
        return None


def _scrub(text: str, secrets: list[str | None]) -> str:
    """One line of an error message with any secret replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), "***")
    line = " ".join(text.split())
    return line if len(line) <= MAX_REASON_CHARS else line[: MAX_REASON_CHARS - 1] + "…"


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError: the driver's own message
    message = str(orig if orig is not None else exc).strip() or type(exc).__name__
    return message if isinstance(exc, Unhealthy) else f"{type(exc).__name__}: {message}"


def _with_timeout(url: str) -> str:
    """A PostgreSQL URL that gives up connecting after a few seconds."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        parsed = parsed.update_query_dict({"connect_timeout": str(DB_CONNECT_TIMEOUT_S)})
    return parsed.render_as_string(hide_password=False)


def check_catalog() -> str:
    from promosync_pipeline.catalog import (
        current_revision,
        head_revision,
        make_engine,
        normalize_url,
        redact,
    )
    from promosync_pipeline.resources import CatalogDatabaseResource

    url = normalize_url(CatalogDatabaseResource().resolved_url())
    shown = redact(url)
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database not in ("", ":memory:") and not Path(database).expanduser().exists():
            raise Unhealthy(f"{shown}: the file does not exist (run `promosync db upgrade`)")
    engine = make_engine(_with_timeout(url))
    try:
        current = current_revision(engine)
    except Exception as exc:
        raise Unhealthy(f"{shown}: {_reason(exc)}") from exc
    finally:
        engine.dispose()
    head = head_revision()
    if current is None:
        raise Unhealthy(f"{shown}: no catalog schema (run `promosync db upgrade`)")
    if current != head:
        raise Unhealthy(
            f"{shown}: schema at revision {current}, the code needs {head} "
            "(run `promosync db upgrade`)"
        )
    return f"{shown}, schema at revision {current} (head)"


def check_image_store() -> str:
    from promosync_pipeline.images.stores import open_image_store

    return open_image_store().check()


def check_feed() -> str:
    import httpx

    base = settings.env(settings.PROMIDATA_BASE_URL)
    if not base:
        raise Unhealthy(f"{settings.PROMIDATA_BASE_URL} is not set")
    url = settings.index_url(base)
    shown = _redact_http(url)
    timeout = httpx.Timeout(FEED_TIMEOUT_S)
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise Unhealthy(f"GET {shown} answered HTTP {response.status_code}")
            first = next(response.iter_bytes(), b"")
            size = response.headers.get("content-length")
    except httpx.HTTPError as exc:
        raise Unhealthy(f"GET {shown} failed: {type(exc).__name__}: {exc}") from exc
    if not first.strip():
        raise Unhealthy(f"GET {shown} answered an empty index")
    return f"GET {shown}: HTTP 200" + (f", {size} bytes" if size else "")


def _redact_http(url: str) -> str:
    """An HTTP URL without user info (a profile URL may carry credentials)."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "<invalid URL>"
    return str(parsed.copy_with(username=None, password=None)) if parsed.userinfo else url


def check_dagster() -> str:
    from promosync_pipeline.cli.instance import describe_instance, get_instance

    instance = get_instance()
    try:
        records = instance.get_run_records(limit=1)
        storage = type(instance.run_storage).__name__
        last = (
            f"last run {records[0].dagster_run.job_name} {records[0].dagster_run.status.value}"
            if records
            else "no runs yet"
        )
        return f"{describe_instance()}, {storage}, {last}"
    finally:
        instance.dispose()


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("catalog", check_catalog),
    ("image store", check_image_store),
    ("feed", check_feed),
    ("dagster", check_dagster),
]


def diagnose(checks: list[tuple[str, Callable[[], str]]] | None = None) -> list[Finding]:
    secrets = [
        _password(settings.env(settings.DATABASE_URL)),
        _password(settings.env("DAGSTER_PG_URL")),
        settings.env("AWS_SECRET_ACCESS_KEY"),
        settings.env("AWS_SESSION_TOKEN"),
    ]
    base = settings.env(settings.PROMIDATA_BASE_URL)
    if base:
        try:
            import httpx

            secrets.append(httpx.URL(base).password)
        except Exception:
            pass
    findings = []
    for component, check in checks or CHECKS:
        try:
            findings.append(Finding(component, True, _scrub(check(), secrets)))
        except Exception as exc:
            findings.append(Finding(component, False, _scrub(_reason(exc), secrets)))
    return findings


def run_doctor(out: TextIO | None = None) -> int:
    """Print one line per component; 0 when all are healthy, 1 otherwise."""
    stream = out or sys.stdout
    findings = diagnose()
    for finding in findings:
        print(finding.line(), file=stream, flush=True)
    failed = [f.component for f in findings if not f.healthy]
    if failed:
        print(f"unhealthy: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
