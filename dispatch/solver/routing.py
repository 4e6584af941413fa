"""The OR-Tools routing model shared by field-service problems and Solomon instances.

`solve_instance` builds the model of an `Instance` (`instance.py`), searches for
`time_limit_s`, and reads back each vehicle's visits with their start times and its
breaks.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2
from ortools.util import optional_boolean_pb2

from dispatch.solver.construction import compact_start_instance
from dispatch.solver.instance import Instance, VehicleBreak
from dispatch.solver.parallel import worker_processes
from dispatch.solver.regions import PartResult, RegionPlan, search_regions
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
# stays off. Field-service days of more than 150 jobs search region by region instead
# (`region_search`, `regions.py`): priority served on 30×200 / 45×350 / 60×500, 30 s,
# went from 2757 / 4829 / 8011 with guided local search alone to 2814 / 4872 / 8180.
# Their local cheapest insertion runs on the compact-start instance (`construction.py`):
# as much priority within the noise, 0.3–1 % more jobs and 3–4 % less travel over
# eight such days.
DEFAULT_FIRST_SOLUTION = "LOCAL_CHEAPEST_INSERTION"
DEFAULT_METAHEURISTIC = "GUIDED_LOCAL_SEARCH"
DEFAULT_REGION_SEARCH = True
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
# The ruins stop this long before their deadline (no rebuild starts with less left),
# and no rebuild's descent is cut off sooner than this.
RUIN_MARGIN_S = 0.05
# With region search, the time kept at the end to restore the regions' routes in the
# whole model and let a descent over the whole plan finish it. The restore itself may
# run past the time limit, up to RESTORE_LIMIT_MS, rather than lose the regions' work.
# The regions start right after the first solution: 15 % of the time for guided local
# search over the whole day first had served more than 5 % or 30 %, but since the
# first solution is restored from the compact-start instance, that search never ran on
# 500 jobs (its restore hit OR-Tools' bound on completion searches); made to run, it
# and its absence measured the same within the noise on twelve days of 200–500 jobs
# (bench/README.md, eleventh session), so it went.
REGION_RESTORE_S = 0.3
# Whole-plan ruins on several cores (`_ruins_side_by_side`), and how much sooner than
# the one here the others stop, so that their plans are back in time.
RUINS_SIDE_BY_SIDE = True
SIDE_BY_SIDE_RETURN_S = 0.05
RESTORE_LIMIT_MS = 5000
# The first descent on a model builds its local search first, which no time limit
# interrupts: measured about 1 µs per routing index and vehicle (0.3 s for 1,000
# customers and 250 vehicles, 0.01 s for 500 jobs and 60 engineers). The regions'
# closing descent over the whole plan runs only when it has time left after that.
DESCENT_SETUP_S_PER_INDEX_AND_VEHICLE = 1e-6
# A region's greedy descents also take each visit out with this many of its nearest
# and put them back by local cheapest insertion (OR-Tools' close-nodes LNS, off by
# default): a small ruin-and-recreate inside every descent, which repacks full routes
# where one move at a time cannot. On the same 600 regions of six days of 350-500 jobs
# it found 39 % more gain in 12 % more time than the default operators (5 nodes 36 %,
# 3 nodes 20 %, 16 nodes 28 %, 25 nodes 8 %); on those days at 5 s, two runs each,
# more priority served on all six (bench/README.md, eighteenth session). In the whole
# day's model too, it served less on three of four days of up to 120 jobs, whose
# whole-day descents it slows; so only the regions' models have it.
REGION_CLOSE_NODES_LNS = 10


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
    start_objective: int | None = None     # with `initial_routes`: the objective of those routes


ProgressCallback = Callable[[float, int], None]  # (percent of the time limit, objective)

__all__ = ["Instance", "VehicleBreak", "VehicleRoute", "SearchResult", "first_solution_routes", "solve_instance"]


class _Model:
    """An instance as an OR-Tools routing model, with the dimensions and breaks that
    carry its rules."""

    def __init__(self, instance: Instance):
        self.instance = instance
        node_count = len(instance.service)
        self.manager = manager = pywrapcp.RoutingIndexManager(node_count, len(instance.starts), instance.starts,
                                                              instance.ends)
        self.routing = routing = pywrapcp.RoutingModel(manager)
        solver = routing.solver()

        cost_index = routing.RegisterTransitMatrix(instance.cost)
        routing.SetArcCostEvaluatorOfAllVehicles(cost_index)
        # Time on an arc = service at its origin + travel; a visit's cumul is its service start.
        time_matrix = [[instance.service[i] + instance.travel[i][j] for j in range(node_count)]
                       for i in range(node_count)]
        time_index = routing.RegisterTransitMatrix(time_matrix)
        routing.AddDimension(time_index, instance.horizon, instance.horizon, False, "Time")
        self.time = time_dimension = routing.GetDimensionOrDie("Time")

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

        self.break_intervals: list[list] = []
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
                if _may_overlap(breaks):
                    # OR-Tools keeps breaks off the visits, and those during the route
                    # off each other, but breaks before the start or after the end of a
                    # route fell together when their windows overlapped, each at its
                    # earliest (bench/odd_days.py found them).
                    solver.Add(solver.DisjunctiveConstraint(intervals, f"breaks {vehicle}"))
                self.break_intervals.append(intervals)

        # Earliest times: every visit as early as its route allows, so customers are seen
        # early and the day ends early.
        for vehicle in range(len(instance.starts)):
            routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(routing.Start(vehicle)))
        for node in instance.job_nodes:
            routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(manager.NodeToIndex(node)))
        for vehicle in range(len(instance.starts)):
            routing.AddVariableMinimizedByFinalizer(time_dimension.CumulVar(routing.End(vehicle)))

    def node_routes(self, assignment: pywrapcp.Assignment) -> list[list[int]]:
        """The job nodes each vehicle visits in `assignment`, in order."""
        return [[self.manager.IndexToNode(index) for index in _route_indices(self.routing, assignment, vehicle)]
                for vehicle in range(self.routing.vehicles())]

    def assignment_of(self, node_routes: list[list[int]]) -> pywrapcp.Assignment | None:
        """A search state with these routes (job nodes per vehicle) and every other
        visit left out; None when a route visits a node its vehicle may not. The
        model must be closed."""
        assignment = self.routing.solver().Assignment()
        indices = [[self.manager.NodeToIndex(node) for node in route] for route in node_routes]
        return assignment if self.routing.RoutesToAssignment(indices, True, True, assignment) else None

    def result(self, solution: pywrapcp.Assignment, *, start_objective: int | None = None) -> SearchResult:
        """Each vehicle's visits with their start times and its breaks, as `solution` has them."""
        routing, manager, time_dimension = self.routing, self.manager, self.time
        routes, visited = [], set()
        for vehicle in range(routing.vehicles()):
            start_time = solution.Value(time_dimension.CumulVar(routing.Start(vehicle)))
            visits = []
            for index in _route_indices(routing, solution, vehicle):
                node = manager.IndexToNode(index)
                visits.append((node, solution.Value(time_dimension.CumulVar(index))))
                visited.add(node)
            end_time = solution.Value(time_dimension.CumulVar(routing.End(vehicle)))
            breaks = []
            if self.break_intervals and self.break_intervals[vehicle]:
                breaks = [(solution.StartValue(interval), interval.DurationMin())
                          for interval in self.break_intervals[vehicle]]
            routes.append(VehicleRoute(vehicle=vehicle, visits=visits, start_time=start_time, end_time=end_time,
                                       breaks=sorted(breaks)))
        dropped = [node for node in self.instance.job_nodes if node not in visited]
        return SearchResult(routes=routes, dropped=dropped, objective=solution.ObjectiveValue(), found=True,
                            start_objective=start_objective)


def _may_overlap(breaks: list[VehicleBreak]) -> bool:
    """Whether two of `breaks` could be taken at overlapping times, as their windows
    and durations allow."""
    spans = sorted((b.earliest_start, b.latest_start + b.duration) for b in breaks)
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:]))


def _search_parameters(first_solution: str, metaheuristic: str, bandit_operators: bool, close_nodes_lns: int = 0):
    """The parameters a model is closed and first searched with. OR-Tools builds a
    model's local search operators when it closes, from these: the parameters of a
    later search on it (each greedy descent after a ruin) cannot turn one on or off.
    `close_nodes_lns` > 0 adds the close-nodes LNS over that many visits."""
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = getattr(FirstSolution, first_solution)
    sorting = parameters.local_cheapest_insertion_parameters
    sorting.insertion_sorting_properties.append(
        sorting.DESCRIPTOR.fields_by_name["insertion_sorting_properties"].enum_type
        .values_by_name["SORTING_PROPERTY_PENALTY_OVER_ALLOWED_VEHICLES_RATIO"].number)
    parameters.local_search_metaheuristic = getattr(Metaheuristic, metaheuristic)
    parameters.use_multi_armed_bandit_concatenate_operators = bandit_operators
    if close_nodes_lns:
        parameters.local_search_operators.use_local_cheapest_insertion_close_nodes_lns = optional_boolean_pb2.BOOL_TRUE
        parameters.heuristic_close_nodes_lns_num_nodes = close_nodes_lns
    return parameters


def _restore_parameters(time_limit_ms: int) -> routing_parameters_pb2.RoutingSearchParameters:
    """Parameters that only restore a given plan (its first solution is the answer),
    within `time_limit_ms`.

    The restore runs as a completion search, which OR-Tools also bounds by
    `lns_time_limit` (0.1 s by default): on 500 jobs with a lunch break each,
    scheduling 60 routes takes about 0.15 s, so a plan whose every route restored on
    its own failed as a whole (ROUTING_FAIL)."""
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.solution_limit = 1
    parameters.time_limit.FromMilliseconds(time_limit_ms)
    parameters.lns_time_limit.FromMilliseconds(time_limit_ms)
    return parameters


def _greedy_descent(time_limit_s: float) -> routing_parameters_pb2.RoutingSearchParameters:
    """Parameters for a greedy descent from a given plan, cut off after `time_limit_s`.
    Its moves are those of the operators the model was closed with
    (`_search_parameters`).

    The descent starts by restoring the plan, a completion search that OR-Tools also
    bounds by `lns_time_limit` (see `_restore_parameters`): with the default 0.1 s, a
    descent over a whole 500-job day found no first solution and silently answered
    nothing."""
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.local_search_metaheuristic = Metaheuristic.GREEDY_DESCENT
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    parameters.lns_time_limit.CopyFrom(parameters.time_limit)
    return parameters


def solve_instance(instance: Instance, *, time_limit_s: float, first_solution: str = DEFAULT_FIRST_SOLUTION,
                   metaheuristic: str = DEFAULT_METAHEURISTIC, bandit_operators: bool = False,
                   close_nodes_lns: int = 0, ruin_and_recreate: bool = False, region_search: bool = False,
                   initial_routes: list[list[int]] | None = None, seed: int = 0, travel_polish_share: float = 0.0,
                   idle_engineers_join_regions: bool = False, workers: int = 1,
                   region_time_s: float | None = None, ruin_margin_s: float = RUIN_MARGIN_S,
                   on_solution: ProgressCallback | None = None) -> SearchResult:
    """Search for the best routes within `time_limit_s` (wall clock; one core, or
    `workers` cores for the regions).

    `bandit_operators` lets a multi-armed bandit order the local search operators by
    how well each has been improving, instead of OR-Tools' fixed order.
    `close_nodes_lns` > 0 adds OR-Tools' close-nodes LNS over that many visits to the
    local search operators (see `REGION_CLOSE_NODES_LNS`).
    `ruin_and_recreate` gives the metaheuristic only a short first search and spends
    the rest of the time on ruin-and-recreate (`_ruin_and_recreate`).
    `region_search` does the same with regions of the plan searched one by one
    (`regions.search_regions`), each by greedy descent and ruin-and-recreate.
    `initial_routes` (job nodes per vehicle) replace the first solution strategy; the
    result then also has their objective (`start_objective`).
    `travel_polish_share` of the time limit goes, at the end, to shortening travel
    with the visits served fixed (`_polish_travel`).
    `idle_engineers_join_regions` adds to each region the idle engineer nearest its
    first route's first visit (`regions.choose_region`).
    `workers`: with two or more, that many worker processes search regions side by
    side (`parallel.py`), and whole-plan ruin-and-recreate runs that many times side
    by side, the best kept (`_ruins_side_by_side`); with one, everything runs in this
    process.
    `region_time_s` is each region's search (default `regions.REGION_TIME_S`);
    `ruin_margin_s` how long before their deadline the ruins stop (`RUIN_MARGIN_S`),
    of the whole plan or, with `region_search`, of each region.
    """
    if travel_polish_share > 0 and instance.penalties is not None:
        return _search_then_polish(instance, time_limit_s=time_limit_s, share=travel_polish_share,
                                   first_solution=first_solution, metaheuristic=metaheuristic,
                                   bandit_operators=bandit_operators, close_nodes_lns=close_nodes_lns,
                                   ruin_and_recreate=ruin_and_recreate, region_search=region_search,
                                   initial_routes=initial_routes, seed=seed, workers=workers,
                                   region_time_s=region_time_s, ruin_margin_s=ruin_margin_s, on_solution=on_solution)
    if ruin_and_recreate and not region_search and initial_routes is None and workers > 1 and RUINS_SIDE_BY_SIDE:
        return _ruins_side_by_side(instance, time_limit_s=time_limit_s, first_solution=first_solution,
                                   metaheuristic=metaheuristic, bandit_operators=bandit_operators,
                                   close_nodes_lns=close_nodes_lns, seed=seed, workers=workers,
                                   ruin_margin_s=ruin_margin_s, on_solution=on_solution)
    started = time.monotonic()
    deadline = started + time_limit_s
    model = _Model(instance)
    routing = model.routing

    first_cost: list[int] = []
    best = [None]

    def report(cost: int) -> None:
        # Metaheuristics also accept worse neighbours; only improvements are news.
        if on_solution is not None and (best[0] is None or cost < best[0]):
            best[0] = cost
            on_solution(min(100.0, 100.0 * (time.monotonic() - started) / time_limit_s), cost)

    # The routing model keeps its callback alive; through this list, which is emptied
    # when the search ends, the callback does not keep the model alive in return (a
    # cycle through C++ that Python's collector cannot see: every region's model
    # would stay in memory).
    searched = [routing]

    def record() -> None:
        cost = searched[0].CostVar().Value()
        if not first_cost:
            first_cost.append(cost)
        report(cost)
    routing.AddAtSolutionCallback(record)
    try:
        return _search(model, parameters_for=(first_solution, metaheuristic, bandit_operators, close_nodes_lns),
                       deadline=deadline, time_limit_s=time_limit_s,
                       ruin_and_recreate=ruin_and_recreate, region_search=region_search,
                       idle_engineers_join_regions=idle_engineers_join_regions, workers=workers,
                       region_time_s=region_time_s, ruin_margin_s=ruin_margin_s,
                       initial_routes=initial_routes, seed=seed, report=report, first_cost=first_cost)
    finally:
        searched.clear()


def _search(model: _Model, *, parameters_for: tuple[str, str, bool, int], deadline: float, time_limit_s: float,
            ruin_and_recreate: bool, region_search: bool, idle_engineers_join_regions: bool, workers: int,
            region_time_s: float | None, ruin_margin_s: float, initial_routes: list[list[int]] | None, seed: int,
            report: Callable[[int], None], first_cost: list[int]) -> SearchResult:
    """The searches of `solve_instance`, in order, on its model."""
    routing, instance = model.routing, model.instance

    parameters = _search_parameters(*parameters_for)
    metaheuristic = parameters_for[1]
    remaining_s = deadline - time.monotonic()
    if ruin_and_recreate:
        remaining_s = min(remaining_s, RUIN_FIRST_SEARCH_SHARE * time_limit_s)
    parameters.time_limit.FromMilliseconds(max(100, int(remaining_s * 1000)))
    if initial_routes is None and region_search:
        # The first solution, built for compact routes (`construction.py`), may take
        # all the time it needs; the regions start from it. (A share of guided local
        # search over the whole day in between made no difference within the noise:
        # see REGION_RESTORE_S.)
        first = pywrapcp.DefaultRoutingSearchParameters()
        first.CopyFrom(parameters)
        first.solution_limit = 1
        solution = _compact_first_solution(model, first)
        if solution is None:
            first.time_limit.FromMilliseconds(max(100, int((deadline - time.monotonic()) * 1000)))
            solution = routing.SolveWithParameters(first)
    elif initial_routes is None:
        solution = routing.SolveWithParameters(parameters)
    else:
        if ruin_and_recreate or region_search:
            # The ruins and the regions start from the routes as they are.
            parameters.solution_limit = 1
        # Restoring the routes is a completion search (see _restore_parameters).
        parameters.lns_time_limit.CopyFrom(parameters.time_limit)
        routing.CloseModelWithParameters(parameters)
        start = model.assignment_of(initial_routes)
        solution = None if start is None else routing.SolveFromAssignmentWithParameters(start, parameters)
    # With initial routes, the first solution the callback saw is those routes restored.
    start_objective = first_cost[0] if initial_routes is not None and first_cost else None
    left_ms = int((deadline - time.monotonic()) * 1000)
    if solution is not None and ruin_and_recreate:
        solution = _ruin_and_recreate(routing, model.manager, instance, solution, deadline=deadline, seed=seed,
                                      margin_s=ruin_margin_s)
    elif solution is not None and region_search:
        result = _search_regions(model, solution, deadline=deadline, seed=seed, report=report,
                                 idle_engineers_join=idle_engineers_join_regions, workers=workers,
                                 region_time_s=region_time_s, ruin_margin_s=ruin_margin_s)
        result.start_objective = start_objective
        return result
    elif solution is not None and left_ms > 500 and metaheuristic == "TABU_SEARCH":
        # Tabu search can stop in a local optimum it sees no way out of, seconds into a
        # budget of thirty (Solomon R106: after 0.9 s). Guided local search then carries
        # on from its best solution for the time that is left.
        parameters.local_search_metaheuristic = Metaheuristic.GUIDED_LOCAL_SEARCH
        parameters.time_limit.FromMilliseconds(left_ms)
        solution = routing.SolveFromAssignmentWithParameters(solution, parameters) or solution
    if solution is None:
        return SearchResult(routes=[], dropped=list(instance.job_nodes), objective=None, found=False)
    return model.result(solution, start_objective=start_objective)


def _ruins_side_by_side(instance: Instance, *, time_limit_s: float, seed: int, workers: int,
                        on_solution: ProgressCallback | None, **search) -> SearchResult:
    """`solve_instance` with ruin-and-recreate in this process and, with other seeds,
    in `workers - 1` worker processes, all from their own first solution: the best
    plan of them all. The chains wander off differently, and on a small day the best
    of two is worth more than one chain twice as long would find."""
    started = time.monotonic()
    best_reported: list[int] = []

    def report(percent: float, cost: int) -> None:
        if on_solution is not None and (not best_reported or cost < best_reported[0]):
            best_reported[:] = [cost]
            on_solution(percent, cost)

    with worker_processes(workers) as executor:
        if executor is None:
            return solve_instance(instance, time_limit_s=time_limit_s, ruin_and_recreate=True, seed=seed,
                                  on_solution=on_solution, **search)
        # The others end a moment early: their plans still have to come back.
        others_s = max(0.1, time_limit_s - SIDE_BY_SIDE_RETURN_S)
        others = [executor.submit(solve_instance, instance, time_limit_s=others_s, ruin_and_recreate=True,
                                  seed=seed + k, **search) for k in range(1, workers)]
        results = [solve_instance(instance, time_limit_s=time_limit_s, ruin_and_recreate=True, seed=seed,
                                  on_solution=report, **search)]
        results += [other.result() for other in others]
    found = [result for result in results if result.found]
    if not found:
        return results[0]
    best = min(found, key=lambda result: result.objective)
    report(min(100.0, 100.0 * (time.monotonic() - started) / time_limit_s), best.objective)
    return best


def first_solution_routes(instance: Instance, *, first_solution: str, time_limit_s: float) -> list[list[int]] | None:
    """The job nodes each vehicle visits in `instance`'s first solution by
    `first_solution`, with no search after it; None when none was found within
    `time_limit_s`."""
    model = _Model(instance)
    parameters = _search_parameters(first_solution, DEFAULT_METAHEURISTIC, False)
    parameters.solution_limit = 1
    parameters.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    built = model.routing.SolveWithParameters(parameters)
    return None if built is None else model.node_routes(built)


def _compact_first_solution(model: _Model, parameters: routing_parameters_pb2.RoutingSearchParameters
                            ) -> pywrapcp.Assignment | None:
    """The first solution of `model` built, with `parameters`, on the compact-start
    instance (`construction.compact_start_instance`) and restored in `model`; None
    when none was found there or it cannot be restored."""
    construction = _Model(compact_start_instance(model.instance))
    built = construction.routing.SolveWithParameters(parameters)
    if built is None:
        return None
    model.routing.CloseModelWithParameters(parameters)
    start = model.assignment_of(construction.node_routes(built))
    if start is None:
        return None
    return model.routing.SolveFromAssignmentWithParameters(start, _restore_parameters(RESTORE_LIMIT_MS))


def _search_then_polish(instance: Instance, *, time_limit_s: float, share: float,
                        on_solution: ProgressCallback | None, **search) -> SearchResult:
    """`solve_instance` with `share` of the time limit kept back for `_polish_travel`.
    Progress stays a percentage of the whole time limit."""
    started = time.monotonic()
    main_s = (1.0 - share) * time_limit_s

    def main_progress(percent: float, cost: int) -> None:
        on_solution(percent * main_s / time_limit_s, cost)

    result = solve_instance(instance, time_limit_s=main_s, on_solution=main_progress if on_solution else None,
                            **search)
    if not result.found:
        return result

    def polish_progress(cost: int) -> None:
        if on_solution is not None:
            on_solution(min(100.0, 100.0 * (time.monotonic() - started) / time_limit_s), cost)

    return _polish_travel(instance, result, deadline=started + time_limit_s, seed=search["seed"],
                          workers=search["workers"], on_objective=polish_progress)


def _polish_travel(instance: Instance, result: SearchResult, *, deadline: float, seed: int, workers: int = 1,
                   on_objective: Callable[[int], None]) -> SearchResult:
    """Shorten the travel of `result` until `deadline` with the visits it serves fixed:
    the instance of only those visits (their drop penalties keep them served) is
    searched from its routes, region by region. Without the unserved visits and their
    penalties, every move the search weighs is one of route order and grouping; in
    the full model travel is a last tier under priority and job count, and the search
    there had stopped shortening it. Answers `result` when nothing shorter was found."""
    served = [node for route in result.routes for node, _ in route.visits]
    seconds = deadline - time.monotonic()
    if not served or seconds < 0.2:
        return result
    part, nodes = instance.restricted(range(len(instance.starts)), served)
    number = {node: k for k, node in enumerate(nodes)}
    # Every result has one route per vehicle, in vehicle order, as the part has them.
    routes = [[number[node] for node, _ in route.visits] for route in result.routes]
    as_they_came: list[int] = []

    def report(_percent: float, cost: int) -> None:
        # The first solution is the routes as they came; each after it is shorter.
        if as_they_came:
            on_objective(result.objective - (as_they_came[0] - cost))
        else:
            as_they_came.append(cost)

    # Region by region even on small days: on a 120-job day ten seconds of regions
    # shortened travel by 3.6 %, ruin-and-recreate over the whole day by 0–1.7 %.
    # An idle engineer joins each region: on light days (many engineers, a few visits
    # each) who drives a route matters as much as its order, and a region of routes
    # alone can only hand visits between engineers already at work. Sixteen light days
    # of 50-150 jobs, 30 s: shorter on 11, the same on 5 (bench/README.md).
    polished = solve_instance(part, time_limit_s=seconds, initial_routes=routes, seed=seed, region_search=True,
                              idle_engineers_join_regions=True, workers=workers, on_solution=report)
    if (not polished.found or polished.start_objective is None or polished.dropped
            or polished.objective >= polished.start_objective):
        return result
    for route in polished.routes:
        route.visits = [(nodes[node], begins) for node, begins in route.visits]
    return SearchResult(routes=polished.routes, dropped=result.dropped,
                        objective=result.objective - (polished.start_objective - polished.objective), found=True)


def _route_indices(routing: pywrapcp.RoutingModel, assignment: pywrapcp.Assignment, vehicle: int) -> list[int]:
    """The routing indices `vehicle` visits in `assignment`, between its start and end."""
    route, index = [], assignment.Value(routing.NextVar(routing.Start(vehicle)))
    while not routing.IsEnd(index):
        route.append(index)
        index = assignment.Value(routing.NextVar(index))
    return route


def _search_regions(model: _Model, solution: pywrapcp.Assignment, *, deadline: float, seed: int,
                    report: Callable[[int], None], idle_engineers_join: bool = False, workers: int = 1,
                    region_time_s: float | None = None, ruin_margin_s: float = RUIN_MARGIN_S) -> SearchResult:
    """Improve `solution` region by region (`regions.search_regions`) until shortly
    before `deadline`, then restore the improved routes in the whole model and let a
    greedy descent over the whole plan use what time is left (it sees moves between
    regions never searched together). `report(objective)` hears of each improvement.
    `idle_engineers_join`: see `regions.search_regions`; `workers`, `region_time_s`
    and `ruin_margin_s`: see `solve_instance`.

    When the whole model cannot restore the routes (its search gives up now and then
    on 500 jobs with lunch breaks, though each route was scheduled in its region), the
    plan is put together from the regions' own schedules instead."""
    rng = random.Random(seed)
    reserve_s = min(REGION_RESTORE_S, (deadline - time.monotonic()) / 2)
    with worker_processes(workers) as executor:
        plan = search_regions(model.instance, model.node_routes(solution),
                              search_part=partial(_search_part, ruin_margin_s=ruin_margin_s),
                              deadline=deadline - reserve_s, rng=rng, objective=solution.ObjectiveValue(),
                              on_objective=report, idle_engineers_join=idle_engineers_join, executor=executor,
                              at_once=workers, region_time_s=region_time_s)
    start = model.assignment_of(plan.routes)
    # The routes as they are first (a tenth of a second on 500 jobs), with a generous
    # time limit: the last region may have run late.
    restore = _restore_parameters(max(RESTORE_LIMIT_MS, int((deadline - time.monotonic()) * 1000)))
    restored = None if start is None else model.routing.SolveFromAssignmentWithParameters(start, restore)
    if restored is None:
        return _assembled(model.result(solution), plan, model.instance)
    restored = model.routing.solver().Assignment(restored)
    setup_s = DESCENT_SETUP_S_PER_INDEX_AND_VEHICLE * model.routing.Size() * model.routing.vehicles()
    if (left := deadline - time.monotonic()) > 0.1 + setup_s:
        # OR-Tools looks at its clock less often as its steps grow dearer, and a
        # descent over a whole day of 350 jobs given 0.34 s took up to 1.04 s. A limit
        # of our own, looked at on every step, ends it on time (the last search of
        # this model: the limit stays with it).
        model.routing.AddSearchMonitor(model.routing.solver().CustomLimit(lambda: time.monotonic() > deadline))
        polished = model.routing.SolveFromAssignmentWithParameters(restored, _greedy_descent(left))
        if polished is not None and polished.ObjectiveValue() <= restored.ObjectiveValue():
            return model.result(polished)
    return model.result(restored)


def _search_part(part: Instance, routes: list[list[int]], seconds: float, seed: int, *,
                 ruin_margin_s: float = RUIN_MARGIN_S) -> PartResult | None:
    """A region's search (`regions.PartSearch`): greedy descent and ruin-and-recreate
    from its routes. At module level, so that worker processes can be handed it."""
    found = solve_instance(part, time_limit_s=seconds, metaheuristic="GREEDY_DESCENT", initial_routes=routes,
                           close_nodes_lns=REGION_CLOSE_NODES_LNS, ruin_and_recreate=True, seed=seed,
                           ruin_margin_s=ruin_margin_s)
    if not found.found or found.start_objective is None:
        return None
    return PartResult(routes=[[node for node, _ in route.visits] for route in found.routes],
                      objective=found.objective, start_objective=found.start_objective, schedules=found.routes)


def _assembled(before: SearchResult, plan: RegionPlan, instance: Instance) -> SearchResult:
    """The result of the regions' plan from the routes as searched before them
    (`before`) with each route a region changed as that region scheduled it."""
    routes = list(before.routes)
    for vehicle, (nodes, route) in plan.schedules.items():
        routes[vehicle] = VehicleRoute(vehicle=vehicle, visits=[(nodes[node], start) for node, start in route.visits],
                                       start_time=route.start_time, end_time=route.end_time, breaks=route.breaks)
    visited = {node for route in routes for node, _ in route.visits}
    return SearchResult(routes=routes, dropped=[node for node in instance.job_nodes if node not in visited],
                        objective=plan.objective, found=True)


def _ruin_and_recreate(routing: pywrapcp.RoutingModel, manager: pywrapcp.RoutingIndexManager, instance: Instance,
                       solution: pywrapcp.Assignment, *, deadline: float, seed: int = 0,
                       margin_s: float = RUIN_MARGIN_S) -> pywrapcp.Assignment:
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
    while (left := deadline - time.monotonic()) > margin_s:
        removed = string_removal(current, neighbours, rng)
        ruined = solver.Assignment()
        if not routing.RoutesToAssignment([[i for i in route if i not in removed] for route in current],
                                          True, True, ruined):
            continue
        rebuilt = routing.SolveFromAssignmentWithParameters(
            ruined, _greedy_descent(max(margin_s, min(RUIN_DESCENT_LIMIT_S, left))))
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
