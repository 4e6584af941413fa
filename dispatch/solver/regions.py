"""Large neighbourhood search by regions: a few neighbouring routes of a plan that can
trade visits, and the unserved visits near them, searched again as a problem of their
own.

A search over the whole of a large day spends most of its time on moves far from
where a better plan would come from, and each rebuild of a ruined plan (`ruin.py`)
walks all of it again: on 350 jobs a greedy descent takes seconds. A region of four
to six routes is a problem of a few dozen visits, searched (by ruin-and-recreate of
its own) in a tenth of a second, so hundreds of regions fit in the time; the part
keeps every rule, cost and penalty of the whole (`Instance.restricted`), so what it
gains the whole plan gains.

Regions with no engineer and no visit in common do not depend on each other, so with
worker processes (`parallel.py`) several are out for search at once, one per core.

Pure: the search of a part is the caller's (`routing.solve_instance`), passed in.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from typing import Any

from dispatch.solver.instance import Instance

ROUTES_PER_REGION = (4, 6)   # how many routes a region takes, drawn uniformly
UNSERVED_PER_REGION = 20     # unserved visits offered to a region
# ... chosen among this many nearest the seed, those that bring the most drop penalty
# per second of the day they take (service and SERVICE_OFFSET_S of driving) first: a
# plan serves more priority in a day of fixed length with short visits than with long
# ones of the same weight.
UNSERVED_NEARBY = 40
SERVICE_OFFSET_S = 900
REGION_TIME_S = 0.1          # the search of one region
# Half the regions grow around an unserved visit, drawn by its drop penalty (the most
# important first): that is where more priority can be served. The others grow around
# any visit, served or not.
UNSERVED_SEED_SHARE = 0.5
# A region's routes are those nearest its seed that can trade with it (an engineer of
# the region may do one of the route's visits, or the route's engineer the seed), so
# that its search can move visits between them and not only reorder each: with
# skills, the route that passes nearest is often one nobody in the region could take
# a visit from. Routes further than this many visits from the seed are not looked at
# for trading; what is still missing then is filled with the nearest routes.
TRADING_LOOKAHEAD = 60


@dataclass
class PartResult:
    """What the search of a part found: its routes (lists of the part's nodes, per
    vehicle), the objective of those and of the routes it started from, and, per
    vehicle, the searcher's timing of its route (in the part's nodes)."""
    routes: list[list[int]]
    objective: int
    start_objective: int
    schedules: list[Any] = field(default_factory=list)


@dataclass
class RegionPlan:
    """The plan after the regions: routes (job nodes per vehicle), its objective, and
    for each vehicle a region changed, the part's timing of its route with the part's
    nodes (`nodes[k]` is the whole's node of the part's node k)."""
    routes: list[list[int]]
    objective: int
    schedules: dict[int, tuple[list[int], Any]]


# (part, its routes, seconds, seed): module-level when regions go to worker processes.
PartSearch = Callable[[Instance, list[list[int]], float, int], PartResult | None]


@dataclass
class RegionStats:
    """How many regions were searched, how many of those gave a better plan, and the
    most that were out for search at once."""
    searched: int = 0
    improved: int = 0
    most_at_once: int = 0


@dataclass
class _Region:
    """A region out for search: its vehicles, and the whole's node of each of its
    part's nodes."""
    vehicles: list[int]
    nodes: list[int]


def search_regions(instance: Instance, routes: Sequence[Sequence[int]], *, search_part: PartSearch, deadline: float,
                   rng: random.Random, objective: int = 0, on_objective: Callable[[int], None] | None = None,
                   stats: RegionStats | None = None, idle_engineers_join: bool = False,
                   executor: Executor | None = None, at_once: int = 1,
                   region_time_s: float | None = None) -> RegionPlan:
    """Improve the plan `routes` (the job nodes each vehicle visits, in order) region
    by region until `deadline` (time.monotonic()). A region's new routes replace its
    old ones whenever its objective is no worse: equal plans are taken too, so the
    search drifts across plateaus instead of trying the same region again.

    `objective` is the plan's; after each improvement `on_objective` hears the new
    one (the old less what the region gained). With `idle_engineers_join`, each
    region also takes an engineer without visits (`choose_region`).

    With an `executor` (worker processes, `parallel.py`), `at_once` regions are out
    at a time, none with an engineer or a visit another has: each comes back with
    routes nothing else touched meanwhile, so it replaces them as if it had been
    searched alone. Without one, `search_part` runs here, one region after another.
    Each region is searched for `region_time_s` (default `REGION_TIME_S`)."""
    routes = [list(route) for route in routes]
    region_time_s = REGION_TIME_S if region_time_s is None else region_time_s
    schedules: dict[int, tuple[list[int], Any]] = {}
    neighbours = nearest_visits(instance)
    stats = stats if stats is not None else RegionStats()
    if executor is None:
        at_once = 1
    out: dict[Future, _Region] = {}
    busy_vehicles: set[int] = set()
    busy_jobs: set[int] = set()
    while True:
        while len(out) < at_once and (left := deadline - time.monotonic()) > 0.05:
            drawn = _draw_region(instance, routes, neighbours, rng, idle_engineers_join, busy_vehicles, busy_jobs)
            if drawn is None:
                break
            vehicles, jobs = drawn
            part, nodes = instance.restricted(vehicles, jobs)
            number = {node: k for k, node in enumerate(nodes)}
            arguments = (part, [[number[node] for node in routes[v]] for v in vehicles], min(region_time_s, left),
                         rng.randrange(1 << 30))
            if executor is None:
                future = _done(search_part, *arguments)
            else:
                future = executor.submit(search_part, *arguments)
            out[future] = _Region(vehicles=vehicles, nodes=nodes)
            busy_vehicles.update(vehicles)
            busy_jobs.update(jobs)
            stats.most_at_once = max(stats.most_at_once, len(out))
        if not out:
            break
        finished, _ = wait(out, return_when=FIRST_COMPLETED)
        for future in finished:
            region = out.pop(future)
            busy_vehicles.difference_update(region.vehicles)
            busy_jobs.difference_update(region.nodes)
            found = future.result()
            stats.searched += 1
            if found is None or found.objective > found.start_objective:
                continue
            for k, v in enumerate(region.vehicles):
                routes[v] = [region.nodes[node] for node in found.routes[k]]
                if found.schedules:
                    schedules[v] = (region.nodes, found.schedules[k])
            if found.objective < found.start_objective:
                stats.improved += 1
                objective -= found.start_objective - found.objective
                if on_objective is not None:
                    on_objective(objective)
    return RegionPlan(routes=routes, objective=objective, schedules=schedules)


# How often a region is drawn again when it shares an engineer with one that is out.
REDRAWS = 10


def _draw_region(instance: Instance, routes: Sequence[Sequence[int]], neighbours: dict[int, list[int]],
                 rng: random.Random, idle_engineers_join: bool, busy_vehicles: set[int],
                 busy_jobs: set[int]) -> tuple[list[int], list[int]] | None:
    """A region (`choose_region`) with no vehicle in `busy_vehicles`, less the
    unserved visits in `busy_jobs` (offered to a region that is out); None when there
    is no region to search, or none apart from the busy ones after `REDRAWS` draws."""
    for _ in range(REDRAWS):
        vehicles, jobs = choose_region(instance, routes, neighbours, rng, idle_engineer_joins=idle_engineers_join)
        if not vehicles:
            return None
        if busy_vehicles.isdisjoint(vehicles):
            return vehicles, [node for node in jobs if node not in busy_jobs]
    return None


def _done(function: Callable[..., Any], *arguments: Any) -> Future:
    """`function(*arguments)` run now, as a finished future."""
    future: Future = Future()
    try:
        future.set_result(function(*arguments))
    except BaseException as error:  # handed over to future.result(), as an executor would
        future.set_exception(error)
    return future


def nearest_visits(instance: Instance) -> dict[int, list[int]]:
    """For each visit, the other visits by increasing arc cost from it (ties in node
    order): what `choose_region` takes as `neighbours`."""
    return {node: sorted((other for other in instance.job_nodes if other != node),
                         key=lambda other: (instance.cost[node][other], other))
            for node in instance.job_nodes}


def choose_region(instance: Instance, routes: Sequence[Sequence[int]], neighbours: dict[int, list[int]],
                  rng: random.Random, *, idle_engineer_joins: bool = False) -> tuple[list[int], list[int]]:
    """A region around a random visit (an unserved one, by drop penalty, for
    `UNSERVED_SEED_SHARE` of the regions): the routes of the visits nearest to it
    that can trade visits with the region, then, if too few can, the nearest others
    (`ROUTES_PER_REGION` in all; for an unserved visit only some vehicles may serve,
    the nearest of those first, then half the routes nearest to a visit of that
    vehicle's, traders first again), and, of the unserved visits nearest to it that
    one of those routes' vehicles may serve, the seed and those worth most per second
    they take. With `idle_engineer_joins`, the vehicle without visits whose start is
    nearest the first visit of the region's first route, among those who may do it,
    comes last: it could take that route over. Answers (vehicles, job nodes: the
    routes' visits, then the unserved ones, nearest first)."""
    route_of = {node: v for v, route in enumerate(routes) for node in route}
    if not route_of:
        return [], []
    unserved_anywhere = [node for node in instance.job_nodes if node not in route_of]
    if unserved_anywhere and instance.penalties is not None and rng.random() < UNSERVED_SEED_SHARE:
        seed = rng.choices(unserved_anywhere, weights=[instance.penalties[node] for node in unserved_anywhere])[0]
    else:
        seed = rng.choice(instance.job_nodes)
    wanted = rng.randint(*ROUTES_PER_REGION)
    vehicles: list[int] = []
    if seed not in route_of and seed in instance.allowed:
        # An unserved visit few engineers may do (a skill, a pin) is no use to a region
        # of routes none of them drives: the nearest of its own engineers comes first.
        able = _nearest_able_vehicle(instance, routes, seed)
        if able is not None:
            vehicles.append(able)
            if routes[able]:
                # To take the visit on, that engineer must hand part of the day over to
                # others, who work near that route rather than near the visit: half the
                # region's routes are those nearest one of the engineer's visits.
                anchor = rng.choice(routes[able])
                _add_trading_routes_near(instance, anchor, neighbours, route_of, vehicles, 1 + (wanted - 1) // 2)
                _add_routes_near(anchor, neighbours, route_of, vehicles, 1 + (wanted - 1) // 2)
    _add_trading_routes_near(instance, seed, neighbours, route_of, vehicles, wanted)
    _add_routes_near(seed, neighbours, route_of, vehicles, wanted)
    nearby = [node for node in (seed, *neighbours[seed])
              if node not in route_of and any(instance.may_serve(v, node) for v in vehicles)][:UNSERVED_NEARBY]
    if instance.penalties is not None and len(nearby) > UNSERVED_PER_REGION:
        worth = {node: instance.penalties[node] / (instance.service[node] + SERVICE_OFFSET_S) for node in nearby}
        offered = set(sorted(nearby, key=lambda node: (node != seed, -worth[node]))[:UNSERVED_PER_REGION])
        nearby = [node for node in nearby if node in offered]
    jobs = [node for v in vehicles for node in routes[v]] + nearby[:UNSERVED_PER_REGION]
    first_visit = next((routes[v][0] for v in vehicles if routes[v]), None)
    if idle_engineer_joins and first_visit is not None:
        idle = _nearest_idle_vehicle(instance, routes, first_visit, exclude=vehicles)
        if idle is not None:
            vehicles.append(idle)
    return vehicles, jobs


def _add_routes_near(node: int, neighbours: dict[int, list[int]], route_of: dict[int, int], vehicles: list[int],
                     wanted: int, *, may_join: Callable[[int, int], bool] | None = None,
                     lookahead: int | None = None) -> None:
    """Add to `vehicles` the vehicles of the visits nearest `node` (itself first),
    until there are `wanted`. With `may_join(vehicle, visit)`, a vehicle brought in by
    that visit of its route joins only if allowed (the first always joins), and no
    more than `lookahead` visits past `node` are looked at."""
    for other in (node, *neighbours[node][:lookahead]):
        if len(vehicles) >= wanted:
            return
        vehicle = route_of.get(other)
        if vehicle is not None and vehicle not in vehicles and (
                may_join is None or not vehicles or may_join(vehicle, other)):
            vehicles.append(vehicle)


def _add_trading_routes_near(instance: Instance, node: int, neighbours: dict[int, list[int]],
                             route_of: dict[int, int], vehicles: list[int], wanted: int) -> None:
    """`_add_routes_near` for routes that can trade with the region (see
    `TRADING_LOOKAHEAD`): a vehicle already in the region may take the visit that
    brings the route in, or the route's vehicle may take `node`."""
    def trades(vehicle: int, other: int) -> bool:
        return any(instance.may_serve(v, other) for v in vehicles) or instance.may_serve(vehicle, node)

    _add_routes_near(node, neighbours, route_of, vehicles, wanted, may_join=trades, lookahead=TRADING_LOOKAHEAD)


def _nearest_idle_vehicle(instance: Instance, routes: Sequence[Sequence[int]], node: int, *,
                          exclude: Sequence[int]) -> int | None:
    """The vehicle without visits, not in `exclude`, that may visit `node` and starts
    nearest to it; None when there is none."""
    idle = [v for v, route in enumerate(routes) if not route and v not in exclude and instance.may_serve(v, node)]
    return min(idle, key=lambda v: instance.cost[instance.starts[v]][node], default=None)


def _nearest_able_vehicle(instance: Instance, routes: Sequence[Sequence[int]], node: int) -> int | None:
    """The vehicle allowed to visit `node` whose route (or start, when it has no
    visits) passes nearest to it; None when no vehicle may."""
    best, best_cost = None, None
    for vehicle in instance.allowed[node]:
        cost = min(instance.cost[stop][node] for stop in (instance.starts[vehicle], *routes[vehicle]))
        if best_cost is None or cost < best_cost:
            best, best_cost = vehicle, cost
    return best
