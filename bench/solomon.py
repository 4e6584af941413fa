"""Solomon VRPTW, 100 customers: Gongdan's solver and VROOM on the same instances, the
same time budget, one core each; gaps to the distance-only best-known solutions.

    .venv/bin/pip install -r bench/requirements.txt        # VROOM, for this benchmark only
    .venv/bin/python -m bench.solomon --time-limit 30       # all 56 instances (about an hour)
    .venv/bin/python -m bench.solomon --time-limit 5 C101 R101
    .venv/bin/python -m bench.solomon --time-limit 30 --bandit-operators              # a rejected variant
    .venv/bin/python -m bench.solomon --time-limit 30 --no-ruin-and-recreate          # tabu + GLS alone

Both solvers see the same integer model: distances ×1000, rounded for the cost and
rounded up for travel times (so a route feasible in the model is feasible in real
numbers). Every route set is then checked and its distance recomputed in real
numbers (`check_routes`, `route_distance`); an invalid answer counts as a failure.
"""
from __future__ import annotations

import argparse
import math
import time
from datetime import timedelta
from statistics import mean

from bench._common import SOLOMON_100, distance_only_bks, table
from dispatch.solver.solomon import SCALE, SolomonInstance, check_routes, euclidean, read_instance, \
    route_distance, solve_solomon


def solve_with_vroom(instance: SolomonInstance, time_limit_s: float) -> dict:
    import vroom  # benchmark-only dependency

    nodes = [instance.depot, *instance.customers]
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=[
        [math.ceil(euclidean(a, b) * SCALE - 1e-6) for b in nodes] for a in nodes])
    problem.set_costs_matrix(profile="car", matrix_input=[
        [round(euclidean(a, b) * SCALE) for b in nodes] for a in nodes])
    window = vroom.TimeWindow(instance.depot.ready * SCALE, instance.depot.due * SCALE)
    problem.add_vehicle([vroom.Vehicle(v, start=0, end=0, capacity=[instance.capacity], time_window=window)
                         for v in range(instance.vehicles)])
    problem.add_job([vroom.Job(c.number, location=k, default_service=c.service * SCALE, delivery=[c.demand],
                               time_windows=[vroom.TimeWindow(c.ready * SCALE, c.due * SCALE)])
                     for k, c in enumerate(instance.customers, start=1)])
    started = time.monotonic()
    solution = problem.solve(exploration_level=5, nb_threads=1, timeout=timedelta(seconds=time_limit_s))
    elapsed = time.monotonic() - started
    steps = solution.routes
    routes = []
    for vehicle_id in sorted(set(steps["vehicle_id"])):
        visits = steps[(steps["vehicle_id"] == vehicle_id) & (steps["type"] == "job")]
        routes.append([int(job_id) for job_id in visits["id"]])
    return {"routes": routes, "solve_s": elapsed,
            "distance": round(sum(route_distance(instance, r) for r in routes), 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("instances", nargs="*", help="names like R101 (default: all 56)")
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--no-vroom", action="store_true")
    parser.add_argument("--bandit-operators", action="store_true",
                        help="a multi-armed bandit orders the local search operators (measured worse overall)")
    parser.add_argument("--no-ruin-and-recreate", action="store_true",
                        help="tabu search then guided local search for the whole time, no ruin-and-recreate")
    args = parser.parse_args()
    names = args.instances or sorted(p.stem for p in SOLOMON_100.glob("*.txt"))
    bks = distance_only_bks()
    rows, ours_gaps, vroom_gaps = [], [], []
    for name in names:
        instance = read_instance(SOLOMON_100 / f"{name}.txt")
        ours = solve_solomon(instance, time_limit_s=args.time_limit, bandit_operators=args.bandit_operators,
                             ruin_and_recreate=not args.no_ruin_and_recreate)
        ours_ok = not ours.get("unserved") and not check_routes(instance, ours["routes"])
        ours_gap = 100 * (ours["distance"] - bks[name]) / bks[name] if ours_ok else None
        row = [name, len(instance.customers), bks[name], ours["distance"] if ours_ok else "invalid",
               ours["vehicles"], ours_gap, ours["solve_s"]]
        if ours_gap is not None:
            ours_gaps.append(ours_gap)
        if not args.no_vroom:
            reference = solve_with_vroom(instance, args.time_limit)
            ref_ok = not check_routes(instance, reference["routes"])
            ref_gap = 100 * (reference["distance"] - bks[name]) / bks[name] if ref_ok else None
            row += [reference["distance"] if ref_ok else "invalid", len(reference["routes"]), ref_gap,
                    reference["solve_s"]]
            if ref_gap is not None:
                vroom_gaps.append(ref_gap)
        rows.append(row)
        print(f"{name}: ours {row[3]} ({_pct(ours_gap)})" +
              ("" if args.no_vroom else f", VROOM {row[7]} ({_pct(row[9])})"), flush=True)
    headers = ["instance", "customers", "BKS", "ours", "veh", "gap %", "time s"]
    if not args.no_vroom:
        headers += ["VROOM", "veh", "gap %", "time s"]
    print()
    print(table(headers, rows))
    print()
    print(f"mean gap, ours:  {mean(ours_gaps):.2f} % over {len(ours_gaps)} valid of {len(names)}")
    if not args.no_vroom:
        print(f"mean gap, VROOM: {mean(vroom_gaps):.2f} % over {len(vroom_gaps)} valid of {len(names)}")
    print(f"time limit {args.time_limit:g} s per instance and solver, one core")


def _pct(value) -> str:
    return "invalid" if value is None else f"{value:+.2f} %"


if __name__ == "__main__":
    main()
