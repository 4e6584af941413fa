"""Worker processes for the searches that run side by side: how many, how they are
started, and that none outlives the process that started it."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from dispatch.solver import parallel, routing
from dispatch.solver.parallel import worker_processes
from tests.dispatch.test_regions import line_instance

ROOT = Path(__file__).resolve().parents[2]


def test_a_search_takes_one_worker_per_core_it_may_run_on_up_to_a_limit(monkeypatch):
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert parallel.default_workers() == parallel.MAX_WORKERS
    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert parallel.default_workers() == 1
    with worker_processes(1) as executor:
        assert executor is None


def test_worker_processes_are_started_safely_from_a_process_with_threads():
    # Forking while another thread holds a lock would leave it held in the child: a
    # process with threads gets its workers from the fork server.
    whole = line_instance()
    part, _ = whole.restricted([0, 1], [0, 1, 2, 3])
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with worker_processes(2) as executor:
            assert executor._mp_context.get_start_method() == "forkserver"
            found = executor.submit(routing._search_part, part, [[0, 1], [3, 2]], 0.5, 7).result()
    finally:
        release.set()
        other.join()
    assert found.objective <= found.start_objective
    assert sorted(node for route in found.routes for node in route) == [0, 1, 2, 3]


OWNER = """
import os, time
from dispatch.solver.parallel import worker_processes
with worker_processes(2) as executor:
    pids = set()
    while len(pids) < 2:
        pids |= {future.result() for future in [executor.submit(os.getpid) for _ in range(4)]}
    print(*pids, flush=True)
    time.sleep(120)
"""


def running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_workers_end_when_the_process_that_started_them_is_killed():
    owner = subprocess.Popen([sys.executable, "-c", OWNER], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(workers) == 2 and all(map(running, workers))
    finally:
        owner.kill()   # no shutdown: as an RQ job's process is stopped
        owner.wait()
    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(map(running, workers))
