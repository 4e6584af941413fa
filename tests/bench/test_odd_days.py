"""The odd-days benchmark's problems are valid input, and the ones that once broke
the solver get valid plans."""
from __future__ import annotations

import pytest

from bench.odd_days import faults, odd_problem
from dispatch.solver import parse_problem


def test_odd_problems_are_reproducible_and_valid_input():
    assert odd_problem(7) == odd_problem(7)
    for seed in range(100):
        parse_problem(odd_problem(seed))


def test_odd_problems_reach_the_corners_they_promise():
    problems = [odd_problem(seed) for seed in range(100)]
    engineers = [engineer for data in problems for engineer in data["engineers"]]
    jobs = [job for data in problems for job in data["jobs"]]
    assert any(engineer["end"] is None for engineer in engineers)
    assert any(len(engineer.get("breaks", [])) >= 2 for engineer in engineers)
    assert any(engineer.get("max_jobs") == 0 for engineer in engineers)
    assert any(job["duration_s"] == 0 for job in jobs)
    assert any(not data["jobs"] for data in problems)
    offsets = {time[-6:] for engineer in engineers for time in engineer["shift"]}
    assert len(offsets) >= 3


# Breaks starting before the shift, breaks with overlapping windows taken in the other
# order, and breaks outside a route that OR-Tools let fall together.
@pytest.mark.parametrize("seed", [5, 10, 12, 17, 41, 50, 63, 169, 201, 237])
def test_problems_that_once_broke_the_solver_get_valid_plans(seed):
    assert faults(odd_problem(seed), time_limit_s=0.3, workers=1) == []
