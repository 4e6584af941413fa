"""How big a day one solve handles: wall time and peak memory of a complete plan.

    .venv/bin/python -m bench.scale --engineers 150 --jobs 2000 --time-limit 55

Target (issue 3): 2,000 jobs × 150 engineers planned in ≤ 60 s and ≤ 2 GB peak
memory. The instance comes from the field-service generator; the plan is verified
by the independent checker.
"""
from __future__ import annotations

import argparse
import resource
import time

from bench.field_service import generate
from dispatch.solver import parse_problem, solve
from dispatch.solver.check import check_plan
from dispatch.solver.parallel import default_workers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engineers", type=int, default=150)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--time-limit", type=float, default=55)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core)")
    args = parser.parse_args()
    workers = default_workers() if args.workers is None else args.workers
    data = generate(args.engineers, args.jobs, seed=args.seed)
    started = time.monotonic()
    progress: list[tuple[float, dict]] = []
    plan = solve(data, time_limit_s=args.time_limit, workers=workers,
                 on_progress=lambda percent, objective: progress.append((time.monotonic() - started, objective)))
    wall = time.monotonic() - started
    errors = check_plan(parse_problem(data), plan)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The largest worker process, once they have all ended.
    worker_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = plan["summary"]
    print(f"{args.jobs} jobs × {args.engineers} engineers, time limit {args.time_limit:g} s")
    print(f"  wall time        {wall:.1f} s (first solution after {progress[0][0]:.1f} s)" if progress
          else f"  wall time        {wall:.1f} s (no solution reported)")
    print(f"  peak memory      {peak_mb:.0f} MB" + (f", and at most {worker_peak_mb:.0f} MB in each of {workers} "
                                                    "worker processes" if workers > 1 else ""))
    print(f"  assigned         {summary['assigned']} (priority served {summary['priority_served']}), "
          f"unassigned {summary['unassigned']}")
    print(f"  travel           {summary['travel_s']} s")
    print(f"  checker          {'ok' if not errors else errors[:3]}")


if __name__ == "__main__":
    main()
