"""The OR-Tools routing model shared by field-service problems and Solomon instances.

An `Instance` is already in integers: nodes with service times and visit-start
windows, vehicles with start/end nodes and time ranges, a cost matrix and a travel
matrix, optional loads, job limits, breaks, allowed vehicles and drop penalties.
`solve_instance` builds the model, searches for `time_limit_s`, and reads back each
vehicle's visits with their start times and its breaks.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

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
DEFAULT_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"
DEFAULT_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
SOLOMON_FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"
SOLOMON_METAHEURISTIC = "TABU_SEARCH"
SOLOMON_BANDIT_OPERATORS = False


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
                   on_solution: ProgressCallback | None = None) -> SearchResult:
    """Search for the best routes within `time_limit_s` (wall clock, one core).

    `bandit_operators` lets a multi-armed bandit order the local search operators by
    how well each has been improving, instead of OR-Tools' fixed order.
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
    remaining_ms = max(100, int((time_limit_s - (time.monotonic() - started)) * 1000))
    parameters.time_limit.FromMilliseconds(remaining_ms)
    solution = routing.SolveWithParameters(parameters)
    left_ms = int((time_limit_s - (time.monotonic() - started)) * 1000)
    if solution is not None and left_ms > 500 and metaheuristic == "TABU_SEARCH":
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
        index = routing.Start(vehicle)
        start_time = solution.Value(time_dimension.CumulVar(index))
        visits = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            visits.append((node, solution.Value(time_dimension.CumulVar(index))))
            visited.add(node)
            index = solution.Value(routing.NextVar(index))
        end_time = solution.Value(time_dimension.CumulVar(index))
        breaks = []
        if break_intervals and break_intervals[vehicle]:
            breaks = [(solution.StartValue(interval), interval.DurationMin()) for interval in break_intervals[vehicle]]
        routes.append(VehicleRoute(vehicle=vehicle, visits=visits, start_time=start_time, end_time=end_time,
                                   breaks=sorted(breaks)))
    dropped = [node for node in instance.job_nodes if node not in visited]
    return SearchResult(routes=routes, dropped=dropped, objective=solution.ObjectiveValue(), found=True)


