"""Instances in Solomon's layout larger than the benchmark's 100 customers (like
Gehring & Homberger's 200–1,000), generated here, solved by ours and by VROOM at
equal time on one core each, every plan checked by `solomon.check_routes`.

    .venv/bin/python -m bench.solomon_large --time-limit 30
    .venv/bin/python -m bench.solomon_large --time-limit 10 --customers 600 1000 --no-vroom

Each instance has its depot in the middle of a 500 × 500 square, customers spread
uniformly ("random") or around eight centres ("clustered"), demands 1–40 against a
capacity of 200, service 90, windows of 30–600 that a vehicle can always reach from
the depot and return from by its due date of 1,500, and a fleet of a quarter of the
customers (an upper bound, as in Solomon's files).
"""
from __future__ import annotations

import argparse
import math
import random
import time

from bench._common import table
from bench.solomon import solve_with_vroom
from dispatch.solver.solomon import Customer, SolomonInstance, check_routes, solve_solomon

SIDE = 500
DEPOT_DUE = 1500
SERVICE = 90


def generate(customers: int, seed: int, *, clustered: bool) -> SolomonInstance:
    """A reproducible instance of `customers` customers."""
    rng = random.Random(seed)
    centre = SIDE // 2
    depot = Customer(0, centre, centre, 0, 0, DEPOT_DUE, 0)
    hubs = [(rng.randint(50, SIDE - 50), rng.randint(50, SIDE - 50)) for _ in range(8)]
    rows = []
    for number in range(1, customers + 1):
        if clustered:
            hub_x, hub_y = rng.choice(hubs)
            x = min(SIDE, max(0, round(rng.gauss(hub_x, 20))))
            y = min(SIDE, max(0, round(rng.gauss(hub_y, 20))))
        else:
            x, y = rng.randint(0, SIDE), rng.randint(0, SIDE)
        reach = math.ceil(math.hypot(x - centre, y - centre))
        width = rng.choice([30, 60, 120, 300, 600])
        latest_due = DEPOT_DUE - SERVICE - reach - 1
        ready = rng.randint(reach, max(reach, latest_due - width))
        rows.append(Customer(number, x, y, rng.randint(1, 40), ready, min(ready + width, latest_due), SERVICE))
    kind = "C" if clustered else "R"
    return SolomonInstance(name=f"{kind}{customers}-s{seed}", vehicles=customers // 4, capacity=200, depot=depot,
                           customers=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="*", default=[200, 400, 600, 1000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=30)
    parser.add_argument("--no-vroom", action="store_true")
    args = parser.parse_args()
    rows = []
    for k, count in enumerate(args.customers):
        for clustered in (False, True):
            instance = generate(count, args.seed + k, clustered=clustered)
            started = time.monotonic()
            ours = solve_solomon(instance, time_limit_s=args.time_limit)
            ours_s = time.monotonic() - started
            served = sum(len(route) for route in ours["routes"])
            faults = check_routes(instance, ours["routes"]) if served == count else ["customers left out"]
            row = [instance.name, count, ours["vehicles"], ours["distance"], served, ours_s,
                   "ok" if not faults else faults[0]]
            if not args.no_vroom:
                reference = solve_with_vroom(instance, args.time_limit)
                reference_faults = check_routes(instance, reference["routes"])
                row += [len(reference["routes"]), reference["distance"], reference["solve_s"],
                        "ok" if not reference_faults else reference_faults[0],
                        100.0 * (ours["distance"] - reference["distance"]) / reference["distance"]]
            rows.append(row)
            print(row, flush=True)
    headers = ["instance", "customers", "vehicles", "distance", "served", "time s", "check"]
    if not args.no_vroom:
        headers += ["VROOM vehicles", "VROOM distance", "VROOM s", "VROOM check", "ours vs VROOM %"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
