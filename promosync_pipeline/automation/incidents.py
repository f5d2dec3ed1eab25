"""Open incidents, kept in the alert sensor's cursor so each is announced once.

An incident is keyed by what it is about (``stale:A23``, ``check:catalog_products/x:A23``).
A tick computes the incidents that hold now; those not yet announced are opened, announced ones
that no longer hold are recovered. An incident counts as announced only once its message was
delivered, so a webhook that is down gets the message on a later tick, never twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

CURSOR_VERSION = 1


@dataclass(frozen=True)
class Incident:
    key: str
    text: str
    """The alert message."""
    recovery_text: str
    """The message sent when it no longer holds."""


@dataclass
class IncidentBook:
    announced: dict[str, str] = field(default_factory=dict)
    """key -> recovery message of every announced, still open incident."""
    first_seen: dict[str, float] = field(default_factory=dict)
    """Supplier code -> when it was first seen without any sync (grace before 'never synced')."""

    def to_open(self, current: list[Incident]) -> list[Incident]:
        return [i for i in current if i.key not in self.announced]

    def to_recover(self, current: list[Incident]) -> list[tuple[str, str]]:
        holding = {i.key for i in current}
        return sorted((k, text) for k, text in self.announced.items() if k not in holding)

    def opened(self, incident: Incident) -> None:
        self.announced[incident.key] = incident.recovery_text

    def recovered(self, key: str) -> None:
        self.announced.pop(key, None)

    def encode(self) -> str:
        return json.dumps(
            {"v": CURSOR_VERSION, "announced": self.announced, "first_seen": self.first_seen},
            separators=(",", ":"),
            sort_keys=True,
        )

    @classmethod
    def decode(cls, text: str | None) -> IncidentBook:
        if not text:
            return cls()
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict) or data.get("v") != CURSOR_VERSION:
            return cls()
        return cls(
            announced=dict(data.get("announced") or {}),
            first_seen={k: float(v) for k, v in (data.get("first_seen") or {}).items()},
        )


def staleness(
    now: float,
    last_synced: float | None,
    first_seen: float,
    window_s: float,
) -> float | None:
    """Seconds past the window, or None while fresh (or new and still within its grace)."""
    reference = last_synced if last_synced is not None else first_seen
    overdue = now - reference - window_s
    return overdue if overdue > 0 else None
