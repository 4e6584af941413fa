"""The field-service benchmark's days: reproducible, valid problems, and the variants
change only what they say."""
from __future__ import annotations

import pytest

from bench.field_service import SKILLS, generate, vary
from dispatch.solver import parse_problem


def test_a_day_is_the_same_for_the_same_seed_and_parses():
    assert generate(10, 50, seed=3) == generate(10, 50, seed=3)
    problem = parse_problem(generate(10, 50, seed=3))
    assert len(problem.engineers) == 10 and len(problem.jobs) == 50


def test_the_variants_change_only_what_they_name():
    day = generate(10, 50, seed=3)
    varied = vary(generate(10, 50, seed=3), ["short-jobs", "no-job-limit", "no-breaks", "no-windows", "all-skills"],
                  seed=3)
    parse_problem(varied)
    assert {job["duration_s"] for job in varied["jobs"]} <= {15 * 60, 20 * 60, 30 * 60, 45 * 60}
    assert all("window" not in job for job in varied["jobs"])
    for before, after in zip(day["engineers"], varied["engineers"]):
        assert "max_jobs" not in after and after["breaks"] == []
        assert after["skills"] == {skill: 3 for skill in SKILLS}
        assert after["start"] == before["start"] and after["shift"] == before["shift"]
    for before, after in zip(day["jobs"], varied["jobs"]):
        assert (after["id"], after["location"], after["skills"], after["priority"]) == (
            before["id"], before["location"], before["skills"], before["priority"])
    assert vary(generate(10, 50, seed=3), [], seed=3) == day


def test_an_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="unknown variant"):
        vary(generate(10, 50, seed=3), ["rainy-day"], seed=3)
