"""Region search: the part of an instance a region covers, which routes and unserved
visits make a region, how regions replace routes, and whole solves that use it."""
from __future__ import annotations

import contextlib
import functools
import importlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dispatch.solver import parse_problem, solve
from dispatch.solver.check import check_plan
from dispatch.solver.instance import Instance, VehicleBreak
from dispatch.solver.regions import PartResult, RegionStats, choose_region, nearest_visits, search_regions
from dispatch.solver import regions, routing
from dispatch.solver.routing import SearchResult, solve_instance
from tests.dispatch.test_solver import engineer, job, problem, t


# `dispatch.solver.solve` the name is the function; the module is reached this way.
solve_module = importlib.import_module("dispatch.solver.solve")


@pytest.fixture
def regions_on_small_days(monkeypatch):
    """Region search even on the small days of these tests (it takes over above
    `SINGLE_REGION_JOBS`), with the number of regions searched and improved."""
    monkeypatch.setattr(solve_module, "SINGLE_REGION_JOBS", 0)
    stats = RegionStats()
    monkeypatch.setattr(routing, "search_regions", functools.partial(search_regions, stats=stats))
    return stats


def line_instance(job_count: int = 12, vehicles: int = 4) -> Instance:
    """Jobs 0..n-1 on a line, one minute apart; each vehicle starts and ends at its
    own node after the jobs. Job 3 only vehicles 1 and 2 may serve."""
    positions = list(range(job_count)) + [3 * v for v in range(vehicles)] * 2
    n = len(positions)
    cost = [[60 * abs(positions[a] - positions[b]) for b in range(n)] for a in range(n)]
    return Instance(
        service=[600] * job_count + [0] * (2 * vehicles), windows=[(0, 20000)] * job_count + [None] * (2 * vehicles),
        cost=cost, travel=cost, starts=[job_count + v for v in range(vehicles)],
        ends=[job_count + vehicles + v for v in range(vehicles)], vehicle_ranges=[(0, 30000)] * vehicles,
        horizon=30001, job_nodes=list(range(job_count)), penalties={node: 10_000 + node for node in range(job_count)},
        allowed={3: [1, 2]}, max_jobs=[5, 4, 3, 2], breaks=[[VehicleBreak(100, 9000, 300)]] * vehicles,
        soft_deadlines={5: 4000}, lateness_cost=10)


def test_a_part_keeps_the_rules_costs_and_penalties_of_its_visits_and_vehicles():
    whole = line_instance()
    part, nodes = whole.restricted([2, 0], [7, 3, 5])
    assert nodes == [7, 3, 5, 12 + 2, 12, 16 + 2, 16]   # jobs first, then starts, then ends
    assert part.job_nodes == [0, 1, 2]
    assert part.starts == [3, 4] and part.ends == [5, 6]
    for a, original_a in enumerate(nodes):
        assert part.service[a] == whole.service[original_a] and part.windows[a] == whole.windows[original_a]
        for b, original_b in enumerate(nodes):
            assert part.cost[a][b] == whole.cost[original_a][original_b]
    assert part.penalties == {0: 10_007, 1: 10_003, 2: 10_005}
    # Job 3: vehicles 1 and 2 of the whole; of the part's (2, 0), only the first.
    assert part.allowed == {1: [0]}
    assert part.max_jobs == [3, 5] and part.vehicle_ranges == [(0, 30000)] * 2
    assert part.breaks == [whole.breaks[2], whole.breaks[0]]
    assert part.soft_deadlines == {2: 4000} and part.lateness_cost == 10


def test_vehicles_sharing_a_depot_share_its_node_in_the_part():
    whole = line_instance()
    whole.starts = whole.ends = [12] * 4
    part, nodes = whole.restricted([1, 3], [0, 1])
    assert nodes == [0, 1, 12] and part.starts == part.ends == [2, 2]


def test_a_visit_every_vehicle_of_the_part_may_serve_has_no_restriction_there():
    part, _ = line_instance().restricted([1, 2], [3, 4])
    assert part.allowed == {}


def test_a_region_takes_neighbouring_routes_and_the_unserved_visits_they_may_serve():
    whole = line_instance()
    routes = [[0, 1, 2], [4, 5], [6, 7, 8], []]   # 3, 9, 10 and 11 unserved
    neighbours = nearest_visits(whole)
    for seed in range(100):
        vehicles, jobs = choose_region(whole, routes, neighbours, random.Random(seed))
        assert 2 <= len(vehicles) <= 3 and len(set(vehicles)) == len(vehicles)   # vehicle 3 has no route
        served = [node for v in vehicles for node in routes[v]]
        assert jobs[:len(served)] == served
        unserved = jobs[len(served):]
        assert set(unserved) <= {3, 9, 10, 11}
        assert (3 in unserved) == (1 in vehicles or 2 in vehicles)


def test_a_region_around_an_unserved_visit_takes_the_route_of_an_engineer_who_may_do_it(monkeypatch):
    whole = line_instance()
    monkeypatch.setattr(regions, "ROUTES_PER_REGION", (1, 1))
    monkeypatch.setattr(regions, "UNSERVED_SEED_SHARE", 1.0)
    # Only job 3 is unserved. Vehicle 0 drives past it but may not do it; of vehicles 1
    # and 2, who may, vehicle 1 starts right there (position 3) and works far off.
    routes = [[0, 1, 2, 4, 5], [9, 10, 11], [6, 7, 8], []]
    neighbours = nearest_visits(whole)
    for seed in range(20):
        vehicles, jobs = choose_region(whole, routes, neighbours, random.Random(seed))
        assert vehicles == [1] and jobs == [9, 10, 11, 3]


def test_a_region_around_a_visit_few_may_do_takes_the_routes_near_that_engineers_day(monkeypatch):
    whole = line_instance(job_count=16, vehicles=5)
    monkeypatch.setattr(regions, "ROUTES_PER_REGION", (3, 3))
    monkeypatch.setattr(regions, "UNSERVED_SEED_SHARE", 1.0)
    # Only job 3 is unserved; of vehicles 1 and 2, who may do it, vehicle 1 starts
    # right there (position 3) but works at 12-14. To take job 3 on it must hand some
    # of those to vehicle 4 (10, 11, 15), its neighbour there; vehicle 3 (6-9) is
    # nearer job 3 but far from what vehicle 1 would hand over.
    routes = [[0, 1, 2, 4, 5], [12, 13, 14], [], [6, 7, 8, 9], [10, 11, 15]]
    neighbours = nearest_visits(whole)
    for seed in range(20):
        vehicles, jobs = choose_region(whole, routes, neighbours, random.Random(seed))
        assert vehicles == [1, 4, 0]
        assert jobs == [12, 13, 14, 10, 11, 15, 0, 1, 2, 4, 5, 3]


def test_a_region_takes_a_route_it_can_trade_visits_with_over_a_nearer_one_it_cannot(monkeypatch):
    whole = line_instance(job_count=6, vehicles=3)
    # Jobs 0-1 only vehicle 0 may do, 2-3 only vehicle 1: the two routes lie side by
    # side and have nothing to trade. Vehicle 2's route (4, 5) is further off, but
    # either of them could take its visits.
    whole.allowed = {0: [0], 1: [0], 2: [1], 3: [1]}
    routes = [[0, 1], [2, 3], [4, 5]]
    neighbours = nearest_visits(whole)
    monkeypatch.setattr(regions, "ROUTES_PER_REGION", (2, 2))
    for seed in range(40):
        vehicles, _ = choose_region(whole, routes, neighbours, random.Random(seed))
        assert 2 in vehicles and len(vehicles) == 2
    # Looking at no route for trading, the nearest are taken, traders or not.
    monkeypatch.setattr(regions, "TRADING_LOOKAHEAD", 0)
    assert [0, 1] in [choose_region(whole, routes, neighbours, random.Random(seed))[0] for seed in range(40)]


def test_an_idle_engineer_who_may_take_over_joins_a_region_when_asked():
    whole = line_instance()
    routes = [[0, 1, 2], [4, 5], [6, 7, 8], []]   # vehicle 3 (home at 9) has no visit
    neighbours = nearest_visits(whole)
    for seed in range(40):
        plain = choose_region(whole, routes, neighbours, random.Random(seed))
        vehicles, jobs = choose_region(whole, routes, neighbours, random.Random(seed), idle_engineer_joins=True)
        assert vehicles == plain[0] + [3] and jobs == plain[1]
    # Nobody idle may do the first visit of the region's first route: nobody joins.
    whole.allowed = {node: [0, 1, 2] for node in whole.job_nodes}
    for seed in range(40):
        plain = choose_region(whole, routes, neighbours, random.Random(seed))
        assert choose_region(whole, routes, neighbours, random.Random(seed), idle_engineer_joins=True) == plain


def test_a_region_offers_the_unserved_visits_worth_most_per_second_they_take(monkeypatch):
    whole = line_instance()
    whole.allowed = {}
    whole.service[5] = whole.service[6] = 6000     # ten times as long as the others
    whole.penalties[4] = 10 ** 9                   # the seed, all but surely
    monkeypatch.setattr(regions, "UNSERVED_SEED_SHARE", 1.0)
    monkeypatch.setattr(regions, "UNSERVED_NEARBY", 5)
    monkeypatch.setattr(regions, "UNSERVED_PER_REGION", 3)
    routes = [[0, 1], [], [], []]
    neighbours = nearest_visits(whole)
    # Nearest job 4, unserved: 3, 5, 2, 6. The long 5 and 6 give way to 2.
    vehicles, jobs = choose_region(whole, routes, neighbours, random.Random(0))
    assert vehicles == [0] and jobs == [0, 1, 4, 3, 2]


def test_regions_hand_a_route_to_an_idle_engineer_who_lives_by_it_only_when_idle_engineers_join():
    # Jobs 0..3 on a line a minute apart. Vehicle 0 lives 100 minutes off and does
    # them all; vehicle 1 lives at job 0 and has nothing to do.
    positions = [0, 1, 2, 3, 100, 0]
    cost = [[60 * abs(a - b) for b in positions] for a in positions]
    instance = Instance(
        service=[60] * 4 + [0, 0], windows=[(0, 40000)] * 4 + [None] * 2, cost=cost, travel=cost, starts=[4, 5],
        ends=[4, 5], vehicle_ranges=[(0, 40000)] * 2, horizon=40001, job_nodes=list(range(4)),
        penalties={node: 1_000_000 for node in range(4)})

    def search_part(part, routes, seconds, seed):
        found = solve_instance(part, time_limit_s=seconds, metaheuristic="GREEDY_DESCENT", initial_routes=routes,
                               ruin_and_recreate=True, seed=seed)
        return PartResult(routes=[[node for node, _ in route.visits] for route in found.routes],
                          objective=found.objective, start_objective=found.start_objective)

    def searched(idle_engineers_join: bool):
        return search_regions(instance, [[3, 2, 1, 0], []], search_part=search_part,
                              deadline=time.monotonic() + 0.5, rng=random.Random(0), objective=60 * 200,
                              idle_engineers_join=idle_engineers_join)

    # A region of routes alone holds vehicle 0's and nobody to hand it to.
    alone = searched(False)
    assert alone.routes[1] == [] and alone.objective == 60 * 200
    joined = searched(True)
    assert joined.routes[0] == [] and sorted(joined.routes[1]) == [0, 1, 2, 3]
    assert joined.objective == 60 * 6


def test_a_region_replaces_its_routes_only_when_no_worse():
    whole = line_instance()
    routes = [[0, 1, 2], [4, 5], [6, 7, 8], [9]]

    def descending_routes(objective_change: int):
        # Visits by descending penalty (the whole's node numbers, here): the same
        # answer however often a route is searched.
        def search_part(part, part_routes, seconds, seed):
            return PartResult(routes=[sorted(route, key=part.penalties.get, reverse=True) for route in part_routes],
                              objective=100 + objective_change, start_objective=100)
        return search_part

    for change, expect_change in ((1, False), (0, True), (-1, True)):
        stats = RegionStats()
        result = search_regions(whole, routes, search_part=descending_routes(change),
                                deadline=time.monotonic() + 0.06, rng=random.Random(1), objective=1000,
                                stats=stats)
        assert stats.searched >= 1
        assert (result.routes != routes) == expect_change
        assert stats.improved == (stats.searched if change < 0 else 0)
        assert result.objective == 1000 - stats.improved
        assert sorted(map(sorted, result.routes)) == sorted(map(sorted, routes))


def test_each_region_is_searched_for_the_region_time_asked_for_or_the_default():
    whole = line_instance()
    routes = [[0, 1, 2], [4, 5], [6, 7, 8], [9]]
    for asked, expected in ((None, regions.REGION_TIME_S), (0.02, 0.02)):
        given = []

        def search_part(part, part_routes, seconds, seed):
            given.append(seconds)
            return PartResult(routes=part_routes, objective=100, start_objective=100)
        search_regions(whole, routes, search_part=search_part, deadline=time.monotonic() + 0.3,
                       rng=random.Random(2), region_time_s=asked)
        # Each region gets its time, or what is left before the deadline when that is less.
        assert len(given) >= 2 and max(given) == pytest.approx(expected)


def test_regions_out_at_once_share_no_engineer_and_no_visit(monkeypatch):
    whole = line_instance(job_count=24, vehicles=8)
    whole.max_jobs = None
    routes = [[3 * v, 3 * v + 1] for v in range(8)]   # every third job unserved, offered to regions
    region_of = {}   # id(part) → (its vehicles, its visits), as the search drew them
    restrict = Instance.restricted

    def restricted(self, vehicles, jobs):
        part, nodes = restrict(self, vehicles, jobs)
        region_of[id(part)] = (set(vehicles), set(jobs))
        return part, nodes
    monkeypatch.setattr(Instance, "restricted", restricted)
    monkeypatch.setattr(regions, "ROUTES_PER_REGION", (2, 2))
    lock, out, clashes = threading.Lock(), [], []

    def search_part(part, part_routes, seconds, seed):
        mine = region_of[id(part)]
        with lock:
            clashes.extend(other for other in out if other[0] & mine[0] or other[1] & mine[1])
            out.append(mine)
        time.sleep(0.005)
        with lock:
            out.remove(mine)
        # Each route reversed, a little better each time: every region is applied.
        return PartResult(routes=[route[::-1] for route in part_routes], objective=99, start_objective=100)

    stats = RegionStats()
    with ThreadPoolExecutor(3) as executor:
        result = search_regions(whole, routes, search_part=search_part, deadline=time.monotonic() + 0.3,
                                rng=random.Random(4), objective=10_000, stats=stats, executor=executor, at_once=3)
    assert clashes == []
    assert stats.most_at_once == 3 and stats.searched > 10
    assert stats.improved == stats.searched and result.objective == 10_000 - stats.searched
    # Regions came back in any order, and each changed only its own routes.
    assert sorted(map(sorted, result.routes)) == sorted(map(sorted, routes))


def test_a_day_searched_by_worker_processes_keeps_every_rule(regions_on_small_days):
    data = crowded_day(seed=8)
    plan = solve(data, time_limit_s=3, region_search=True, workers=2)
    assert check_plan(parse_problem(data), plan) == []
    assert regions_on_small_days.most_at_once == 2
    assert regions_on_small_days.searched > 5 and regions_on_small_days.improved >= 1


def test_whole_plan_ruins_side_by_side_answer_the_best_plan_of_them_all(monkeypatch):
    @contextlib.contextmanager
    def threads(count):
        with ThreadPoolExecutor(count) as executor:
            yield executor

    def chain(instance, *, time_limit_s, seed, ruin_and_recreate, on_solution=None, **search):
        assert ruin_and_recreate and "workers" not in search   # each chain on one core
        objective = {0: 500, 1: 300, 2: 400}[seed]
        if on_solution is not None:
            on_solution(50.0, objective)
        return SearchResult(routes=[], dropped=[], objective=objective, found=True)

    monkeypatch.setattr(routing, "worker_processes", threads)
    monkeypatch.setattr(routing, "solve_instance", chain)
    reports = []
    best = routing._ruins_side_by_side(line_instance(), time_limit_s=1, seed=0, workers=3,
                                       on_solution=lambda percent, cost: reports.append(cost))
    assert best.objective == 300
    # This process's chain is heard as it goes, the best of the others at the end.
    assert reports == [500, 300]


def test_a_small_day_ruined_on_two_cores_keeps_every_rule():
    data = crowded_day(seed=4)
    reports = []
    plan = solve(data, time_limit_s=2, workers=2, on_progress=lambda percent, parts: reports.append(parts))
    assert check_plan(parse_problem(data), plan) == []
    assert reports and reports[-1]["priority_served"] == plan["summary"]["priority_served"]


def test_initial_routes_are_where_the_search_starts_and_what_start_objective_costs():
    whole = line_instance()
    whole.soft_deadlines = {}
    routes = [[2, 1, 0], [4, 5], [8, 7, 6], []]
    result = solve_instance(whole, time_limit_s=1, metaheuristic="GREEDY_DESCENT", initial_routes=routes)
    served = {node for route in routes for node in route}
    travel = sum(whole.cost[a][b] for v, route in enumerate(routes) if route
                 for a, b in zip([whole.starts[v], *route], [*route, whole.ends[v]]))
    penalties = sum(whole.penalties[node] for node in whole.job_nodes if node not in served)
    assert result.start_objective == travel + penalties
    assert result.objective <= result.start_objective


def crowded_day(seed: int = 5) -> dict:
    """Twelve engineers, sixty jobs with windows and two skills: more work than the
    day holds, so regions have unserved jobs to offer."""
    rng = random.Random(seed)
    engineers = [engineer(f"E{k}", start=[121.40 + 0.02 * (k % 4), 31.20 + 0.02 * (k // 4)],
                          skills={"hvac": 2} if k % 3 else {"electrical": 2},
                          breaks=[{"window": [t("11:30"), t("13:00")], "duration_s": 1800}], max_jobs=5)
                 for k in range(12)]
    jobs = []
    for k in range(60):
        start = rng.choice(["08:00", "10:00", "12:00", "14:00"])
        end = {"08:00": "12:00", "10:00": "14:00", "12:00": "16:00", "14:00": "18:00"}[start]
        jobs.append(job(f"J{k}", [121.38 + rng.random() * 0.1, 31.18 + rng.random() * 0.1], window=(start, end),
                        duration=rng.choice([3600, 5400, 7200]), skills={rng.choice(["hvac", "electrical"]): 1},
                        priority=rng.choice([1, 2, 3, 3, 4])))
    return problem(engineers, jobs)


def test_region_search_plans_a_crowded_day_within_every_rule_and_reports_its_progress(regions_on_small_days):
    data = crowded_day()
    reports = []
    plan = solve(data, time_limit_s=4, region_search=True, on_progress=lambda percent, parts: reports.append(parts))
    assert check_plan(parse_problem(data), plan) == []
    summary = plan["summary"]
    assert summary["assigned"] + summary["unassigned"] == 60 and summary["assigned"] > 0
    # Improvements found in regions are reported like the whole search's: the last
    # report is the plan returned, and priority served never goes back.
    assert reports and (reports[-1]["priority_served"], reports[-1]["assigned"]) == (summary["priority_served"],
                                                                                     summary["assigned"])
    served = [parts["priority_served"] for parts in reports]
    assert served == sorted(served)
    assert regions_on_small_days.searched > 5


def test_region_search_improves_on_where_it_starts(regions_on_small_days):
    # The same kind of day, its first solution and then regions: on a day this
    # crowded they must find something in three seconds.
    data = crowded_day(seed=8)
    plan = solve(data, time_limit_s=3, region_search=True)
    assert check_plan(parse_problem(data), plan) == []
    assert regions_on_small_days.searched > 5 and regions_on_small_days.improved >= 1


def test_only_the_regions_models_are_closed_with_the_close_nodes_lns(monkeypatch, regions_on_small_days):
    # OR-Tools fixes a model's operators when it closes it, so the operator has to
    # be asked for there: in the region's model, and not in the whole day's.
    closed_with = []
    original = routing._search_parameters

    def recording(first_solution, metaheuristic, bandit_operators, close_nodes_lns=0):
        parameters = original(first_solution, metaheuristic, bandit_operators, close_nodes_lns)
        operators = parameters.local_search_operators
        closed_with.append((metaheuristic, operators.use_local_cheapest_insertion_close_nodes_lns,
                            parameters.heuristic_close_nodes_lns_num_nodes))
        return parameters
    monkeypatch.setattr(routing, "_search_parameters", recording)
    data = crowded_day(seed=8)
    plan = solve(data, time_limit_s=2, region_search=True, workers=1)
    assert check_plan(parse_problem(data), plan) == []
    on = routing.optional_boolean_pb2.BOOL_TRUE
    regions_closed = [entry for entry in closed_with if entry[0] == "GREEDY_DESCENT"]
    assert len(regions_closed) == regions_on_small_days.searched > 5
    assert set(regions_closed) == {("GREEDY_DESCENT", on, routing.REGION_CLOSE_NODES_LNS)}
    assert all(entry[1] != on for entry in closed_with if entry[0] != "GREEDY_DESCENT")


def test_a_small_day_is_one_region_rebuilt_whole_by_ruin_and_recreate(monkeypatch):
    monkeypatch.setattr(solve_module, "TRAVEL_POLISH_SHARE", 0.0)   # its regions are tested on their own
    stats = RegionStats()
    monkeypatch.setattr(routing, "search_regions", functools.partial(search_regions, stats=stats))
    ruins = []
    rebuild = routing._ruin_and_recreate
    monkeypatch.setattr(routing, "_ruin_and_recreate",
                        lambda *args, **kwargs: ruins.append(1) or rebuild(*args, **kwargs))
    data = crowded_day(seed=3)
    plan = solve(data, time_limit_s=2, region_search=True)
    assert check_plan(parse_problem(data), plan) == []
    assert stats.searched == 0 and ruins == [1]


def test_a_day_above_the_ruins_then_regions_size_is_ruined_whole_first_and_then_searched_by_regions(monkeypatch):
    monkeypatch.setattr(solve_module, "RUINS_THEN_REGIONS_JOBS", 10)   # the crowded day has 60 jobs
    stats = RegionStats()
    monkeypatch.setattr(routing, "search_regions", functools.partial(search_regions, stats=stats))
    ruined_sizes = []   # visits of each instance ruined: the whole day's, then the regions' parts
    rebuild = routing._ruin_and_recreate
    monkeypatch.setattr(routing, "_ruin_and_recreate",
                        lambda *args, **kwargs: ruined_sizes.append(len(args[2].job_nodes)) or rebuild(*args, **kwargs))
    progress = []
    data = crowded_day(seed=3)
    # In this process, where the patched ruins can count them.
    plan = solve(data, time_limit_s=3, region_search=True, workers=1,
                 on_progress=lambda percent, objective: progress.append((percent, objective)))
    assert check_plan(parse_problem(data), plan) == []
    # The whole day ruined once, first; then regions, each part ruined on its own.
    assert ruined_sizes[0] == 60 and ruined_sizes.count(60) == 1
    assert stats.searched > 5 and 1 < len(ruined_sizes) <= 1 + stats.searched
    percents = [percent for percent, _ in progress]
    assert percents == sorted(percents) and percents[-1] <= 100
    # Each report is better than the one before it, ending with the plan's figures.
    keys = [(o["priority_served"], o["assigned"], -o["travel_s"]) for _, o in progress]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    summary = plan["summary"]
    assert keys[-1][:2] == (summary["priority_served"], summary["assigned"])


def test_when_the_ruins_plan_cannot_be_restored_for_the_regions_it_is_the_answer(monkeypatch):
    monkeypatch.setattr(solve_module, "RUINS_THEN_REGIONS_JOBS", 10)
    search = solve_module.solve_instance

    def no_restore(instance, **kwargs):
        if kwargs.get("initial_routes") is not None:
            return routing.SearchResult(routes=[], dropped=list(instance.job_nodes), objective=None, found=False)
        return search(instance, **kwargs)
    monkeypatch.setattr(solve_module, "solve_instance", no_restore)
    data = crowded_day(seed=3)
    plan = solve(data, time_limit_s=2, region_search=True)
    assert check_plan(parse_problem(data), plan) == []
    assert plan["summary"]["assigned"] > 0


def test_when_the_whole_model_cannot_restore_the_regions_routes_their_own_schedules_make_the_plan(
        monkeypatch, regions_on_small_days):
    # The whole model (twelve vehicles) refuses the regions' routes; the parts (at
    # most six) restore theirs as usual. The plan comes from the regions' schedules
    # and must still pass the checker.
    data = crowded_day(seed=11)
    restore = routing._Model.assignment_of
    monkeypatch.setattr(routing._Model, "assignment_of",
                        lambda model, routes: None if len(routes) == 12 else restore(model, routes))
    plan = solve(data, time_limit_s=3, region_search=True)
    assert check_plan(parse_problem(data), plan) == []
    assert regions_on_small_days.improved >= 1
