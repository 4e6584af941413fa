"""Worker processes for the searches that run side by side.

Regions with no engineer and no visit in common (`regions.search_regions`) are
independent problems: with two cores, two are searched at once and twice as many
fit in a time limit (on 60x500 at 10 s: 268 regions instead of 139). A small day's
whole-plan ruins run as independent chains, the best plan kept
(`routing._ruins_side_by_side`). OR-Tools' routing search runs on one thread and
holds the interpreter's lock while it does, so the workers are processes.

Pure: standard library only, like the rest of the solver.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

# More workers than this wait on the one process that hands out the regions.
MAX_WORKERS = 8
# A worker started by the fork server imports this first, once, rather than each
# worker on its first region (OR-Tools takes about 0.2 s to load).
PRELOADED = ["dispatch.solver.routing"]
# How often a worker looks whether the process that started it is still there.
OWNER_CHECK_S = 0.5


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least one."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers() -> int:
    """How many worker processes a search uses when not told: one per core this
    process may run on, up to `MAX_WORKERS`; 1 means no workers (the search runs in
    this process)."""
    return min(MAX_WORKERS, available_cores())


@contextmanager
def worker_processes(count: int) -> Iterator[Executor | None]:
    """`count` worker processes for the duration of the block, or None when `count`
    is below two or this process may not start any (the caller then searches in its
    own process). The block waits for what the workers are doing to end, and then
    they are gone.

    A process with no other thread (the command line, an RQ job) forks its workers,
    which start in milliseconds. A threaded one (a web server, a test run with one)
    cannot fork safely, since a lock another thread holds would stay held in the
    child: its workers come from the fork server instead."""
    if count < 2 or multiprocessing.current_process().daemon:
        # (A daemonic process, such as a multiprocessing.Pool's worker, may not have
        # children of its own.)
        yield None
        return
    if threading.active_count() == 1:
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADED)
    executor = ProcessPoolExecutor(count, mp_context=context, initializer=_exit_with_owner)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _exit_with_owner() -> None:
    """A worker's first act: watch the process that started it, and end when it is
    gone. Killed outright (an RQ job stopped, say), that process never shuts its
    workers down, and they would wait for regions for ever. (A fork server's workers
    watch the fork server, which ends with the process it serves.)"""
    owner = os.getppid()

    def watch() -> None:
        while os.getppid() == owner:
            time.sleep(OWNER_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()
