"""The compact-start instance a large day's first solution is built on, and restoring
a whole large day's routes in the routing model."""
from __future__ import annotations

import importlib
import random

from dispatch.solver import construction, parse_problem, routing
from dispatch.solver.check import check_plan
from dispatch.solver.construction import compact_start_instance
from dispatch.solver.explain import allowed_engineers
from dispatch.solver.instance import Instance
from dispatch.solver.travel import HaversineTravel
from tests.dispatch.test_solver import engineer, job, problem, t

# `dispatch.solver.solve` the name is the function; the module is reached this way.
solve_module = importlib.import_module("dispatch.solver.solve")

URGENT, NORMAL = 100_000, 10_000


def spread_instance(vehicles: int = 12) -> Instance:
    """Vehicles whose starts lie 1..n minutes from every job along a line (vehicle v
    is v+1 minutes away), four jobs: two minor ones of equal penalty (one short, one
    long), one urgent, and one minor that only vehicles 0, 5 and 11 may do."""
    jobs = 4
    n = jobs + 2 * vehicles
    cost = [[0] * n for _ in range(n)]
    for v in range(vehicles):
        for j in range(jobs):
            for node in (jobs + v, jobs + vehicles + v):
                cost[node][j] = cost[j][node] = 60 * (v + 1)
    return Instance(service=[1800, 10800, 3600, 3600] + [0] * (2 * vehicles), windows=[None] * n, cost=cost,
                    travel=cost, starts=[jobs + v for v in range(vehicles)],
                    ends=[jobs + vehicles + v for v in range(vehicles)], vehicle_ranges=[(0, 36000)] * vehicles,
                    horizon=36001, job_nodes=list(range(jobs)),
                    penalties={0: NORMAL, 1: NORMAL, 2: URGENT, 3: NORMAL}, allowed={3: [0, 5, 11]})


def test_minor_visits_go_only_to_their_nearest_engineers_and_urgent_ones_to_anyone():
    whole = spread_instance()
    start = compact_start_instance(whole)
    nearest = list(range(construction.NEAREST_ENGINEERS))
    assert start.allowed[0] == nearest and start.allowed[1] == nearest
    assert 2 not in start.allowed                        # urgent: every engineer, as on the whole day
    assert start.allowed[3] == [0, 5, 11]                # fewer able than the limit: as they were
    assert whole.allowed == {3: [0, 5, 11]}              # the whole day's instance is left as it is


def test_of_two_visits_of_one_priority_the_shorter_is_worth_more_and_no_penalty_grows():
    whole = spread_instance()
    start = compact_start_instance(whole)
    assert start.penalties[0] > start.penalties[1]
    assert start.penalties[2] > start.penalties[0]       # priority still comes first here
    assert all(start.penalties[node] <= whole.penalties[node] for node in whole.job_nodes)
    assert start.service == whole.service and start.cost == whole.cost


def test_mandatory_visits_leave_the_instance_as_it_is():
    whole = spread_instance()
    whole.penalties = None
    assert compact_start_instance(whole) is whole


def large_day(seed: int = 4) -> tuple[Instance, list[list[int]]]:
    """Sixty engineers with a lunch break each and five hundred jobs with windows,
    as the field-service benchmark has them, and the routes of its first solution."""
    rng = random.Random(seed)

    def place() -> list[float]:
        return [round(rng.gauss(121.47, 0.12), 5), round(rng.gauss(31.23, 0.09), 5)]

    engineers = [engineer(f"E{k}", start=place(), shift=("08:30", "17:30"), max_jobs=8,
                          breaks=[{"window": [t("11:30"), t("13:00")], "duration_s": 1800}]) for k in range(60)]
    jobs = []
    for k in range(500):
        hour = rng.randrange(8, 17)
        jobs.append(job(f"J{k}", place(), window=(f"{hour:02d}:00", f"{min(18, hour + 2):02d}:00"),
                        duration=rng.choice([1800, 3600, 5400]), priority=rng.choice([1, 2, 3, 3, 4])))
    parsed = parse_problem(problem(engineers, jobs))
    layout = solve_module._Layout(parsed, HaversineTravel(30, 1.3))
    allowed, _ = allowed_engineers(parsed, travel_to=layout.to_job, travel_back=layout.to_end)
    instance, _ = layout.instance(sorted(allowed), allowed)
    model = routing._Model(instance)
    first = routing._search_parameters(routing.DEFAULT_FIRST_SOLUTION, routing.DEFAULT_METAHEURISTIC, False)
    first.solution_limit = 1
    return instance, model.node_routes(model.routing.SolveWithParameters(first))


def test_a_whole_large_day_of_routes_restores_in_the_routing_model():
    # Scheduling sixty routes with their breaks takes longer than OR-Tools' default
    # bound on a completion search (0.1 s on this machine's pace): with it, the
    # restore failed though each route restored on its own.
    instance, routes = large_day()
    assert sum(map(len, routes)) > 200
    model = routing._Model(instance)
    model.routing.CloseModelWithParameters(routing._restore_parameters(5000))
    restored = model.routing.SolveFromAssignmentWithParameters(model.assignment_of(routes),
                                                               routing._restore_parameters(5000))
    assert restored is not None
    assert model.node_routes(restored) == routes


def test_a_greedy_descent_over_a_whole_large_day_starts_from_its_routes():
    # The descent that finishes a region-searched day restores its routes first: with
    # OR-Tools' default bound on that completion search it answered nothing on
    # sixty routes with breaks, and the day kept its routes undescended.
    instance, routes = large_day(seed=5)
    model = routing._Model(instance)
    descent = routing._greedy_descent(2.0)
    model.routing.CloseModelWithParameters(descent)
    start = model.assignment_of(routes)
    start_cost = model.routing.SolveFromAssignmentWithParameters(start, routing._restore_parameters(5000))
    assert start_cost is not None
    start_cost = start_cost.ObjectiveValue()
    descended = model.routing.SolveFromAssignmentWithParameters(model.assignment_of(routes), descent)
    assert descended is not None
    assert descended.ObjectiveValue() <= start_cost


def test_a_large_day_searched_from_its_routes_starts_from_them():
    instance, routes = large_day(seed=6)
    result = routing.solve_instance(instance, time_limit_s=1.0, initial_routes=routes, region_search=True)
    assert result.found and result.start_objective is not None
    assert result.objective <= result.start_objective


def test_a_day_searched_by_regions_starts_from_the_compact_first_solution(monkeypatch):
    from tests.dispatch.test_regions import crowded_day
    monkeypatch.setattr(solve_module, "SINGLE_REGION_JOBS", 0)
    built, first_solutions = [], []
    monkeypatch.setattr(routing, "compact_start_instance",
                        lambda instance: built.append(instance) or compact_start_instance(instance))
    compact_first = routing._compact_first_solution
    monkeypatch.setattr(routing, "_compact_first_solution",
                        lambda model, parameters: first_solutions.append(compact_first(model, parameters))
                        or first_solutions[-1])
    data = crowded_day(seed=4)
    plan = solve_module.solve(data, time_limit_s=2, region_search=True)
    assert len(built) == 1
    # The compact solution was found and restored: the whole day did not build its own.
    assert len(first_solutions) == 1 and first_solutions[0] is not None
    assert check_plan(parse_problem(data), plan) == []
    assert plan["summary"]["assigned"] > 0


def test_without_a_compact_first_solution_the_whole_day_builds_its_own(monkeypatch):
    from tests.dispatch.test_regions import crowded_day
    monkeypatch.setattr(solve_module, "SINGLE_REGION_JOBS", 0)
    monkeypatch.setattr(routing, "_compact_first_solution", lambda model, parameters: None)
    data = crowded_day(seed=4)
    plan = solve_module.solve(data, time_limit_s=2, region_search=True)
    assert check_plan(parse_problem(data), plan) == []
    assert plan["summary"]["assigned"] > 0
