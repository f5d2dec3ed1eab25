"""``promosync doctor``: is every configured component usable? One line each, never a secret.

Components, in order: the catalog database (reachable, schema at the head revision), the image
store (a probe object written, read back and deleted), the feed (``Import/Import.txt`` of
``PROMIDATA_BASE_URL`` fetched and judged as a run fetches it), and the Dagster instance
(loads, its run storage answers a query).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import sqlalchemy as sa

from promosync_pipeline import settings

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
    )
    from promosync_pipeline.redaction import redact_url
    from promosync_pipeline.resources import CatalogDatabaseResource

    url = normalize_url(CatalogDatabaseResource().resolved_url())
    shown = redact_url(url)
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
    """Import.txt fetched as runs fetch it: the project's client (host policy on every redirect,
    size cap, retries), then the refusal rule runs apply to an empty or cut index."""
    from promosync_pipeline.http import FetchError
    from promosync_pipeline.promidata import parse_index
    from promosync_pipeline.redaction import redact_url
    from promosync_pipeline.resources import PromidataResource
    from promosync_pipeline.sync.kept_index import fetch_index, index_refusal

    if not settings.env(settings.PROMIDATA_BASE_URL):
        raise Unhealthy(f"{settings.PROMIDATA_BASE_URL} is not set")
    promidata = PromidataResource()
    shown = redact_url(promidata.index_url)
    try:
        result = fetch_index(promidata, {})
    except FetchError as exc:
        raise Unhealthy(f"GET {shown} failed: {exc.reason_with_attempts()}") from exc
    if result.status != 200:
        raise Unhealthy(f"GET {shown} answered HTTP {result.status}")
    report = parse_index(result.content)
    if (refusal := index_refusal(report)) is not None:
        raise Unhealthy(f"GET {shown}: index refused: {refusal}")
    suppliers = len(report.by_supplier())
    return (
        f"GET {shown}: HTTP 200, {len(result.content)} bytes, "
        f"{len(report.entries)} product files of {suppliers} suppliers"
    )


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
        with contextlib.suppress(ValueError):
            secrets.append(urlsplit(base).password)
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
