"""A large depot instance's first plan built sector by sector (`dispatch.solver.sectors`)."""
from __future__ import annotations

import math

import pytest

from bench.solomon_large import generate
from dispatch.solver import solomon
from dispatch.solver.sectors import first_routes_by_sectors, fleet_shares, sweep_sectors
from dispatch.solver.solomon import check_routes, solve_solomon


def on_circle(degrees: list[float]) -> list[tuple[float, float]]:
    return [(math.cos(math.radians(d)), math.sin(math.radians(d))) for d in degrees]


def test_sectors_are_runs_of_consecutive_angle_of_even_size():
    points = on_circle([k * 360 / 10 + 1 for k in range(10)])
    cut = sweep_sectors((0.0, 0.0), points, 4)
    assert sorted(k for sector in cut for k in sector) == list(range(10))
    assert [len(sector) for sector in cut] == [3, 3, 4]           # ceil(10 / 4) sectors, as even as can be
    # Points are numbered by angle here, so each sector is a run of neighbours on the circle.
    assert cut == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9]]


def test_the_sweep_starts_across_the_widest_empty_angle():
    # Five points straddle the angle where atan2 wraps (±180°); the widest gap is
    # 100°..172°. Swept from -180°, the cluster would fall into both sectors.
    degrees = [172, 176, 179, -176, -172, -110, -60, 0, 60, 100]
    cut = sweep_sectors((0.0, 0.0), on_circle(degrees), 5)
    assert [set(sector) for sector in cut] == [{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}]


def test_one_point_and_none():
    assert sweep_sectors((0.0, 0.0), [(1.0, 1.0)], 5) == [[0]]
    assert sweep_sectors((0.0, 0.0), [], 5) == []


def test_the_fleet_is_shared_in_proportion_and_wholly():
    assert fleet_shares(10, [100, 100, 200]) == [3, 2, 5]    # a tie in the remainders: the first
    assert sum(fleet_shares(250, [143, 143, 143, 143, 143, 143, 142])) == 250
    assert fleet_shares(2, [5, 5, 5]).count(0) == 1
    assert fleet_shares(4, [0, 0]) == [4, 0]


def model_of(instance):
    """The routing instance `solve_solomon` builds for `instance`."""
    captured = {}

    def capture(model, **options):
        captured["model"] = model
        raise StopIteration
    original, solomon.solve_instance = solomon.solve_instance, capture
    try:
        with pytest.raises(StopIteration):
            solve_solomon(instance, time_limit_s=1)
    finally:
        solomon.solve_instance = original
    return captured["model"]


def test_each_sector_is_built_with_its_own_share_of_the_vehicles(monkeypatch):
    monkeypatch.setattr(solomon, "SECTORS_ABOVE_CUSTOMERS", 10 ** 6)
    instance = generate(400, 11, clustered=False)
    model = model_of(instance)
    cut = [[k + 1 for k in sector] for sector in sweep_sectors((instance.depot.x, instance.depot.y),
                                                               [(c.x, c.y) for c in instance.customers], 100)]
    routes = first_routes_by_sectors(model, cut, first_solution="PARALLEL_CHEAPEST_INSERTION", time_limit_s=10)
    assert len(routes) == instance.vehicles
    served = sorted(node for route in routes for node in route)
    assert served == list(range(1, 401))
    sector_of = {node: k for k, sector in enumerate(cut) for node in sector}
    vehicle = 0
    for k, share in enumerate(fleet_shares(instance.vehicles, [len(sector) for sector in cut])):
        for route in routes[vehicle:vehicle + share]:
            assert {sector_of[node] for node in route} <= {k}
        vehicle += share
    as_numbers = [[instance.customers[node - 1].number for node in route] for route in routes if route]
    assert check_routes(instance, as_numbers) == []


def test_a_sector_without_vehicles_leaves_its_visits_unserved():
    instance = generate(60, 12, clustered=True)
    model = model_of(instance)
    halves = [list(range(1, 31)), list(range(31, 61))]
    model.starts, model.ends = model.starts[:1], model.ends[:1]
    model.vehicle_ranges, model.capacities = model.vehicle_ranges[:1], model.capacities[:1]
    routes = first_routes_by_sectors(model, halves, first_solution="PARALLEL_CHEAPEST_INSERTION", time_limit_s=5)
    assert len(routes) == 1 and set(routes[0]) <= set(halves[0]) and routes[0]


def test_a_large_instance_starts_from_the_sectors_and_serves_everyone(monkeypatch):
    monkeypatch.setattr(solomon, "SECTORS_ABOVE_CUSTOMERS", 200)
    monkeypatch.setattr(solomon, "SECTOR_CUSTOMERS", 80)
    built = []
    by_sectors = solomon.first_routes_by_sectors

    def spy(model, cut, **options):
        built.append([len(sector) for sector in cut])
        return by_sectors(model, cut, **options)
    monkeypatch.setattr(solomon, "first_routes_by_sectors", spy)
    instance = generate(240, 13, clustered=False)
    answer = solve_solomon(instance, time_limit_s=3)
    assert built == [[80, 80, 80]]
    assert "unserved" not in answer and check_routes(instance, answer["routes"]) == []
