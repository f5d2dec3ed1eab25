"""Environment variables of the contract and the embedded defaults.

Nothing is read when this module is imported. Values are read when a run, a sensor tick or a
command starts; the code location reads the few it needs to define itself (the schedule, the
sensors, the freshness policy, and which resource variables are set) when it loads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

PROMIDATA_BASE_URL = "PROMIDATA_BASE_URL"
DATABASE_URL = "PROMOSYNC_DATABASE_URL"
IMAGE_STORE = "PROMOSYNC_IMAGE_STORE"
SUPPLIERS = "PROMOSYNC_SUPPLIERS"
ALERT_WEBHOOK_URL = "PROMOSYNC_ALERT_WEBHOOK_URL"
ALLOWED_HOSTS = "PROMOSYNC_ALLOWED_HOSTS"
ARCHIVE_STORE = "PROMOSYNC_ARCHIVE_STORE"
ARCHIVE_VERSIONS = "PROMOSYNC_ARCHIVE_VERSIONS"
LEASE_WAIT_SECONDS = "PROMOSYNC_LEASE_WAIT_SECONDS"
LEASE_TTL_SECONDS = "PROMOSYNC_LEASE_TTL_SECONDS"
CHANGES_RETENTION_DAYS = "PROMOSYNC_CHANGES_RETENTION_DAYS"
CHANGES_WEBHOOK_URL = "PROMOSYNC_CHANGES_WEBHOOK_URL"
AWS_ENDPOINT = "AWS_ENDPOINT_URL_S3"
AWS_REGION = "AWS_REGION"
AWS_DEFAULT_REGION = "AWS_DEFAULT_REGION"

STATE_DIR = ".promosync"
DEFAULT_DATABASE_URL = f"sqlite:///{STATE_DIR}/catalog.sqlite"
DEFAULT_IMAGE_STORE = f"{STATE_DIR}/images"
DEFAULT_ARCHIVE_STORE = f"{STATE_DIR}/archive"
DEFAULT_ARCHIVE_VERSIONS = 3


def env(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = (environ if environ is not None else os.environ).get(name, "").strip()
    return value or default


def setting(
    value: str | None, name: str, default: str = "", environ: Mapping[str, str] | None = None
) -> str:
    """A resource field's value: as configured (an ``EnvVar`` resolves to the variable's raw
    text), else the variable ``name``, else ``default``; surrounding blanks removed."""
    return (value or "").strip() or env(name, default, environ)


def index_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Import/Import.txt"


def categories_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Import/CAT.csv"


def supplier_filter(environ: Mapping[str, str] | None = None) -> set[str] | None:
    """Codes from ``PROMOSYNC_SUPPLIERS``, or None for every supplier in the index."""
    codes = {c.strip() for c in env(SUPPLIERS, environ=environ).split(",") if c.strip()}
    return codes or None


# -- automation (sensors, schedule, alerts) ---------------------------------------------------
INDEX_POLL_SECONDS = "PROMOSYNC_INDEX_POLL_SECONDS"
NIGHTLY_CRON = "PROMOSYNC_NIGHTLY_CRON"
RECONCILE_CRON = "PROMOSYNC_RECONCILE_CRON"
TIMEZONE = "PROMOSYNC_TIMEZONE"
FRESHNESS_HOURS = "PROMOSYNC_FRESHNESS_HOURS"
ALERT_POLL_SECONDS = "PROMOSYNC_ALERT_POLL_SECONDS"
UI_URL = "PROMOSYNC_UI_URL"

DEFAULT_INDEX_POLL_SECONDS = 300
DEFAULT_NIGHTLY_CRON = "0 2 * * *"
DEFAULT_RECONCILE_CRON = "0 4 * * 0"
DEFAULT_TIMEZONE = "UTC"
DEFAULT_FRESHNESS_HOURS = 26.0
DEFAULT_ALERT_POLL_SECONDS = 120
DEFAULT_UI_URL = "http://localhost:3000"


def env_number(
    name: str, default: float, minimum: float, environ: Mapping[str, str] | None = None
) -> float:
    """A numeric variable; a value that is not a number or is below ``minimum`` is an error."""
    raw = env(name, environ=environ)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} is below the minimum of {minimum:g}")
    return value
