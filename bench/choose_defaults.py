"""Which first-solution strategy and metaheuristic? Measured, not copied.

    .venv/bin/python -m bench.choose_defaults --time-limit 10 --jobs 2

Runs each combination on a mix of Solomon instances (clustered, random, mixed; tight
and wide windows) and prints the mean gap to the distance-only best-known solutions,
plus how many instances were left with unserved customers.
"""
from __future__ import annotations

import argparse
import itertools
from concurrent.futures import ProcessPoolExecutor

from bench._common import SOLOMON_100, distance_only_bks, table
from dispatch.solver.solomon import check_routes, read_instance, solve_solomon

INSTANCES = ["C101", "C201", "R101", "R112", "R201", "RC101", "RC105", "RC208"]
FIRST = ["PARALLEL_CHEAPEST_INSERTION", "LOCAL_CHEAPEST_INSERTION", "PATH_CHEAPEST_ARC", "SAVINGS"]
META = ["GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH"]


def run(args) -> tuple[str, str, str, float | None]:
    name, first, meta, limit = args
    instance = read_instance(SOLOMON_100 / f"{name}.txt")
    answer = solve_solomon(instance, time_limit_s=limit, first_solution=first, metaheuristic=meta)
    valid = not answer.get("unserved") and not check_routes(instance, answer["routes"])
    return name, first, meta, answer["distance"] if valid else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=10)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--first", nargs="*", default=FIRST)
    parser.add_argument("--meta", nargs="*", default=META)
    args = parser.parse_args()
    bks = distance_only_bks()
    combos = [(name, f, m, args.time_limit) for f, m in itertools.product(args.first, args.meta)
              for name in INSTANCES]
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run, combos))
    rows = []
    for f, m in itertools.product(args.first, args.meta):
        gaps = [100 * (d - bks[n]) / bks[n] for n, ff, mm, d in results if ff == f and mm == m and d is not None]
        failed = sum(1 for n, ff, mm, d in results if ff == f and mm == m and d is None)
        rows.append([f, m, sum(gaps) / len(gaps) if gaps else None, max(gaps) if gaps else None, failed])
    rows.sort(key=lambda r: (r[4], r[2] if r[2] is not None else 1e9))
    print(f"{len(INSTANCES)} instances ({', '.join(INSTANCES)}), {args.time_limit:g} s each, one core per run\n")
    print(table(["first solution", "metaheuristic", "mean gap %", "worst gap %", "failed"], rows))


if __name__ == "__main__":
    main()
