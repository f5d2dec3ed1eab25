"""What CI requires: under ``CI=true`` a test whose service or tool is missing fails instead of
being skipped; elsewhere it is skipped with a loud reason."""

from __future__ import annotations

import os
import sys
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(what: str, reason: str) -> NoReturn:
    """Fail the test under ``CI=true``, naming ``what`` cannot run and why; else skip it, saying
    so on stderr too."""
    if in_ci():
        pytest.fail(f"CI=true requires {what}: {reason}", pytrace=False)
    print(f"\n*** {what.upper()} NOT TESTED: {reason} ***", file=sys.stderr)
    pytest.skip(f"{what.upper()} NOT TESTED: {reason} (CI=true makes this an error)")
