"""A large depot instance's first plan, built sector by sector around the depot.

OR-Tools' cheapest-insertion first solutions grow much faster than linearly with the
customers and vehicles: on generated Solomon-layout instances parallel cheapest
insertion took 0.02 s for 200 customers, about 1 s for 600 and 2.3–6.4 s for 1,000
with 250 vehicles, so with a 5 s limit a 1,000-customer instance got no plan at all.
Cut into sectors of the plane around the depot (a sweep), each of about
`SECTOR_CUSTOMERS` customers with its share of the fleet, the same construction takes
hundredths of a second per sector; the region search (`regions.py`) then works across
the sectors' borders as it does everywhere else.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence

from dispatch.solver.instance import Instance
from dispatch.solver.routing import first_solution_routes

SECTOR_CUSTOMERS = 350


def sweep_sectors(depot: tuple[float, float], points: Sequence[tuple[float, float]], size: int) -> list[list[int]]:
    """The indices of `points` cut into `ceil(len / size)` sectors of consecutive angle
    around `depot`, as even in count as can be. The sweep starts across the widest
    empty angle, so a sector does not cut through a cluster that straddles where the
    angle wraps round."""
    if not points:
        return []
    angle = [math.atan2(y - depot[1], x - depot[0]) for x, y in points]
    order = sorted(range(len(points)), key=lambda k: angle[k])
    gaps = [(angle[order[(k + 1) % len(order)]] - angle[order[k]]) % (2 * math.pi) for k in range(len(order))]
    widest = max(range(len(gaps)), key=lambda k: gaps[k]) if len(order) > 1 else -1
    order = order[widest + 1:] + order[:widest + 1]
    count = math.ceil(len(order) / size)
    return [order[len(order) * k // count:len(order) * (k + 1) // count] for k in range(count)]


def fleet_shares(vehicles: int, sizes: Sequence[int]) -> list[int]:
    """`vehicles` shared out in proportion to `sizes` (largest remainders first); the
    shares add up to `vehicles`."""
    total = sum(sizes)
    if total == 0:
        return [vehicles] + [0] * (len(sizes) - 1) if sizes else []
    exact = [vehicles * size / total for size in sizes]
    shares = [math.floor(x) for x in exact]
    for k in sorted(range(len(sizes)), key=lambda k: exact[k] - shares[k], reverse=True)[:vehicles - sum(shares)]:
        shares[k] += 1
    return shares


def first_routes_by_sectors(instance: Instance, sectors: Sequence[Sequence[int]], *, first_solution: str,
                            time_limit_s: float) -> list[list[int]]:
    """A first plan of `instance` (job nodes per vehicle): each of `sectors` (job nodes)
    built on its own with `first_solution` and its share of the vehicles, taken in
    index order. Only for interchangeable vehicles (one depot, one kind): which
    vehicle drives a sector must not matter. A visit its sector could not place, or
    every visit of a sector whose construction ran out of `time_limit_s`, is left
    unserved for the search to place."""
    started = time.monotonic()
    routes: list[list[int]] = [[] for _ in instance.starts]
    shares = fleet_shares(len(instance.starts), [len(sector) for sector in sectors])
    first_vehicle = 0
    for k, (sector, share) in enumerate(zip(sectors, shares)):
        vehicles = list(range(first_vehicle, first_vehicle + share))
        first_vehicle += share
        if not sector or not vehicles:
            continue
        part, nodes = instance.restricted(vehicles, sector)
        # What is left of the time, shared by the sectors still to build.
        seconds = (time_limit_s - (time.monotonic() - started)) / (len(sectors) - k)
        built = first_solution_routes(part, first_solution=first_solution, time_limit_s=seconds)
        if built is None:
            continue
        for vehicle, route in zip(vehicles, built):
            routes[vehicle] = [nodes[node] for node in route]
    return routes
