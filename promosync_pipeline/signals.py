"""Signal handling the process keeps, whatever the libraries it runs do to it."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sigterm_kept() -> Iterator[None]:
    """SIGTERM is handled afterwards as it was before.

    Dagster's in-process execution leaves SIGTERM mapped to SIGINT's handler. Where SIGINT is
    ignored (a command a non-interactive shell started with ``&``, and everything it starts),
    SIGTERM would then be ignored for the rest of the process's life, and by every process it
    starts: an ignored signal is inherited across exec.
    """
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)
