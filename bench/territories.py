"""A very large day (20,000 jobs × 1,000 engineers) split into territories and solved
by RQ workers in parallel, then merged and repaired at the borders.

    REDIS_URL=redis://127.0.0.1:56379/9 .venv/bin/python -m bench.territories --workers 1 2

Starts the given numbers of `rq worker --burst` processes on a queue of its own,
reports wall time per worker count (how it scales), and checks the merged plan.
Needs a Redis server (`make run` starts one; its URL is printed by
`scripts/services.sh up dev`).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from redis import Redis
from rq import Queue

from bench._common import ROOT, table
from bench.field_service import generate
from dispatch import territories
from dispatch.solver import parse_problem
from dispatch.solver.check import check_plan

QUEUE = "gongdan-bench-territories"


def run(data: dict, redis_url: str, workers: int, part_time_s: float, repair_s: float) -> tuple[dict, float]:
    queue = Queue(QUEUE, connection=Redis.from_url(redis_url))
    queue.empty()
    started = time.monotonic()
    jobs = territories.enqueue_parts(queue, data, part_time_s=part_time_s)
    rq = os.path.join(os.path.dirname(sys.executable), "rq")
    processes = [subprocess.Popen([rq, "worker", "--burst", "--url", redis_url, "--path", str(ROOT), QUEUE],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
    try:
        while (plans := territories.finished_plans(jobs)) is None:
            time.sleep(0.5)
    finally:
        for process in processes:
            process.wait(timeout=60)
    plan = territories.combine(data, plans, repair_s=repair_s)
    return plan, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engineers", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--part-time", type=float, default=5)
    parser.add_argument("--repair-time", type=float, default=30)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:56379/9")
    data = generate(args.engineers, args.jobs, seed=args.seed)
    problem = parse_problem(data)
    rows = []
    for workers in args.workers:
        plan, wall = run(data, redis_url, workers, args.part_time, args.repair_time)
        errors = check_plan(problem, plan)
        summary = plan["summary"]
        rows.append([workers, territories.part_count(data), round(wall, 1), summary["assigned"],
                     summary["priority_served"], summary["travel_s"], "ok" if not errors else errors[:2]])
        print(f"{workers} worker(s): {wall:.1f} s", flush=True)
    print()
    print(table(["workers", "parts", "wall s", "assigned", "priority served", "travel s", "check"], rows))
    print(f"\n{args.jobs} jobs × {args.engineers} engineers; {args.part_time:g} s per part, "
          f"{args.repair_time:g} s of border repair; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
