"""Environment variables of the contract and the embedded defaults.

Read when a run, sensor or command starts, never at import time.
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

STATE_DIR = ".promosync"
DEFAULT_DATABASE_URL = f"sqlite:///{STATE_DIR}/catalog.sqlite"
DEFAULT_IMAGE_STORE = f"{STATE_DIR}/images"


def env(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = (environ if environ is not None else os.environ).get(name, "").strip()
    return value or default


def index_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Import/Import.txt"


def categories_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Import/CAT.csv"


def supplier_filter(environ: Mapping[str, str] | None = None) -> set[str] | None:
    """Codes from ``PROMOSYNC_SUPPLIERS``, or None for every supplier in the index."""
    codes = {c.strip() for c in env(SUPPLIERS, environ=environ).split(",") if c.strip()}
    return codes or None
