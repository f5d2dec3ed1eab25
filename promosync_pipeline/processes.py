"""Pools of worker processes that never outlive the process that started them.

Used for the CPU-bound work that would otherwise share one GIL with the event loop: fetching
and parsing a large supplier's product files during a sync, rendering images.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends a process when its parent thread exits."""
PARENT_POLL_S = 1.0


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is unknown."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_S)
    os.kill(os.getpid(), signal.SIGKILL)


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: a worker never outlives the process that started it.

    A sync killed with ``kill -9`` cannot shut its pool down, and a worker left alone blocks
    forever writing its result to a pipe nobody reads (and signal handlers inherited through
    fork can keep a polite ``kill`` from ending it). The kernel's parent-death signal
    kills the worker at once; it fires when the *thread* that forked the worker ends, which is
    the thread that submits the pool's first task (:func:`process_pool`, the caller of the
    pool's ``with`` block) and outlives the pool. A thread polling the parent's pid covers
    platforms without ``prctl`` and a parent that died before the signal was armed.
    """
    _set_parent_death_signal()
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()


def worker_count(processes: int | None = None) -> int:
    """``processes``, or one per core."""
    return processes or os.cpu_count() or 1


def process_pool(
    processes: int | None = None,
    setup: Callable[..., None] | None = None,
    setup_args: tuple[Any, ...] = (),
) -> Executor:
    """Worker processes, started now; they die with the process that called this. Each calls
    ``setup(*setup_args)`` first: that is how they inherit shared memory.

    Forked where the platform can (workers never touch a lock or connection inherited from the
    parent: they open their own), spawned elsewhere. Spawning re-runs the
    main module, so where that fails (a script without a ``__main__`` guard, an interpreter
    fed from stdin) a thread pool takes over: slower, but the same results. Create and use the
    pool in one thread: the workers are forked by it.
    """
    count = worker_count(processes)
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(
        count,
        mp_context=context,
        initializer=_start_worker,
        initargs=(os.getpid(), setup, setup_args),
    )
    try:
        for future in [pool.submit(os.getpid) for _ in range(count)]:
            future.result(timeout=60)
    except Exception:
        pool.shutdown(wait=False, cancel_futures=True)
        return ThreadPoolExecutor(
            count, thread_name_prefix="worker", initializer=setup, initargs=setup_args
        )
    return pool


def _start_worker(
    parent_pid: int, setup: Callable[..., None] | None, setup_args: tuple[Any, ...]
) -> None:
    die_with_parent(parent_pid)
    # A forked worker inherits the parent's whole heap (Dagster's included). Its collections
    # would walk those objects again and again and write to their pages (copy-on-write):
    # in a 5,000-file first sync that was a tenth of the workers' time. They stay the parent's.
    gc.freeze()
    if setup is not None:
        setup(*setup_args)
