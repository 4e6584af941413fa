"""The field-service benchmark's days: reproducible, valid problems, and the variants
change only what they say."""
from __future__ import annotations

import argparse

import pytest

from bench.field_service import SKILLS, add_day_arguments, days, generate, runs_verdict, spread, vary
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


def test_the_days_the_options_ask_for_take_the_next_seed_per_size_and_the_variants():
    parser = argparse.ArgumentParser()
    add_day_arguments(parser)
    args = parser.parse_args(["--seed", "7", "--sizes", "10x50", "5x20", "--variant", "no-breaks"])
    chosen = list(days(args))
    assert [(name, engineers, jobs) for name, engineers, jobs, _ in chosen] == [
        ("shanghai-10x50-s7-no-breaks", 10, 50), ("shanghai-5x20-s8-no-breaks", 5, 20)]
    assert chosen[1][3] == vary(generate(5, 20, seed=8), ["no-breaks"], seed=8)


def test_repeated_runs_show_as_ranges_and_their_verdicts_as_counts():
    assert spread([5768]) == 5768
    assert spread([3297, 3297]) == 3297
    assert spread([3189, 3205, 3192]) == "3189–3205"
    assert runs_verdict(["ours better"]) == "ours better"
    assert runs_verdict(["VROOM better", "VROOM better"]) == "VROOM better"
    assert runs_verdict(["VROOM better", "ours better", "tie", "ours better"]) == (
        "ours better in 2/4, tie in 1/4, VROOM better in 1/4")
