"""Ruin-and-recreate: which visits a ruin takes out, and plans rebuilt from ruins."""
from __future__ import annotations

import random

import pytest

from dispatch.solver.ruin import string_removal
from dispatch.solver.solomon import check_routes, read_instance, route_distance, solve_solomon
from tests.dispatch.test_cli_and_travel import write_solomon

# Visits 1..40 on a line, four routes of ten consecutive visits each.
ROUTES = [list(range(1 + 10 * r, 11 + 10 * r)) for r in range(4)]
NEIGHBOURS = {v: sorted((w for w in range(1, 41) if w != v), key=lambda w: (abs(w - v), w)) for v in range(1, 41)}


def test_a_ruin_cuts_one_string_from_each_of_a_few_routes():
    for seed in range(200):
        removed = string_removal(ROUTES, NEIGHBOURS, random.Random(seed))
        assert removed
        touched = [sorted(route.index(v) for v in removed if v in route) for route in ROUTES]
        touched = [positions for positions in touched if positions]
        # 10 visits on average, strings up to 10 long: up to 4 * 10 / 11 - 1 = 2.6
        # routes, rounded down after drawing from [1, 3.6).
        assert 1 <= len(touched) <= 3
        for positions in touched:
            assert positions == list(range(positions[0], positions[-1] + 1)), "a string is consecutive"


def test_the_routes_cut_are_next_to_each_other():
    for seed in range(200):
        removed = string_removal(ROUTES, NEIGHBOURS, random.Random(seed))
        routes = sorted({(v - 1) // 10 for v in removed})
        assert routes == list(range(routes[0], routes[-1] + 1))


def test_the_same_random_state_removes_the_same_visits():
    assert string_removal(ROUTES, NEIGHBOURS, random.Random(7)) == string_removal(ROUTES, NEIGHBOURS, random.Random(7))


def test_short_routes_give_short_strings_and_empty_plans_nothing():
    short = [[1, 2], [3], [], [4, 5]]
    neighbours = {v: [w for w in range(1, 6) if w != v] for v in range(1, 6)}
    for seed in range(50):
        removed = string_removal(short, neighbours, random.Random(seed))
        assert removed and removed <= {1, 2, 3, 4, 5}
    assert string_removal([[], []], {}, random.Random(1)) == set()


def test_ruin_and_recreate_keeps_every_customer_and_every_window(tmp_path):
    # Forty customers in four clusters with staggered windows: many ruins, each
    # rebuilt plan must still serve everyone within the rules.
    rng = random.Random(3)
    customers = []
    for k in range(40):
        cx, cy = [(20, 20), (80, 20), (20, 80), (80, 80)][k % 4]
        ready = rng.randrange(0, 300)
        customers.append((cx + rng.randrange(-8, 9), cy + rng.randrange(-8, 9), rng.randrange(5, 20),
                          ready, ready + rng.randrange(60, 200), 10))
    instance = read_instance(write_solomon(tmp_path / "W.txt", "WINDOWS", customers, vehicles=10, capacity=100))
    plain = solve_solomon(instance, time_limit_s=1, ruin_and_recreate=False)
    ruined = solve_solomon(instance, time_limit_s=3, ruin_and_recreate=True)
    for answer in (plain, ruined):
        assert "unserved" not in answer
        assert check_routes(instance, answer["routes"]) == []
        assert answer["distance"] == pytest.approx(sum(route_distance(instance, r) for r in answer["routes"]), abs=0.01)
