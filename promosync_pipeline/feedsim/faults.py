"""Fault injection for the feed simulator.

A fault rule says what goes wrong, for which requests, and how often. On the command line a rule
is ``KIND[:key=value,key=value…]``, for example::

    429:times=2,retry_after=1        first two requests of every product file get 429
    5xx:rate=0.1,status=503          one request in ten gets 503
    slow:delay=5,target=index        the index answers after 5 s
    hold:delay=25,sku=A23-100004     that file answers once released (FeedServer.release)
    drop:sku=A23-100004              the connection drops mid-body for that file
    truncate:sku=A23-100004+A23-100007
    corrupt_image:rate=0.05
    other_format:format=svg,path=/Images/*/a-1.jpg
    content_type:value=text/html,target=image

Kinds: ``429``, ``5xx``, ``slow``, ``hold`` (like ``slow``, but answered as soon as the
server's :meth:`~promosync_pipeline.feedsim.server.FeedServer.release` is called, ``delay``
at the latest: a test keeps a sync busy exactly as long as it needs), ``drop``, ``truncate``,
``invalid_utf8``, ``404``,
``corrupt_image``, ``huge_image``, ``other_format`` (the image as ``format``: bmp, tiff, svg,
html or empty), ``content_type`` (the same body under the Content-Type ``value``), ``redirect``
(302 to ``location``). Keys: ``target``
(product, image, index, categories, any; the default is product, or image for the image
kinds), ``sku`` (``+``-separated family SKUs),
``path`` (a glob on the request path), ``times`` (the first N matching requests of each path),
``rate`` (a probability, from a seeded RNG), ``status``, ``retry_after``, ``delay`` (seconds),
``location``, ``format``, ``value``, ``keep`` (the share of the body a ``truncate`` or
``drop`` keeps; 0.5 and 1/3 by default).
Hosts that are not allowed are data, not faults: see ``FeedGenerator.point_to_host``.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from promosync_pipeline.feedsim.images import OTHER_FORMATS

KINDS = {
    "429", "5xx", "slow", "hold", "drop", "truncate", "invalid_utf8", "404",
    "corrupt_image", "huge_image", "other_format", "content_type", "redirect",
}  # fmt: skip
IMAGE_KINDS = {"corrupt_image", "huge_image", "other_format", "content_type"}


@dataclass(frozen=True)
class Fault:
    kind: str
    target: str = ""
    skus: frozenset[str] = frozenset()
    path: str = ""
    times: int | None = None
    rate: float | None = None
    status: int = 503
    retry_after: float = 1.0
    delay: float = 2.0
    location: str = ""
    """Where a ``redirect`` points (absolute URL, or a path on the simulator)."""
    format: str = "bmp"
    """What ``other_format`` sends instead of the image."""
    value: str = "text/html"
    """The Content-Type that ``content_type`` sends."""
    keep: float | None = None
    """Share of the body sent by ``truncate`` (default 0.5) and ``drop`` (default 1/3)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.kind == "other_format" and self.format not in OTHER_FORMATS:
            raise ValueError(
                f"unknown format {self.format!r}; expected one of {sorted(OTHER_FORMATS)}"
            )

    @property
    def resolved_target(self) -> str:
        return self.target or ("image" if self.kind in IMAGE_KINDS else "product")

    def matches(self, resource: str, path: str, sku: str | None) -> bool:
        if self.resolved_target not in ("any", resource):
            return False
        if self.skus and sku not in self.skus:
            return False
        return not self.path or fnmatch.fnmatch(path, self.path)


def parse_fault(spec: str) -> Fault:
    kind, _, options = spec.strip().partition(":")
    values: dict[str, object] = {}
    for item in filter(None, (o.strip() for o in options.split(","))):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"fault option {item!r} is not key=value in {spec!r}")
        if key == "sku":
            values["skus"] = frozenset(value.split("+"))
        elif key in ("times", "status"):
            values[key] = int(value)
        elif key in ("rate", "retry_after", "delay", "keep"):
            values[key] = float(value)
        elif key in ("target", "path", "location", "format", "value"):
            values[key] = value
        else:
            raise ValueError(f"unknown fault option {key!r} in {spec!r}")
    return Fault(kind=kind, **values)  # type: ignore[arg-type]


@dataclass
class FaultPlan:
    """The active rules and how often each has fired per path."""

    faults: list[Fault] = field(default_factory=list)
    seed: int = 0
    fired: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._seen: Counter[tuple[int, str]] = Counter()
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def pick(self, resource: str, path: str, sku: str | None) -> Fault | None:
        with self._lock:
            for number, fault in enumerate(self.faults):
                if not fault.matches(resource, path, sku):
                    continue
                self._seen[(number, path)] += 1
                if fault.times is not None and self._seen[(number, path)] > fault.times:
                    continue
                if fault.rate is not None and self._rng.random() >= fault.rate:
                    continue
                self.fired[fault.kind] += 1
                return fault
        return None
