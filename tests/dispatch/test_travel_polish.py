"""The travel polish: the last share of the time limit shortens travel with the
visits served fixed, so priority served and jobs assigned never change."""
from __future__ import annotations

import importlib
import time

from dispatch.solver import parse_problem, solve
from dispatch.solver import routing
from dispatch.solver.check import check_plan
from dispatch.solver.instance import Instance
from tests.dispatch.test_regions import crowded_day

# `dispatch.solver.solve` the name is the function; the module is reached this way.
solve_module = importlib.import_module("dispatch.solver.solve")


def zigzag_result() -> tuple[Instance, routing.SearchResult]:
    """Jobs 0..6 on a line a minute apart, both vehicles based at 0; vehicle 0 may do
    six jobs, vehicle 1 none. The plan serves 0..5 in a zigzag and leaves 6 out."""
    positions = list(range(7)) + [0]
    cost = [[60 * abs(a - b) for b in positions] for a in positions]
    instance = Instance(
        service=[60] * 7 + [0], windows=[(0, 20000)] * 7 + [None], cost=cost, travel=cost, starts=[7, 7],
        ends=[7, 7], vehicle_ranges=[(0, 30000)] * 2, horizon=30001, job_nodes=list(range(7)),
        penalties={node: 100_000 for node in range(7)}, max_jobs=[6, 0])
    model = routing._Model(instance)
    model.routing.CloseModelWithParameters(routing._greedy_descent(1))
    restore = routing.pywrapcp.DefaultRoutingSearchParameters()
    restore.solution_limit = 1
    solution = model.routing.SolveFromAssignmentWithParameters(model.assignment_of([[0, 5, 1, 4, 2, 3], []]),
                                                               restore)
    return instance, model.result(solution)


def test_the_polish_shortens_travel_and_keeps_what_is_served():
    instance, zigzag = zigzag_result()
    # 0→5→1→4→2→3 and back: 1080 s of travel, and job 6's penalty.
    assert zigzag.objective == 1080 + 100_000 and zigzag.dropped == [6]
    reports = []
    polished = routing._polish_travel(instance, zigzag, deadline=time.monotonic() + 1, seed=0,
                                      on_objective=reports.append)
    assert polished.dropped == [6]
    visits = [node for node, _ in polished.routes[0].visits]
    assert sorted(visits) == [0, 1, 2, 3, 4, 5] and polished.routes[1].visits == []
    # Out along the line and back: 600 s.
    assert polished.objective == 600 + 100_000
    assert reports and reports[-1] == polished.objective
    starts = [start for _, start in polished.routes[0].visits]
    assert starts == sorted(starts)


def test_a_plan_already_shortest_comes_back_as_it_was():
    instance, zigzag = zigzag_result()
    first = routing._polish_travel(instance, zigzag, deadline=time.monotonic() + 1, seed=0,
                                   on_objective=lambda cost: None)
    again = routing._polish_travel(instance, first, deadline=time.monotonic() + 1, seed=0,
                                   on_objective=lambda cost: None)
    assert again is first


def test_a_day_with_the_polish_keeps_every_rule_and_reports_the_plan_it_returns(monkeypatch):
    monkeypatch.setattr(solve_module, "TRAVEL_POLISH_SHARE", 0.4)
    polishes = []
    polish = routing._polish_travel

    def recorded(instance, result, **kwargs):
        polished = polish(instance, result, **kwargs)
        polishes.append((result, polished))
        return polished
    monkeypatch.setattr(routing, "_polish_travel", recorded)
    data = crowded_day(seed=4)
    reports = []
    plan = solve(data, time_limit_s=3, on_progress=lambda percent, parts: reports.append((percent, parts)))
    assert check_plan(parse_problem(data), plan) == []
    [(before, after)] = polishes
    assert after.objective <= before.objective
    assert sorted(after.dropped) == sorted(before.dropped)
    summary = plan["summary"]
    assert reports[-1][1] == {key: summary[key] for key in ("priority_served", "assigned", "travel_s")}
    percents = [percent for percent, _ in reports]
    assert percents == sorted(percents) and percents[-1] <= 100.0
