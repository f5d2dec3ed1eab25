"""The one URL redactor: what a URL may show in messages, logs, metadata and alerts."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^/\s]*@")
"""``user:password@`` in a URL's authority (up to its last ``@``: a raw ``@`` may be part of
the password)."""
_SECRET_PARAMETERS = re.compile(
    r"(?i)([?&;](?:password|passwd|pwd|token|secret|key|signature|sig)=)[^&;#\s]*"
)


def redact_url(url: str, *, secret_path: bool = False) -> str:
    """``url`` with its password (``user:***@host``) and secret query values hidden.

    With ``secret_path`` (a webhook URL, whose token is its path) only the origin is shown:
    ``https://hooks.slack.com/…``. Works on text that does not parse as a URL too.
    """
    if secret_path:
        origin = _origin(url)
        if origin is not None:
            return f"{origin}/…"
    return _SECRET_PARAMETERS.sub(r"\1***", _PASSWORD.sub(r"\1***@", url))


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return None
    if not parts.hostname:
        return None
    return f"{parts.scheme or '?'}://{parts.hostname}{port}"
