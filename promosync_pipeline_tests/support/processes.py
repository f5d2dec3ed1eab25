"""Processes seen through /proc (Linux): a process's descendants, and whether they still run.

A process is named by its pid and its start time, so a pid reused by the system is not taken
for the process that had it before. A zombie has ended: it only waits to be reaped.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    start: int
    """Start time in clock ticks after boot (field 22 of /proc/<pid>/stat)."""
    command: str


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of ``pid``, or None once it is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def _command(pid: int) -> str:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip() or "?"


def descendants(root: int) -> list[Proc]:
    """Every running process below ``root`` (children, their children …)."""
    parents: dict[int, list[tuple[int, int]]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None and stat[1] != "Z":
            parents.setdefault(stat[0], []).append((int(entry.name), stat[2]))
    found: list[Proc] = []
    todo = [root]
    while todo:
        for pid, start in parents.get(todo.pop(), []):
            found.append(Proc(pid, start, _command(pid)))
            todo.append(pid)
    return found


def running(proc: Proc) -> bool:
    stat = _stat(proc.pid)
    return stat is not None and stat[1] != "Z" and stat[2] == proc.start


def still_running(procs: Iterable[Proc], within_s: float) -> list[Proc]:
    """Those of ``procs`` that still run after waiting up to ``within_s`` for all to end."""
    left = list(procs)
    deadline = time.monotonic() + within_s
    while True:
        left = [p for p in left if running(p)]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


def describe(procs: Iterable[Proc]) -> str:
    return "; ".join(f"pid {p.pid}: {p.command[:160]}" for p in procs)


PR_SET_CHILD_SUBREAPER = 36


def adopt_orphans() -> bool:
    """Make this process the subreaper of its descendants (Linux ``prctl``): an orphan whose
    parent died is then re-parented here instead of to init, so it can still be found."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
