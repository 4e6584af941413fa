"""The OR-Tools routing model shared by field-service problems and Solomon instances.

An `Instance` is already in integers: nodes with service times and visit-start
windows, vehicles with start/end nodes and time ranges, a cost matrix and a travel
matrix, optional loads, job limits, breaks, allowed vehicles and drop penalties.
`solve_instance` builds the model, searches for `time_limit_s`, and reads back each
vehicle's visits with their start times and its breaks.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from dispatch.solver.ruin import string_removal

FirstSolution = routing_enums_pb2.FirstSolutionStrategy
Metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic

# Chosen by measurement (bench/README.md). Field-service days: local cheapest insertion,
# taking the jobs with the highest drop penalty per allowed engineer first (the most
# important and hardest to place), then guided local search, served the most priority.
# Solomon instances (distance only): parallel cheapest insertion and tabu search had
# the smallest mean gap, with guided local search taking over when tabu search stops
# early (see solve_instance). Letting a multi-armed bandit order the local search
# operators (`bandit_operators`) was tried and measured worse overall: on twelve hard
# instances × 30 s it lowered the mean gap from 5.9 % to 4.0 %, but over all 56 it
# raised it from 2.55 % to 3.09 % (R2 3.0 → 4.2 %, RC2 2.5 → 5.7 %), and on
# field-service days it lost priority served (60×500: 7832 vs 8049).
# Ruin-and-recreate after a short tabu search (`ruin_and_recreate`) brought the
# Solomon mean gap from 2.55 % to 1.09 % (VROOM: 1.60 %); on field-service days of
# 350 and 500 jobs it served less priority than guided local search, so there it
# stays off.
DEFAULT_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"
DEFAULT_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
SOLOMON_FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"
SOLOMON_METAHEURISTIC = "TABU_SEARCH"
SOLOMON_BANDIT_OPERATORS = False
SOLOMON_RUIN_AND_RECREATE = True
# With ruin-and-recreate, the share of the time limit the first solution and the
# metaheuristic get before the ruins start.
RUIN_FIRST_SEARCH_SHARE = 0.07
# Simulated annealing over the ruins: the temperature falls geometrically from this
# share of the first solution's cost to the next, over the time limit.
RUIN_START_TEMPERATURE = 0.01
RUIN_END_TEMPERATURE = 0.0005
# Each rebuild is a greedy descent from the ruined plan, cut off after this long.
RUIN_DESCENT_LIMIT_S = 2.0


@dataclass(frozen=True)
class VehicleBreak:
    earliest_start: int
    latest_start: int
    duration: int


@dataclass
class Instance:
    service: list[int]                    # per node; 0 for start/end nodes
    windows: list[tuple[int, int] | None]  # visit-start window per node
    cost: list[list[int]]                 # arc cost (what is minimised, besides penalties)
    travel: list[list[int]]               # arc travel time
    starts: list[int]                     # per vehicle: its start node
    ends: list[int]                       # per vehicle: its end node
    vehicle_ranges: list[tuple[int, int]]  # per vehicle: earliest departure, latest return
    horizon: int
    job_nodes: list[int]                  # nodes that are visits (not starts/ends)
    penalties: dict[int, int] | None = None          # node → drop penalty; None: every visit is mandatory
    allowed: dict[int, list[int]] = field(default_factory=dict)  # node → vehicles allowed
    max_jobs: list[int] | None = None                 # per vehicle
    demands: list[int] | None = None                  # per node
    capacities: list[int] | None = None               # per vehicle
    breaks: list[list[VehicleBreak]] = field(default_factory=list)  # per vehicle
    soft_deadlines: dict[int, int] = field(default_factory=dict)  # node → latest start before it is late
    lateness_cost: int = 0                                        # per second late


@dataclass
class VehicleRoute:
    vehicle: int
    visits: list[tuple[int, int]]          # (node, service start)
    start_time: int
    end_time: int
    breaks: list[tuple[int, int]]          # (start, duration)


@dataclass
class SearchResult:
    routes: list[VehicleRoute]
    dropped: list[int]
    objective: int | None
    found: bool


ProgressCallback = Callable[[float, int], None]  # (percent of the time limit, objective)


def solve_instance(instance: Instance, *, time_limit_s: float, first_solution: str = DEFAULT_FIRST_SOLUTION,
                   metaheuristic: str = DEFAULT_METAHEURISTIC, bandit_operators: bool = False,
                   ruin_and_recreate: bool = False, on_solution: ProgressCallback | None = None) -> SearchResult:
    """Search for the best routes within `time_limit_s` (wall clock, one core).

    `bandit_operators` lets a multi-armed bandit order the local search operators by
    how well each has been improving, instead of OR-Tools' fixed order.
    `ruin_and_recreate` gives the metaheuristic only a short first search and spends
    the rest of the time on ruin-and-recreate (`_ruin_and_recreate`).
    """
    started = time.monotonic()
    node_count = len(instance.service)
    manager = pywrapcp.RoutingIndexManager(node_count, len(instance.starts), instance.starts, instance.ends)
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()

    cost_index = routing.RegisterTransitMatrix(instance.cost)
    routing.SetArcCostEvaluatorOfAllVehicles(cost_index)
    # Time on an arc = service at its origin + travel; a visit's cumul is its service start.
    time_matrix = [[instance.service[i] + instance.travel[i][j] for j in range(node_count)]
                   for i in range(node_count)]
    time_index = routing.RegisterTransitMatrix(time_matrix)
    routing.AddDimension(time_index, instance.horizon, instance.horizon, False, "Time")
    time_dimension = routing.GetDimensionOrDie("Time")

    for node in instance.job_nodes:
        index = manager.NodeToIndex(node)
        window = instance.windows[node]
        if window is not None:
            time_dimension.CumulVar(index).SetRange(window[0], window[1])
        if node in instance.allowed:
            # -1 keeps "not performed" possible for optional visits.
            routing.VehicleVar(index).SetValues([-1, *instance.allowed[node]])
        if instance.penalties is not None:
            routing.AddDisjunction([index], instance.penalties[node])
        if node in instance.soft_deadlines and instance.lateness_cost:
            time_dimension.SetCumulVarSoftUpperBound(index, instance.soft_deadlines[node], instance.lateness_cost)
    for vehicle, (earliest, latest) in enumerate(instance.vehicle_ranges):
        time_dimension.CumulVar(routing.Start(vehicle)).SetRange(earliest, latest)
        time_dimension.CumulVar(routing.End(vehicle)).SetRange(earliest, latest)

    if instance.max_jobs is not None:
        is_job = [0] * node_count
        for node in instance.job_nodes:
            is_job[node] = 1
        count_index = routing.RegisterUnaryTransitVector(is_job)
        routing.AddDimensionWithVehicleCapacity(count_index, 0, instance.max_jobs, True, "Jobs")
    if instance.demands is not None:
        demand_index = routing.RegisterUnaryTransitVector(instance.demands)
        routing.AddDimensionWithVehicleCapacity(demand_index, 0, instance.capacities, True, "Load")

    break_intervals: list[list] = []
    if any(instance.breaks):
        # Indexed by routing index; the vehicles' end indices (>= Size()) have no visit.
        visit_transits = [instance.service[manager.IndexToNode(index)] for index in range(routing.Size())]
        for vehicle, breaks in enumerate(instance.breaks):
            intervals = [solver.FixedDurationIntervalVar(b.earliest_start, b.latest_start, b.duration, False,
                                                         f"break {vehicle}.{k}") for k, b in enumerate(breaks)]
            if intervals:
                time_dimension.SetBreakIntervalsOfVehicle(intervals, vehicle, visit_transits)
                for interval in intervals:
                    routing.AddIntervalToAssignment(interval)
            break_intervals.append(intervals)

    # Earliest times: every visit as early as its route allows, so customers are seen
    # early and the day ends early.
    for vehicle in range(len(instance.starts)):
        routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(routing.Start(vehicle)))
    for node in instance.job_nodes:
        routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(manager.NodeToIndex(node)))
    for vehicle in range(len(instance.starts)):
        routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(routing.End(vehicle)))

    if on_solution is not None:
        best = [None]

        def report() -> None:
            # Metaheuristics also accept worse neighbours; only improvements are news.
            cost = routing.CostVar().Value()
            if best[0] is None or cost < best[0]:
                best[0] = cost
                elapsed = time.monotonic() - started
                on_solution(min(100.0, 100.0 * elapsed / time_limit_s), cost)
        routing.AddAtSolutionCallback(report)

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(FirstSolution, first_solution)
    sorting = parameters.local_cheapest_insertion_parameters
    sorting.insertion_sorting_properties.append(
        sorting.DESCRIPTOR.fields_by_name["insertion_sorting_properties"].enum_type
        .values_by_name["SORTING_PROPERTY_PENALTY_OVER_ALLOWED_VEHICLES_RATIO"].number)
    parameters.local_search_metaheuristic = getattr(Metaheuristic, metaheuristic)
    parameters.use_multi_armed_bandit_concatenate_operators = bandit_operators
    remaining_s = time_limit_s - (time.monotonic() - started)
    if ruin_and_recreate:
        remaining_s = min(remaining_s, RUIN_FIRST_SEARCH_SHARE * time_limit_s)
    parameters.time_limit.FromMilliseconds(max(100, int(remaining_s * 1000)))
    solution = routing.SolveWithParameters(parameters)
    left_ms = int((time_limit_s - (time.monotonic() - started)) * 1000)
    if solution is not None and ruin_and_recreate:
        solution = _ruin_and_recreate(routing, manager, instance, solution, deadline=started + time_limit_s)
    elif solution is not None and left_ms > 500 and metaheuristic == "TABU_SEARCH":
        # Tabu search can stop in a local optimum it sees no way out of, seconds into a
        # budget of thirty (Solomon R106: after 0.9 s). Guided local search then carries
        # on from its best solution for the time that is left.
        parameters.local_search_metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
        parameters.time_limit.FromMilliseconds(left_ms)
        solution = routing.SolveFromAssignmentWithParameters(solution, parameters) or solution
    if solution is None:
        return SearchResult(routes=[], dropped=list(instance.job_nodes), objective=None, found=False)

    routes, visited = [], set()
    for vehicle in range(len(instance.starts)):
        start_time = solution.Value(time_dimension.CumulVar(routing.Start(vehicle)))
        visits = []
        for index in _route_indices(routing, solution, vehicle):
            node = manager.IndexToNode(index)
            visits.append((node, solution.Value(time_dimension.CumulVar(index))))
            visited.add(node)
        end_time = solution.Value(time_dimension.CumulVar(routing.End(vehicle)))
        breaks = []
        if break_intervals and break_intervals[vehicle]:
            breaks = [(solution.StartValue(interval), interval.DurationMin()) for interval in break_intervals[vehicle]]
        routes.append(VehicleRoute(vehicle=vehicle, visits=visits, start_time=start_time, end_time=end_time,
                                   breaks=sorted(breaks)))
    dropped = [node for node in instance.job_nodes if node not in visited]
    return SearchResult(routes=routes, dropped=dropped, objective=solution.ObjectiveValue(), found=True)


def _route_indices(routing: pywrapcp.RoutingModel, assignment: pywrapcp.Assignment, vehicle: int) -> list[int]:
    """The routing indices `vehicle` visits in `assignment`, between its start and end."""
    route, index = [], assignment.Value(routing.NextVar(routing.Start(vehicle)))
    while not routing.IsEnd(index):
        route.append(index)
        index = assignment.Value(routing.NextVar(index))
    return route


def _ruin_and_recreate(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, instance: Instance,
                       solution: pywrapcp.Assignment, *, deadline: float, seed: int = 0) -> pywrapcp.Assignment:
    """Improve `solution` until `deadline` by ruin-and-recreate: take strings of
    neighbouring visits out of a few routes (`ruin.string_removal`), let OR-Tools'
    greedy descent put them back and improve the whole plan (the removed visits are
    optional with a drop penalty, so its make-active moves reinsert them wherever
    they fit best), and keep the result by simulated annealing on the objective.
    Answers the best solution seen.

    Rebuilding from the ruin of a whole neighbourhood reaches plans that guided local
    search or tabu search, one move at a time, do not find within the time limit
    (Solomon R110, 30 s: 1.0 % above the best known distance instead of 4.6 %).
    """
    rng = random.Random(seed)
    solver = routing.solver()
    vehicles = routing.vehicles()
    # Visits by routing index, each with the others nearest first (by arc cost).
    visits = {manager.NodeToIndex(node): node for node in instance.job_nodes}
    neighbours = {index: sorted((other for other in visits if other != index),
                                key=lambda other: instance.cost[node][visits[other]])
                  for index, node in visits.items()}

    def routes_of(assignment: pywrapcp.Assignment) -> list[list[int]]:
        return [_route_indices(routing, assignment, vehicle) for vehicle in range(vehicles)]

    descent = pywrapcp.DefaultRoutingSearchParameters()
    descent.local_search_metaheuristic = Metaheuristic.GREEDY_DESCENT
    current, current_cost = routes_of(solution), solution.ObjectiveValue()
    # Copies: the routing model reuses the assignment it answers on its next search.
    best, best_cost = solver.Assignment(solution), current_cost
    # Temperatures scale with what the routes cost, without the penalties of any
    # visit the first solution left out.
    route_cost = 0
    for vehicle, route in enumerate(current):
        path = [instance.starts[vehicle], *(visits[index] for index in route), instance.ends[vehicle]]
        route_cost += sum(instance.cost[a][b] for a, b in zip(path, path[1:]))
    start_temperature = max(1.0, RUIN_START_TEMPERATURE * route_cost)
    end_temperature = max(1.0, RUIN_END_TEMPERATURE * route_cost)
    started = time.monotonic()
    span = max(1e-3, deadline - started)
    while (left := deadline - time.monotonic()) > 0.05:
        removed = string_removal(current, neighbours, rng)
        ruined = solver.Assignment()
        if not routing.RoutesToAssignment([[i for i in route if i not in removed] for route in current],
                                          True, True, ruined):
            continue
        descent.time_limit.FromMilliseconds(max(50, int(min(RUIN_DESCENT_LIMIT_S, left) * 1000)))
        rebuilt = routing.SolveFromAssignmentWithParameters(ruined, descent)
        if rebuilt is None:
            continue
        rebuilt_cost = rebuilt.ObjectiveValue()
        temperature = start_temperature * (end_temperature / start_temperature) ** (
            (time.monotonic() - started) / span)
        # Worse plans pass with probability exp(-worsening / temperature).
        if rebuilt_cost < current_cost - temperature * math.log(1.0 - rng.random()):
            current, current_cost = routes_of(rebuilt), rebuilt_cost
            if rebuilt_cost < best_cost:
                best, best_cost = solver.Assignment(rebuilt), rebuilt_cost
    return best
