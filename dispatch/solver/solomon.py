"""Solomon VRPTW instances, solved with the same routing model as field work.

Conventions (`benchmarks/solomon/README.md`): travel time = distance = Euclidean,
unrounded; service must start within [ready, due]; routes start and end at the depot
by its due date; loads within capacity; at most the header's number of vehicles.
The objective is total distance. The model works in integers, so distances are
scaled by `SCALE`; travel times are rounded up, which keeps every route feasible in
real numbers, and the distance reported is recomputed in floating point.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from dispatch.solver.routing import SOLOMON_BANDIT_OPERATORS, SOLOMON_FIRST_SOLUTION, SOLOMON_METAHEURISTIC, \
    RUIN_MARGIN_S, SOLOMON_RUIN_AND_RECREATE, Instance, solve_instance
from dispatch.solver.sectors import SECTOR_CUSTOMERS, first_routes_by_sectors, sweep_sectors

SCALE = 1000
# Above this many customers an instance is searched region by region (`regions.py`),
# as large field-service days are: each descent over the whole instance grows too
# slow for the ruins. At 30 s, on generated instances, the ruins were 0.6–4.2 % longer
# on four of 200 customers, 25 % on 400, and on 1,000 they served 5 customers of
# 1,000 (bench/README.md). The 100-customer instances keep the ruins (0.77 % mean gap).
REGIONS_ABOVE_CUSTOMERS = 150
# Above this many customers the first plan is built sector by sector (`sectors.py`):
# the whole instance's parallel cheapest insertion takes 2.3-6.4 s for 1,000 customers,
# and at 5 s there was no plan. Up to 600 customers it takes at most 1.3 s and builds
# the better start (bench/README.md, nineteenth session).
SECTORS_ABOVE_CUSTOMERS = 600
# An instance's regions are searched for less time than a field-service day's (0.1 s,
# `regions.REGION_TIME_S`), and each region's ruins run to within this margin of its
# end (0.05 s there, `routing.RUIN_MARGIN_S`): more regions, each a descent and a ruin
# or two. On generated instances of 400-1,000 customers (one core, one run each):
# shorter on 6 of 6 at 5 s (by 0.4-4.8 %) and 5 of 6 at 10 s; at 30 s 0.3 % longer
# on one and up to 0.6 % shorter on the others. With the field-service margin, 0.07 s
# regions did as well at 10 s, but 0.05 s ones never got to a ruin (25 % longer
# plans): so the margin shrinks with the regions.
REGION_TIME_S = 0.04
REGION_RUIN_MARGIN_S = 0.01


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: list[Customer]


class SolomonFormatError(ValueError):
    pass


def read_instance(path: str | Path) -> SolomonInstance:
    """Parse a Solomon instance file. Raises SolomonFormatError naming the line."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    lines = [line for line in lines if line]
    try:
        name = lines[0]
        vehicle_row = next(i for i, line in enumerate(lines) if line.upper().startswith("NUMBER")) + 1
        vehicles, capacity = (int(value) for value in lines[vehicle_row].split())
        # "CUSTOMER", then the column titles, then the rows.
        first = next(i for i, line in enumerate(lines) if line.upper().startswith("CUST NO")) + 1
    except (IndexError, StopIteration, ValueError) as error:
        raise SolomonFormatError(f"{path}: not a Solomon instance ({error})") from None
    nodes = []
    for number, line in enumerate(lines[first:], start=first + 1):
        parts = line.split()
        if len(parts) != 7:
            raise SolomonFormatError(f"{path}: line {number}: expected 7 numbers, got {len(parts)}")
        try:
            values = [int(float(part)) for part in parts]
        except ValueError:
            raise SolomonFormatError(f"{path}: line {number}: not a number") from None
        nodes.append(Customer(*values))
    if not nodes:
        raise SolomonFormatError(f"{path}: no depot or customers")
    return SolomonInstance(name=name, vehicles=vehicles, capacity=capacity, depot=nodes[0], customers=nodes[1:])


def euclidean(a: Customer, b: Customer) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def route_distance(instance: SolomonInstance, route: list[int]) -> float:
    """Depot → customers (by number) → depot, in real numbers."""
    by_number = {c.number: c for c in instance.customers}
    stops = [instance.depot, *(by_number[n] for n in route), instance.depot]
    return sum(euclidean(a, b) for a, b in zip(stops, stops[1:]))


def check_routes(instance: SolomonInstance, routes: list[list[int]]) -> list[str]:
    """Every rule of the benchmark, in real numbers; empty when the routes are valid."""
    errors = []
    by_number = {c.number: c for c in instance.customers}
    visited = [n for route in routes for n in route]
    if sorted(visited) != sorted(by_number):
        errors.append("every customer must be visited exactly once")
    if len(routes) > instance.vehicles:
        errors.append(f"{len(routes)} routes, only {instance.vehicles} vehicles")
    for k, route in enumerate(routes):
        load = sum(by_number[n].demand for n in route if n in by_number)
        if load > instance.capacity:
            errors.append(f"route {k}: load {load} over capacity {instance.capacity}")
        now, here = 0.0, instance.depot
        for n in route:
            customer = by_number.get(n)
            if customer is None:
                continue
            now = max(now + euclidean(here, customer), customer.ready)
            if now > customer.due + 1e-9:
                errors.append(f"route {k}: customer {n} served at {now:.2f}, due {customer.due}")
            now += customer.service
            here = customer
        if now + euclidean(here, instance.depot) > instance.depot.due + 1e-9:
            errors.append(f"route {k}: back at the depot after {instance.depot.due}")
    return errors


def solve_solomon(instance: SolomonInstance, *, time_limit_s: float, first_solution: str = SOLOMON_FIRST_SOLUTION,
                  metaheuristic: str = SOLOMON_METAHEURISTIC, bandit_operators: bool = SOLOMON_BANDIT_OPERATORS,
                  ruin_and_recreate: bool = SOLOMON_RUIN_AND_RECREATE) -> dict:
    """Solve one instance and answer in the CLI's line format. An instance of more than
    `REGIONS_ABOVE_CUSTOMERS` customers is searched region by region (with
    `ruin_and_recreate` inside each region, as always there), each region for
    `REGION_TIME_S`; one of more than `SECTORS_ABOVE_CUSTOMERS` starts from a plan
    built sector by sector (`sectors.py`)."""
    started = time.monotonic()
    nodes = [instance.depot, *instance.customers]
    n = len(nodes)
    distance = [[euclidean(a, b) for b in nodes] for a in nodes]
    cost = [[round(d * SCALE) for d in row] for row in distance]
    travel = [[math.ceil(d * SCALE - 1e-6) for d in row] for row in distance]
    vehicles = instance.vehicles
    depot_due = instance.depot.due * SCALE
    # Node 0 is the depot: every vehicle starts and ends there.
    model = Instance(
        service=[c.service * SCALE for c in nodes], windows=[None] + [(c.ready * SCALE, c.due * SCALE)
                                                                    for c in instance.customers],
        cost=cost, travel=travel, starts=[0] * vehicles, ends=[0] * vehicles,
        vehicle_ranges=[(instance.depot.ready * SCALE, depot_due)] * vehicles, horizon=depot_due + 1,
        job_nodes=list(range(1, n)),
        # Visits stay optional behind a penalty far above any route's cost: the search
        # always has a first solution to improve, and dropping a customer never pays.
        penalties=dict.fromkeys(range(1, n), 100 * n * max(max(row) for row in cost) + 1),
        demands=[c.demand for c in nodes], capacities=[instance.capacity] * vehicles)
    regions = len(instance.customers) > REGIONS_ABOVE_CUSTOMERS
    initial_routes = None
    if len(instance.customers) > SECTORS_ABOVE_CUSTOMERS:
        sectors = sweep_sectors((instance.depot.x, instance.depot.y), [(c.x, c.y) for c in instance.customers],
                                SECTOR_CUSTOMERS)
        # Customer k is node k + 1. The sectors may take half the time; they need a
        # fraction of it (0.45 s for 1,000 customers).
        initial_routes = first_routes_by_sectors(
            model, [[k + 1 for k in sector] for sector in sectors], first_solution=first_solution,
            time_limit_s=max(0.5, time_limit_s - (time.monotonic() - started)) / 2)
    result = solve_instance(model, time_limit_s=max(0.5, time_limit_s - (time.monotonic() - started)),
                            first_solution=first_solution, metaheuristic=metaheuristic,
                            bandit_operators=bandit_operators, ruin_and_recreate=ruin_and_recreate and not regions,
                            region_search=regions, initial_routes=initial_routes,
                            region_time_s=REGION_TIME_S if regions else None,
                            ruin_margin_s=REGION_RUIN_MARGIN_S if regions else RUIN_MARGIN_S)
    routes = [[nodes[node].number for node, _ in route.visits] for route in result.routes if route.visits]
    answer = {"instance": instance.name, "vehicles": len(routes),
              "distance": round(sum(route_distance(instance, r) for r in routes), 2),
              "routes": routes, "solve_s": round(time.monotonic() - started, 3)}
    missing = [nodes[node].number for node in result.dropped]
    if missing:
        answer["unserved"] = missing
    return answer
